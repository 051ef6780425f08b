"""Helpers shared by the interop tests: the server process, admin verbs, token checks.

The fixtures in conftest.py are built from these; tests import the checks directly
(`from ghutil import verify_jwt`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import requests

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"Gatehouse listening on (https://127\.0\.0\.1:\d+)")
START_TIMEOUT = 60.0
ADMIN_TIMEOUT = 60.0
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

# The machine's own trust, proxy and Azure settings must never leak into a test.
SCRUBBED_ENV = (
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy",
    "AZURE_CONFIG_DIR", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET",
    "AZURE_AUTHORITY_HOST", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_USERNAME", "AZURE_PASSWORD",
    "AZURE_FEDERATED_TOKEN_FILE", "IDENTITY_ENDPOINT", "MSI_ENDPOINT", "AZURE_POD_IDENTITY_AUTHORITY_HOST",
)


def gatehouse_bin() -> Path:
    # Resolved now: the server and the admin verbs run with their data dir as working directory.
    path = Path(os.environ.get("GATEHOUSE_BIN") or REPO / "target" / "debug" / "gatehouse").resolve()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise RuntimeError(
            f"gatehouse binary not found at {path}: build it with `cargo build -p gatehouse` "
            "or set GATEHOUSE_BIN (scripts/test does both)")
    return path


def server_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    # GATEHOUSE_* settings of the developer's shell (config, KEK, URLs) must not reach the server.
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV and not k.startswith("GATEHOUSE_")}
    env.update(extra or {})
    env.setdefault("RUST_BACKTRACE", "1")
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when pytest dies, so no server outlives a run."""
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class AdminError(AssertionError):
    pass


@dataclass
class Server:
    """One `gatehouse serve` process on 127.0.0.1:0 with its own data dir (and database)."""

    data_dir: Path
    database_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None
    base: str = ""
    output: list[str] = field(default_factory=list)
    _tenant_id: str | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def storage_args(self) -> list[str]:
        args = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return args

    def start(self) -> "Server":
        cmd = [str(gatehouse_bin()), "serve", *self.storage_args(), "--listen", "127.0.0.1:0"]
        self.output.append(f"$ {' '.join(cmd)}\n")
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace", env=server_env(self.env), cwd=self.data_dir,
            preexec_fn=_die_with_parent)
        found = threading.Event()

        def pump() -> None:
            assert self.proc and self.proc.stdout
            for line in self.proc.stdout:
                self.output.append(line)
                m = LISTENING.search(line)
                if m and not found.is_set():
                    self.base = m.group(1)
                    found.set()

        threading.Thread(target=pump, name="gatehouse-output", daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while not found.wait(0.1):
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the pump drain what the process printed
                raise RuntimeError(
                    f"gatehouse serve exited with code {self.proc.returncode} before listening:\n"
                    + self.log())
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"gatehouse serve printed no 'Gatehouse listening on https://127.0.0.1:PORT' "
                    f"line within {START_TIMEOUT:.0f} s:\n" + self.log())
        if not self.ca.is_file():
            raise RuntimeError(f"the server is listening but its CA {self.ca} does not exist:\n" + self.log())
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def log(self, last: int = 200) -> str:
        return "".join(self.output[-last:])

    # -- facts -----------------------------------------------------------------------------
    @property
    def ca(self) -> Path:
        return self.data_dir / "tls" / "ca.pem"

    @property
    def tenant_id(self) -> str:
        """The GUID of the tenant named `default` that the first start created."""
        if self._tenant_id is None:
            tenants = self.admin_json("tenant", "list")
            default = [t for t in tenants if t.get("name") == "default"]
            assert len(default) == 1, f"`tenant list` has no single tenant named default: {tenants}"
            assert GUID.match(default[0]["id"]), default[0]
            self._tenant_id = default[0]["id"]
        return self._tenant_id

    def url(self, path: str) -> str:
        return self.base + path

    # -- admin verbs ---------------------------------------------------------------------
    def admin(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(gatehouse_bin()), *args, *self.storage_args()]
        res = subprocess.run(cmd, capture_output=True, text=True, env=server_env(self.env),
                             timeout=ADMIN_TIMEOUT, cwd=self.data_dir)
        if check and res.returncode != 0:
            raise AdminError(
                f"`{' '.join(cmd)}` exited {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}")
        return res

    def admin_json(self, *args: str):
        res = self.admin(*args, "--output", "json")
        try:
            return json.loads(res.stdout)
        except json.JSONDecodeError as e:
            raise AdminError(f"`gatehouse {' '.join(args)} --output json` printed no JSON ({e}):\n{res.stdout}")

    def create_sp(self, name: str | None = None, tenant: str | None = None) -> "Sp":
        name = name or f"gh-it-{secrets.token_hex(4)}"
        args = ["sp", "create-for-rbac", "-n", name]
        if tenant:
            args += ["--tenant", tenant]
        out = self.admin_json(*args)
        for key in ("appId", "displayName", "password", "tenant"):
            assert key in out, f"sp create-for-rbac output lacks {key}: {out}"
        sp = Sp(app_id=out["appId"], secret=out["password"], tenant=out["tenant"], name=out["displayName"])
        self.wait_usable(sp)
        return sp

    def wait_usable(self, sp: "Sp", timeout: float = 5.0) -> None:
        """A running server sees admin changes within 1 s: wait until the new credentials work."""
        deadline = time.monotonic() + timeout
        while True:
            r = requests.post(
                self.url(f"/{sp.tenant}/oauth2/v2.0/token"),
                data={"grant_type": "client_credentials", "client_id": sp.app_id,
                      "client_secret": sp.secret, "scope": "https://graph.microsoft.com/.default"},
                verify=str(self.ca), timeout=10)
            if r.status_code == 200 or time.monotonic() > deadline:
                assert r.status_code == 200, (
                    f"new service principal {sp.app_id} still refused after {timeout} s: "
                    f"{r.status_code} {r.text}")
                return
            time.sleep(0.25)


