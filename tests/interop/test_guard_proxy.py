"""`gatehouse proxy` in front of a plain Python http.server, driven by real clients.

Tokens come from the real `msal` and `azure-identity` against the real server; the requests to
the proxy are made with `requests`. The upstream echoes what reached it, so every test can say
both what the caller got and what the API behind the proxy saw (refused requests: nothing).
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import jwt
import msal
import pytest
import requests
from azure.identity import ClientSecretCredential

import ghutil
from ghutil import GUID, Server, verify_jwt

ROLE = "Orders.Read"
PROXY_LISTENING = re.compile(r"Gatehouse proxy listening on (http://127\.0\.0\.1:\d+)")
IDENTITY_HEADERS = {"x-gatehouse-tenant", "x-gatehouse-object-id", "x-gatehouse-app-id",
                    "x-gatehouse-scopes", "x-gatehouse-roles", "x-gatehouse-credential",
                    "x-gatehouse-organization"}
SPOOFED = {"X-Gatehouse-App-Id": "spoofed-app", "X-Gatehouse-Roles": "Admin",
           "X-Gatehouse-Tenant": "00000000-0000-0000-0000-000000000000",
           "X-Gatehouse-Debug": "1"}


# -- the upstream: Python's http.server, echoing each request as JSON -------------------------

class _Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = {
            "method": self.command,
            "path": self.path,
            # a list of pairs, lowercased names: a header sent twice shows twice
            "headers": [[k.lower(), v] for k, v in self.headers.items()],
            "body": body.decode("utf-8", "replace"),
        }
        self.server.seen.append(seen)  # type: ignore[attr-defined]
        out = json.dumps(seen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args) -> None:  # keep pytest's output clean
        pass


class Upstream:
    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
        self.httpd.daemon_threads = True
        self.httpd.seen = []  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="echo-upstream",
                                        daemon=True)
        self._thread.start()

    @property
    def seen(self) -> list[dict]:
        return self.httpd.seen  # type: ignore[attr-defined]

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def headers_of(seen: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in seen["headers"]:
        out.setdefault(name, []).append(value)
    return out


# -- the proxy process ------------------------------------------------------------------------

class ProxyProcess:
    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        cmd = [str(ghutil.gatehouse_bin()), "proxy", *args]
        self.output: list[str] = [f"$ {' '.join(cmd)}\n"]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace", env=ghutil.server_env(env),
            preexec_fn=ghutil._die_with_parent)
        found = threading.Event()
        self.url = ""

        def pump() -> None:
            assert self.proc.stdout
            for line in self.proc.stdout:
                self.output.append(line)
                m = PROXY_LISTENING.search(line)
                if m and not found.is_set():
                    self.url = m.group(1)
                    found.set()

        threading.Thread(target=pump, name="proxy-output", daemon=True).start()
        deadline = time.monotonic() + ghutil.START_TIMEOUT
        while not found.wait(0.1):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                time.sleep(0.2)
                pytest.fail("gatehouse proxy did not print 'Gatehouse proxy listening on "
                            "http://127.0.0.1:PORT':\n" + "".join(self.output), pytrace=False)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def get(self, path: str, token: str | None = None, **headers: str) -> requests.Response:
        h = dict(headers)
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        return requests.get(self.url + path, headers=h, timeout=30)


# -- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def upstream():
    up = Upstream()
    yield up
    up.stop()


def create_api(srv: Server, uri: str | None = None) -> dict:
    uri = uri or f"api://gh-it-orders-{secrets.token_hex(4)}"
    api = srv.admin_json("api", "create", "--name", f"orders-{secrets.token_hex(3)}",
                         "--identifier-uri", uri, "--app-role", ROLE)
    assert api["identifierUris"] == [uri], api
    return {"uri": uri, "appId": api["appId"]}


@pytest.fixture(scope="module")
def orders_api(server):
    return create_api(server)


def proxy_args(srv: Server, upstream: Upstream, audience: str, *extra: str) -> list[str]:
    return ["--listen", "127.0.0.1:0", "--upstream", upstream.url,
            "--issuer", f"{srv.base}/{srv.tenant_id}/v2.0", "--audience", audience,
            "--ca-file", str(srv.ca), "--require-role", ROLE, *extra]


@pytest.fixture(scope="module")
def proxy(server, upstream, orders_api):
    p = ProxyProcess(proxy_args(server, upstream, orders_api["uri"]))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def tenant_proxy(server, upstream, orders_api):
    p = ProxyProcess(proxy_args(server, upstream, orders_api["uri"], "--tenant-header"))
    yield p
    p.stop()


@pytest.fixture(scope="module")
def other_server(tmp_path_factory):
    """A second, independent Gatehouse instance (own data dir, keys and tenant)."""
    root = tmp_path_factory.mktemp("other-server")
    try:
        srv = Server(data_dir=Path(tempfile.mkdtemp(prefix="gh-data-", dir=root))).start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield srv
    srv.stop()


def msal_token(srv: Server, sp: ghutil.Sp, scope: str) -> str:
    app = msal.ConfidentialClientApplication(
        sp.app_id, client_credential=sp.secret, authority=f"{srv.base}/{sp.tenant}",
        instance_discovery=False)  # a fresh app: no token cache between calls
    result = app.acquire_token_for_client([scope])
    assert "access_token" in result, f"msal returned no token: {result}"
    return result["access_token"]


def grant_and_wait(srv: Server, sp: ghutil.Sp, api: dict) -> str:
    """Grant ROLE; return the first msal token that carries it (a server sees grants within 1 s)."""
    srv.admin("app", "role", "grant", "--app", sp.app_id, "--api", api["appId"], "--role", ROLE)
    deadline = time.monotonic() + 5
    while True:
        token = msal_token(srv, sp, f"{api['uri']}/.default")
        roles = jwt.decode(token, options={"verify_signature": False}).get("roles", [])
        if ROLE in roles or time.monotonic() > deadline:
            assert roles == [ROLE], f"the grant did not reach the token within 5 s: {roles}"
            return token
        time.sleep(0.25)


@pytest.fixture
def reader(server, sp, orders_api):
    """A service principal holding ROLE on the API, and an msal token that carries it."""
    token = grant_and_wait(server, sp, orders_api)
    return sp, token


def assert_refusal(r: requests.Response, status: int, error: str) -> dict:
    assert r.status_code == status, f"{r.status_code} {r.headers} {r.text}"
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    assert "no-store" in r.headers.get("Cache-Control", ""), r.headers
    body = r.json()
    assert body.get("error") == error, body
    assert GUID.match(body.get("trace_id", "")), body
    return body


def assert_not_forwarded(upstream: Upstream, before: int) -> None:
    assert len(upstream.seen) == before, f"a refused request reached the upstream: {upstream.seen[before:]}"


# -- accepted callers -------------------------------------------------------------------------

def test_msal_token_passes_and_identity_reaches_upstream(server, proxy, upstream, orders_api, reader):
    sp, token = reader
    claims = verify_jwt(server, token, tenant_id=server.tenant_id, audience=orders_api["uri"])

    # Control: straight to the upstream, the spoofed headers do arrive (the echo hides nothing).
    direct = requests.get(upstream.url + "/orders/1", headers=SPOOFED, timeout=10).json()
    assert headers_of(direct)["x-gatehouse-roles"] == ["Admin"], direct

    before = len(upstream.seen)
    r = proxy.get("/orders/1?expand=lines&x=%2F", token, **SPOOFED)
    assert r.status_code == 200, f"{r.status_code} {r.text}\n" + "".join(proxy.output[-30:])
    seen = r.json()
    assert len(upstream.seen) == before + 1
    assert seen == upstream.seen[-1]
    assert seen["method"] == "GET"
    assert seen["path"] == "/orders/1?expand=lines&x=%2F", seen

    h = headers_of(seen)
    identity = {name: values for name, values in h.items() if name.startswith("x-gatehouse-")}
    assert set(identity) == IDENTITY_HEADERS, f"spoofed headers must be stripped: {identity}"
    assert all(len(v) == 1 for v in identity.values()), identity
    assert identity["x-gatehouse-app-id"] == [sp.app_id]
    assert identity["x-gatehouse-tenant"] == [server.tenant_id]
    assert identity["x-gatehouse-object-id"] == [claims["oid"]]
    assert identity["x-gatehouse-roles"] == [ROLE]
    assert identity["x-gatehouse-scopes"] == [""]
    assert identity["x-gatehouse-credential"] == ["jwt"]
    assert identity["x-gatehouse-organization"] == [""], "a JWT acts at the root"
    assert h["authorization"] == [f"Bearer {token}"], "the token is forwarded"
    assert h["x-forwarded-for"] == ["127.0.0.1"], h
    assert h["x-forwarded-host"] == [urlsplit(proxy.url).netloc], h

    # A body is forwarded too.
    r = requests.post(proxy.url + "/orders", json={"item": "tea"}, timeout=30,
                      headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    assert r.json()["method"] == "POST"
    assert json.loads(r.json()["body"]) == {"item": "tea"}


def test_azure_identity_token_passes(server, proxy, upstream, orders_api, reader):
    sp, _ = reader
    cred = ClientSecretCredential(server.tenant_id, sp.app_id, sp.secret, authority=server.base,
                                  disable_instance_discovery=True)
    try:
        token = cred.get_token(f"{orders_api['uri']}/.default").token
    finally:
        cred.close()
    r = proxy.get("/orders/2", token)
    assert r.status_code == 200, r.text
    h = headers_of(r.json())
    assert h["x-gatehouse-app-id"] == [sp.app_id]
    assert h["x-gatehouse-roles"] == [ROLE]


# -- refused callers --------------------------------------------------------------------------

def test_no_token_is_401_and_never_forwarded(proxy, upstream):
    before = len(upstream.seen)
    r = proxy.get("/orders/1", **SPOOFED)
    assert_refusal(r, 401, "missing_token")
    challenge = r.headers.get("WWW-Authenticate", "")
    assert challenge.startswith("Bearer"), r.headers
    assert "error=" not in challenge, "no error code when no credentials were sent (RFC 6750 3.1)"
    # A scheme the guard does not handle is a missing token too.
    r = requests.get(proxy.url + "/orders/1", auth=("user", "password"), timeout=30)
    assert_refusal(r, 401, "missing_token")
    assert_not_forwarded(upstream, before)


def test_token_of_another_instance_is_401_invalid_token(server, other_server, proxy, upstream,
                                                        orders_api, client_env):
    # Same API identifier, same role, granted: everything equal but the issuer and its keys.
    assert other_server.tenant_id != server.tenant_id
    client_env.trust(other_server)
    other_api = create_api(other_server, orders_api["uri"])
    stranger = other_server.create_sp()
    token = grant_and_wait(other_server, stranger, other_api)
    claims = verify_jwt(other_server, token, tenant_id=other_server.tenant_id,
                        audience=orders_api["uri"])
    assert claims["roles"] == [ROLE], claims
    assert claims["iss"] == f"{other_server.base}/{other_server.tenant_id}/v2.0", claims

    before = len(upstream.seen)
    r = proxy.get("/orders/1", token)
    body = assert_refusal(r, 401, "invalid_token")
    assert body["error_description"] == "token issuer not accepted", body
    assert r.headers.get("WWW-Authenticate", "").startswith('Bearer error="invalid_token"'), r.headers
    assert_not_forwarded(upstream, before)


def test_token_for_another_audience_is_401(server, proxy, upstream, reader):
    sp, _ = reader
    token = msal_token(server, sp, "https://apps.azureiotcentral.com/.default")
    before = len(upstream.seen)
    r = proxy.get("/orders/1", token)
    body = assert_refusal(r, 401, "invalid_token")
    assert body["error_description"] == "token audience not accepted", body
    assert r.headers.get("WWW-Authenticate", "").startswith('Bearer error="invalid_token"'), r.headers
    assert_not_forwarded(upstream, before)


def test_token_without_the_role_is_403_insufficient_scope(server, sp, proxy, upstream, orders_api):
    token = msal_token(server, sp, f"{orders_api['uri']}/.default")
    claims = verify_jwt(server, token, tenant_id=server.tenant_id, audience=orders_api["uri"])
    assert "roles" not in claims, claims
    before = len(upstream.seen)
    r = proxy.get("/orders/1", token, **{"X-Gatehouse-Roles": ROLE})
    assert_refusal(r, 403, "insufficient_scope")
    challenge = r.headers.get("WWW-Authenticate", "")
    assert challenge.startswith('Bearer error="insufficient_scope"'), challenge
    assert f'scope="{ROLE}"' in challenge, challenge
    assert_not_forwarded(upstream, before)


# -- --tenant-header --------------------------------------------------------------------------

def test_tenant_header_matching_passes(server, tenant_proxy, upstream, reader):
    _, token = reader
    for value in (server.tenant_id, server.tenant_id.upper()):
        r = tenant_proxy.get("/orders/1", token, **{"X-Tenant-ID": value})
        assert r.status_code == 200, f"X-Tenant-ID {value}: {r.status_code} {r.text}"
        assert headers_of(r.json())["x-gatehouse-tenant"] == [server.tenant_id]


def test_tenant_header_mismatch_missing_or_malformed_is_refused(server, tenant_proxy, upstream, reader):
    _, token = reader
    other_tenant = ghutil.new_id()
    assert other_tenant != server.tenant_id
    before = len(upstream.seen)

    r = tenant_proxy.get("/orders/1", token, **{"X-Tenant-ID": other_tenant})
    body = assert_refusal(r, 401, "invalid_token")
    assert body["error_description"] == "token not valid for the tenant in X-Tenant-ID", body
    assert r.headers.get("WWW-Authenticate", "").startswith('Bearer error="invalid_token"'), r.headers

    r = tenant_proxy.get("/orders/1", token)
    assert_refusal(r, 400, "invalid_request")
    assert r.headers.get("WWW-Authenticate", "").startswith('Bearer error="invalid_request"'), r.headers

    r = tenant_proxy.get("/orders/1", token, **{"X-Tenant-ID": "default"})
    assert_refusal(r, 400, "invalid_request")

    # Two X-Tenant-ID headers (requests cannot send a header twice; http.client can).
    conn = http.client.HTTPConnection(urlsplit(tenant_proxy.url).netloc, timeout=30)
    try:
        conn.putrequest("GET", "/orders/1")
        conn.putheader("Authorization", f"Bearer {token}")
        conn.putheader("X-Tenant-ID", server.tenant_id)
        conn.putheader("X-Tenant-ID", server.tenant_id)
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 400, (resp.status, resp.read())
        assert json.loads(resp.read())["error"] == "invalid_request"
    finally:
        conn.close()
    assert_not_forwarded(upstream, before)


def test_tenant_header_alone_grants_nothing(server, tenant_proxy, upstream):
    before = len(upstream.seen)
    r = tenant_proxy.get("/orders/1", **{"X-Tenant-ID": server.tenant_id})
    assert_refusal(r, 401, "missing_token")
    assert r.headers.get("WWW-Authenticate", "").startswith("Bearer"), r.headers
    assert_not_forwarded(upstream, before)
