"""IoT Central's API tokens against the real binary, with plain `requests` (seed 002's shapes).

Bearer tokens for `https://apps.azureiotcentral.com` come from the token endpoint; API tokens are
minted through `/api/apiTokens`. Covers: roles, create / list / get / delete on both paths, the
token shown once, expiry rules, `api-version` required, IoT Central's error body and
`x-ms-error-code`; a token used through `gatehouse proxy` (introspected once, its roles and
organization forwarded), then deleted: refused by the server on the next request and by the
proxy within its bound; organization scoping (X refused on Y, allowed below X); no escalation
(an Operator cannot mint an Administrator).
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

import ghutil
from ghutil import Server
from test_guard_proxy import ProxyProcess, Upstream, headers_of

V = {"api-version": "2022-07-31"}
IOTC = "https://apps.azureiotcentral.com/.default"
ADMINISTRATOR = "ca310b8d-2f4a-44e0-a36e-957c202cd8d4"
OPERATOR = "ae2c9854-393b-4f97-8c42-479d70ce626e"
BUILDER = "344138e9-8de4-4497-8c54-5237e96d6aaf"
ORG_ADMINISTRATOR = "c495eb57-eb18-489e-9802-62c474e5645c"
ORG_OPERATOR = "b4935647-30e4-4ed3-9074-dcac66c2f8ef"


def bearer_for(srv: Server, role: str | None) -> tuple[ghutil.Sp, str]:
    sp = srv.create_sp()
    if role:
        srv.admin("role", "assign", "--assignee", sp.app_id, "--role", role)
    # The client-credentials call `az account get-access-token --resource
    # https://apps.azureiotcentral.com` makes for a service principal, with plain requests.
    r = requests.post(srv.url(f"/{sp.tenant}/oauth2/v2.0/token"),
                      data={"grant_type": "client_credentials", "client_id": sp.app_id,
                            "client_secret": sp.secret, "scope": IOTC},
                      verify=str(srv.ca), timeout=30)
    assert r.status_code == 200, r.text
    return sp, r.json()["access_token"]


class Door:
    def __init__(self, srv: Server, auth: str) -> None:
        self.srv, self.auth = srv, auth

    def __call__(self, method: str, path: str, json=None, params=V) -> requests.Response:
        return requests.request(method, self.srv.url(path), params=params, json=json,
                                headers={"Authorization": self.auth}, verify=str(self.srv.ca),
                                timeout=30)

    def mint(self, token_id: str, role: str, org: str | None = None, **extra) -> requests.Response:
        r = {"role": role} if org is None else {"role": role, "organization": org}
        return self("PUT", f"/api/apiTokens/{token_id}", json={"roles": [r], **extra})


def assert_iotc_error(r: requests.Response, status: int, code: str) -> dict:
    assert r.status_code == status, f"{r.status_code} {r.text}"
    assert r.headers.get("x-ms-error-code") == code, r.headers
    err = r.json()["error"]
    assert err["code"] == code, err
    assert err["message"] and err["requestId"] and err["time"], err
    return err


@pytest.fixture(scope="module")
def admin(server):
    _, token = bearer_for(server, "Administrator")
    return Door(server, f"Bearer {token}")


def test_roles_and_api_tokens_in_the_seed_shapes(server, admin):
    r = admin("GET", "/api/roles")
    assert r.status_code == 200, r.text
    roles = r.json()["value"]
    assert {"displayName": "Administrator", "id": ADMINISTRATOR} in roles
    assert {"displayName": "Operator", "id": OPERATOR} in roles
    assert {"displayName": "Builder", "id": BUILDER} in roles

    token_id = f"operator-token-{secrets.token_hex(3)}"
    # The how-to's singular path.
    r = admin("PUT", f"/api/apiToken/{token_id}", json={"roles": [{"role": OPERATOR}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert sorted(body) == ["expiry", "id", "roles", "token"]
    assert body["id"] == token_id and body["roles"] == [{"role": OPERATOR}]
    token = body["token"]
    assert token.startswith(f"SharedAccessSignature sr={server.tenant_id}&sig=")
    fields = dict(p.split("=", 1) for p in token.split(" ", 1)[1].split("&"))
    assert fields["skn"] == token_id
    expiry = datetime.fromisoformat(body["expiry"].replace("Z", "+00:00"))
    assert int(expiry.timestamp() * 1000) == int(fields["se"])
    assert timedelta(days=364) < expiry - datetime.now(timezone.utc) <= timedelta(days=366)

    for path in (f"/api/apiTokens/{token_id}", f"/api/apiToken/{token_id}"):
        r = admin("GET", path)
        assert r.status_code == 200 and "token" not in r.json(), r.text
        assert fields["sig"] not in r.text
    r = admin("GET", "/api/apiTokens")
    listed = [t for t in r.json()["value"] if t["id"] == token_id]
    assert listed and "token" not in listed[0] and fields["sig"] not in r.text

    # The token itself calls the API; after DELETE the next request is refused.
    as_token = Door(server, token)
    assert as_token("GET", "/api/roles").status_code == 200
    r = admin("DELETE", f"/api/apiTokens/{token_id}")
    assert r.status_code == 204, r.text
    err = assert_iotc_error(as_token("GET", "/api/roles"), 401, "Unauthorized")
    assert "SharedAccessSignature" in as_token("GET", "/api/roles").headers["WWW-Authenticate"], err


def test_expiry_rules_version_and_errors(server, admin):
    now = datetime.now(timezone.utc)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    assert_iotc_error(admin.mint(f"long-{secrets.token_hex(3)}", OPERATOR,
                                 expiry=iso(now + timedelta(days=400))), 400, "BadRequest")
    assert_iotc_error(admin.mint(f"past-{secrets.token_hex(3)}", OPERATOR,
                                 expiry=iso(now - timedelta(hours=1))), 400, "BadRequest")
    r = admin.mint(f"week-{secrets.token_hex(3)}", OPERATOR, expiry=iso(now + timedelta(days=7)))
    assert r.status_code == 200, r.text
    assert r.json()["expiry"] == iso(now + timedelta(days=7))
    # api-version: missing, then another one.
    err = assert_iotc_error(admin("GET", "/api/roles", params={}), 400, "BadRequest")
    assert "api-version" in err["message"]
    err = assert_iotc_error(admin("GET", "/api/roles", params={"api-version": "2021-04-30-preview"}),
                            400, "BadRequest")
    assert "2022-07-31" in err["message"]
    assert_iotc_error(admin("GET", "/api/apiTokens/does-not-exist"), 404, "NotFound")
    assert_iotc_error(Door(server, "Bearer not.a.token")("GET", "/api/roles"), 401, "Unauthorized")


def test_no_escalation_an_operator_cannot_mint_an_administrator(server, admin):
    _, op = bearer_for(server, "Operator")
    operator = Door(server, f"Bearer {op}")
    assert operator("GET", "/api/roles").status_code == 200
    assert_iotc_error(operator.mint(f"esc-{secrets.token_hex(3)}", ADMINISTRATOR), 403, "Forbidden")
    # Nor can an Operator API token.
    op_token = admin.mint(f"op-{secrets.token_hex(3)}", OPERATOR).json()["token"]
    assert_iotc_error(Door(server, op_token).mint(f"esc-{secrets.token_hex(3)}", ADMINISTRATOR),
                      403, "Forbidden")


def test_organization_scoping_x_refused_on_y_allowed_below_x(server, admin):
    x, x1, y = (f"{n}-{secrets.token_hex(3)}" for n in ("x", "x1", "y"))
    for org, parent in ((x, None), (x1, x), (y, None)):
        body = {"displayName": org} if parent is None else {"displayName": org, "parent": parent}
        r = admin("PUT", f"/api/organizations/{org}", json=body)
        assert r.status_code == 200, r.text
    x_admin = admin.mint(f"xadm-{secrets.token_hex(3)}", ORG_ADMINISTRATOR, x).json()["token"]
    as_x = Door(server, x_admin)
    assert_iotc_error(as_x("GET", f"/api/organizations/{y}"), 403, "Forbidden")
    assert as_x("GET", f"/api/organizations/{x1}").status_code == 200
    assert as_x.mint(f"below-{secrets.token_hex(3)}", ORG_OPERATOR, x1).status_code == 200
    assert_iotc_error(as_x.mint(f"beside-{secrets.token_hex(3)}", ORG_OPERATOR, y), 403, "Forbidden")
    assert_iotc_error(as_x.mint(f"above-{secrets.token_hex(3)}", ADMINISTRATOR), 403, "Forbidden")
    # x1 is used by a token: its delete is refused.
    assert_iotc_error(admin("DELETE", f"/api/organizations/{x1}"), 409, "Conflict")
    assert admin("DELETE", f"/api/organizations/{y}").status_code == 204


@pytest.fixture
def upstream():
    up = Upstream()
    yield up
    up.stop()


def test_an_api_token_through_the_proxy_until_deleted(server, admin, upstream):
    guard_sp = server.create_sp()
    org = f"plant-{secrets.token_hex(3)}"
    assert admin("PUT", f"/api/organizations/{org}", json={"displayName": "Plant"}).status_code == 200
    token_id = f"proxied-{secrets.token_hex(3)}"
    token = admin.mint(token_id, ORG_OPERATOR, org).json()["token"]
    proxy = ProxyProcess(
        ["--listen", "127.0.0.1:0", "--upstream", upstream.url,
         "--issuer", f"{server.base}/{server.tenant_id}/v2.0", "--audience", "api://unused",
         "--ca-file", str(server.ca), "--require-role", ORG_OPERATOR,
         "--allow-api-tokens", "--api-token-client-id", guard_sp.app_id],
        env={"GATEHOUSE_PROXY_API_TOKEN_CLIENT_SECRET": guard_sp.secret})
    try:
        r = requests.get(proxy.url + "/devices", headers={"Authorization": token}, timeout=30)
        assert r.status_code == 200, f"{r.status_code} {r.text}\n" + "".join(proxy.output[-30:])
        h = headers_of(r.json())
        assert h["x-gatehouse-credential"] == ["api_token"]
        assert h["x-gatehouse-roles"] == [ORG_OPERATOR]
        assert h["x-gatehouse-organization"] == [org]
        assert h["x-gatehouse-tenant"] == [server.tenant_id]
        # Forged, truncated: 401 with a challenge, nothing forwarded.
        before = len(upstream.seen)
        for bad in (token.replace("&sig=", "&sig=x"), token[: token.index("&se=")]):
            r = requests.get(proxy.url + "/devices", headers={"Authorization": bad}, timeout=30)
            assert r.status_code == 401 and r.headers.get("WWW-Authenticate"), r.text
        assert len(upstream.seen) == before

        assert admin("DELETE", f"/api/apiTokens/{token_id}").status_code == 204
        # The server refuses it at once; the proxy within its bound (the feed polls every 10 s).
        assert_iotc_error(Door(server, token)("GET", "/api/roles"), 401, "Unauthorized")
        deadline = time.monotonic() + 40
        while True:
            r = requests.get(proxy.url + "/devices", headers={"Authorization": token}, timeout=30)
            if r.status_code == 401 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert r.status_code == 401, f"the proxy still accepts a deleted token: {r.status_code} {r.text}"
    finally:
        proxy.stop()


def test_browser_api_tokens_page_create_copy_delete_on_a_phone(server, client_env):
    """Headless Chromium at 360 px: sign in, + New (shown once, Copy works under the page's CSP),
    listed without the secret, deleted through the confirmation step."""
    import json as _json

    import browser_person
    from device_person import PASSWORD

    upn = f"tok{time.time_ns() % 10**12}@contoso.com"
    server.admin_json("user", "create", "--user-principal-name", upn, "--display-name", "Token admin",
                      "--password", PASSWORD)
    server.admin("role", "assign", "--assignee", upn, "--role", "Administrator")
    name = f"page-{secrets.token_hex(3)}"
    run = browser_person.run_person(server, "apitokens", server.url(f"/{server.tenant_id}/apitokens"),
                                    upn, PASSWORD, name, viewport="360x740")
    out = _json.loads(run.result)
    assert out["token"].startswith(f"SharedAccessSignature sr={server.tenant_id}&sig="), out
    assert out["copyLabel"] == "Copied", "the copy button's script ran under the CSP"
    assert out["listed"] and not out["secretShown"] and not out["after"], out
    for layout in run.layouts:
        assert layout["innerWidth"] == 360, layout
        assert layout["scrollWidth"] <= layout["innerWidth"], f"scrolls sideways on a phone: {layout}"
    # The token shown on the page worked until it was deleted there.
    assert_iotc_error(Door(server, out["token"])("GET", "/api/roles"), 401, "Unauthorized")


def test_azure_cli_token_for_iot_central_lists_roles(server, sp, tenant_id, az):
    """Seed 002's `az account get-access-token --resource https://apps.azureiotcentral.com`, then
    `GET /api/roles` with it."""
    import json as _json

    from test_azure_cli import login

    server.admin("role", "assign", "--assignee", sp.app_id, "--role", "Operator")
    az.register_cloud(server)
    login(az, sp, tenant_id)
    res = az.run("account", "get-access-token", "--resource", "https://apps.azureiotcentral.com",
                 "--output", "json")
    tok = _json.loads(res.stdout)
    assert tok["tokenType"] == "Bearer" and tok["tenant"] == tenant_id, tok
    r = Door(server, f"Bearer {tok['accessToken']}")("GET", "/api/roles")
    assert r.status_code == 200, r.text
    assert {"displayName": "Operator", "id": OPERATOR} in r.json()["value"]