@dataclass
class Sp:
    app_id: str
    secret: str
    tenant: str
    name: str


# -- token checks ------------------------------------------------------------------------

def openid_configuration(server: Server, tenant: str, v1: bool = False) -> dict:
    path = f"/{tenant}/.well-known/openid-configuration" if v1 else f"/{tenant}/v2.0/.well-known/openid-configuration"
    r = requests.get(server.url(path), verify=str(server.ca), timeout=10)
    assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text}"
    return r.json()


def jwks(server: Server, tenant: str) -> dict:
    jwks_uri = openid_configuration(server, tenant)["jwks_uri"]
    assert jwks_uri.startswith(server.base + "/"), jwks_uri
    r = requests.get(jwks_uri, verify=str(server.ca), timeout=10)
    assert r.status_code == 200, f"GET {jwks_uri}: {r.status_code} {r.text}"
    return r.json()


def verify_jwt(server: Server, token: str, *, tenant_id: str, audience: str, ver: str = "2.0") -> dict:
    """Verify signature and standard claims of a Gatehouse access token with PyJWT.

    The key is taken from the JWKS that the tenant's discovery document names, chosen by the
    header's `kid`, and the algorithm is pinned to the key's own `alg`.
    """
    header = jwt.get_unverified_header(token)
    assert header.get("typ") == "JWT", header
    assert "jku" not in header and "x5u" not in header, header
    keys = jwks(server, tenant_id)["keys"]
    matching = [k for k in keys if k.get("kid") == header.get("kid")]
    assert len(matching) == 1, f"kid {header.get('kid')!r} not exactly once in JWKS {[k.get('kid') for k in keys]}"
    jwk = jwt.PyJWK.from_dict(matching[0])
    assert matching[0].get("alg") == header["alg"], (matching[0], header)
    issuer = f"{server.base}/{tenant_id}/v2.0" if ver == "2.0" else f"{server.base}/{tenant_id}/"
    claims = jwt.decode(
        token, key=jwk.key, algorithms=[matching[0]["alg"]], audience=audience, issuer=issuer,
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "tid", "ver"]}, leeway=60)
    assert claims["aud"] == audience, claims
    assert claims["iss"] == issuer, claims
    assert claims["tid"] == tenant_id, claims
    assert claims["ver"] == ver, claims
    for c in ("exp", "iat", "nbf"):
        assert type(claims[c]) is int, (c, claims)
    assert claims["nbf"] == claims["iat"], claims
    assert abs(claims["iat"] - time.time()) < 120, claims
    return claims


def assert_app_token(claims: dict, sp: Sp, *, ver: str = "2.0", lifetime: int = 3600) -> None:
    """Claims of an application (client credentials) token, per docs/TOKENS.md."""
    if ver == "2.0":
        assert claims["azp"] == sp.app_id, claims
        assert claims.get("azpacr") == "1", claims
    else:
        assert claims["appid"] == sp.app_id, claims
        assert claims.get("appidacr") == "1", claims
    assert claims["exp"] - claims["iat"] == lifetime, claims
    assert claims.get("idtyp") == "app", claims
    assert GUID.match(claims["oid"]), claims
    assert claims["sub"] == claims["oid"], claims
    assert claims.get("uti"), claims
    assert "scp" not in claims, claims


def assert_entra_error(resp: requests.Response, *, code: int, error: str | tuple[str, ...],
                       statuses: tuple[int, ...] = (400,)) -> dict:
    """The Entra error shape: JSON with AADSTS code, trace and correlation ids, no-store."""
    assert resp.status_code in statuses, f"status {resp.status_code} not in {statuses}: {resp.text}"
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    assert "no-store" in resp.headers.get("Cache-Control", ""), resp.headers
    body = resp.json()
    errors = (error,) if isinstance(error, str) else error
    assert body.get("error") in errors, body
    assert body.get("error_codes") == [code], body
    assert body["error_description"].startswith(f"AADSTS{code}: "), body
    for key in ("trace_id", "correlation_id"):
        assert GUID.match(body.get(key, "")), (key, body)
    assert re.match(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d", body.get("timestamp", "")), body
    assert f"Trace ID: {body['trace_id']}" in body["error_description"], body
    return body


def new_id() -> str:
    return str(uuid.uuid4())
