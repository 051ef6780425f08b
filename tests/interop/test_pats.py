"""The PAT API (`/_apis/tokens/pats`, Azure DevOps' shapes) against the real binary with a plain
HTTP client (requests) and a real user token for the Azure DevOps resource got by msal's device
flow (the person's part by device_person.approve): create / list with continuationToken paging /
get / update / revoke, `patTokenError`s, scope implication, a scope the user lacks, an app-only
token refused, the PAT gone with its user, and a PAT used through `gatehouse proxy --allow-pats`
(Bearer and Basic, introspected once) until revoked, then refused by the proxy within its bound."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta, timezone

import msal
import requests

from device_person import PASSWORD, approve

AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
DEVOPS = "499b84ac-1321-427f-aa17-267ca6975798"
V = {"api-version": "7.1-preview.1"}


def make_user(server) -> tuple[str, dict]:
    upn = f"pat{int(time.time() * 1000) % 10**9}@contoso.com"
    user = server.admin_json("user", "create", "--user-principal-name", upn, "--display-name", "PAT User",
                             "--password", PASSWORD)
    return upn, user


def devops_token(server, tenant_id: str, upn: str) -> str:
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[f"{DEVOPS}/.default"])
    approve(flow["verification_uri"], flow["user_code"], upn, ca=str(server.ca))
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    return result["access_token"]


def in_days(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


class Api:
    def __init__(self, server, token: str):
        self.url = server.url("/_apis/tokens/pats")
        self.s = requests.Session()
        self.s.verify = str(server.ca)
        self.s.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, params: dict | None = None, body: dict | None = None) -> requests.Response:
        return self.s.request(method, self.url, params={**V, **(params or {})}, json=body, timeout=30)

    def create(self, name: str, scope: str, days: int = 10) -> dict:
        r = self.call("POST", body={"displayName": name, "scope": scope, "validTo": in_days(days), "allOrgs": False})
        assert r.status_code == 200, r.text
        return r.json()


def test_pat_lifecycle_paging_and_errors(server, client_env, tenant_id):
    client_env.trust(server)
    upn, user = make_user(server)
    api = Api(server, devops_token(server, tenant_id, upn))

    made = api.create("first", "vso.code_manage")
    assert made["patTokenError"] == "none", made
    pat = made["patToken"]
    assert set(pat) == {"displayName", "validTo", "scope", "targetAccounts", "validFrom", "authorizationId", "token"}
    assert pat["token"].startswith("gthpat_") and len(pat["token"]) == 53, pat
    first = pat["authorizationId"]

    got = api.call("GET", {"authorizationId": first}).json()
    assert got["patToken"]["token"] is None and got["patToken"]["scope"] == "vso.code_manage", got

    ids = [first] + [api.create(f"p{i}", "vso.work")["patToken"]["authorizationId"] for i in range(4)]
    seen, cont = [], None
    while True:
        params = {"$top": "2", **({"continuationToken": cont} if cont else {})}
        page = api.call("GET", params).json()
        assert len(page["patTokens"]) <= 2, page
        seen += [p["authorizationId"] for p in page["patTokens"]]
        assert all(p["token"] is None for p in page["patTokens"])
        cont = page["continuationToken"]
        if not cont:
            break
    assert seen == ids

    upd = api.call("PUT", body={"authorizationId": first, "displayName": "renamed", "validTo": in_days(200)}).json()
    assert upd["patTokenError"] == "none" and upd["patToken"]["displayName"] == "renamed", upd

    for body, error in [
        ({"scope": "vso.code", "validTo": in_days(1)}, "displayNameRequired"),
        ({"displayName": "x", "scope": "vso.bogus", "validTo": in_days(1)}, "invalidScope"),
        ({"displayName": "x", "scope": "vso.code", "validTo": in_days(400)}, "invalidValidTo"),
        ({"displayName": "x", "scope": "app_token", "validTo": in_days(1)}, "accessDenied"),
    ]:
        r = api.call("POST", body=body)
        assert r.status_code == 200 and r.json()["patTokenError"] == error, (body, r.text)

    assert api.call("DELETE", {"authorizationId": first}).status_code == 204
    again = api.call("DELETE", {"authorizationId": first}).json()
    assert again["patTokenError"] == "authorizationNotFound", again
    revoked = api.call("GET", {"displayFilterOption": "revoked"}).json()["patTokens"]
    assert [p["authorizationId"] for p in revoked] == [first]

    # No api-version: Azure DevOps' exception body.
    r = api.s.get(api.url, timeout=30)
    assert r.status_code == 400 and r.json()["typeKey"] == "VssInvalidPreviewVersionException", r.text
    assert set(r.json()) == {"$id", "innerException", "message", "typeName", "typeKey", "errorCode", "eventId"}


def test_an_app_only_token_is_refused(server, sp, client_env, tenant_id):
    r = requests.post(server.url(f"/{tenant_id}/oauth2/v2.0/token"), verify=str(server.ca), timeout=30,
                      data={"grant_type": "client_credentials", "client_id": sp.app_id,
                            "client_secret": sp.secret, "scope": f"{DEVOPS}/.default"})
    assert r.status_code == 200, r.text
    api = Api(server, r.json()["access_token"])
    r = api.call("GET")
    assert r.status_code == 403 and r.json()["typeKey"] == "UnauthorizedRequestException", r.text
    r = requests.get(api.url, params=V, verify=str(server.ca), timeout=30)
    assert r.status_code == 401 and r.json()["typeKey"] == "VssUnauthorizedException", r.text


def test_a_pat_dies_with_its_user(server, client_env, tenant_id):
    client_env.trust(server)
    upn, user = make_user(server)
    token = devops_token(server, tenant_id, upn)
    api = Api(server, token)
    assert api.create("doomed", "vso.build")["patTokenError"] == "none"
    assert len(api.call("GET").json()["patTokens"]) == 1
    server.admin("user", "delete", "--id", user["id"])
    # The deleted user's token no longer opens the PAT API (the PAT rows cascade with the user:
    # proven by the store conformance suite and the server's router tests, where `check` refuses it).
    assert api.call("GET").status_code == 401


def test_browser_pat_page_create_copy_revoke_at_phone_width(server, client_env, tenant_id):
    import json as _json
    import os
    import browser_person

    upn, _ = make_user(server)
    os.environ["GH_KEEP_SCREENSHOTS"] = "1"
    try:
        run = browser_person.pats(server, server.url(f"/{tenant_id}/mypats"), upn, PASSWORD, viewport="360x740")
    finally:
        os.environ.pop("GH_KEEP_SCREENSHOTS", None)
    out = _json.loads(run.result)
    assert out["token"].startswith("gthpat_"), out
    assert out["copied"] == "Copied", out
    if not out["clipboard"].startswith("unreadable"):
        assert out["clipboard"] == out["token"], out
    assert "browser token" in out["listed"] and out["token"] not in out["listed"], out
    assert "You have no active personal access tokens." in out["after"], out
    for layout in run.layouts:
        assert layout["scrollWidth"] <= layout["innerWidth"], layout
    print("SCREENSHOTS", run.screenshots)


def test_a_pat_through_the_proxy_until_revoked(server, client_env, tenant_id):
    from test_guard_proxy import ProxyProcess, Upstream, headers_of

    client_env.trust(server)
    upn, user = make_user(server)
    api = Api(server, devops_token(server, tenant_id, upn))
    made = api.create("proxied", "vso.code_write")["patToken"]
    pat, authorization_id = made["token"], made["authorizationId"]
    guard_sp = server.create_sp()
    upstream = Upstream()
    proxy = ProxyProcess(
        ["--listen", "127.0.0.1:0", "--upstream", upstream.url,
         "--issuer", f"{server.base}/{tenant_id}/v2.0", "--audience", "api://unused",
         "--ca-file", str(server.ca), "--require-scope", "vso.code",
         "--allow-pats", "--api-token-client-id", guard_sp.app_id],
        env={"GATEHOUSE_PROXY_API_TOKEN_CLIENT_SECRET": guard_sp.secret})
    basic = "Basic " + base64.b64encode(f":{pat}".encode()).decode()
    try:
        for auth in (f"Bearer {pat}", basic):
            r = requests.get(proxy.url + "/repos", headers={"Authorization": auth}, timeout=30)
            assert r.status_code == 200, f"{r.status_code} {r.text}\n" + "".join(proxy.output[-30:])
            h = headers_of(r.json())
            assert h["x-gatehouse-credential"] == ["pat"]
            assert h["x-gatehouse-object-id"] == [user["id"]]
            assert h["x-gatehouse-tenant"] == [tenant_id]
            assert "vso.code" in h["x-gatehouse-scopes"][0].split()
        # A mistyped PAT: 401 with a challenge, nothing forwarded.
        before = len(upstream.seen)
        typo = pat[:-1] + ("b" if pat[-1] == "a" else "a")
        r = requests.get(proxy.url + "/repos", headers={"Authorization": f"Bearer {typo}"}, timeout=30)
        assert r.status_code == 401 and r.headers.get("WWW-Authenticate"), r.text
        assert len(upstream.seen) == before

        assert api.call("DELETE", params={"authorizationId": authorization_id}).status_code == 204
        # The proxy refuses it within its bound (the feed polls every 10 s).
        deadline = time.monotonic() + 40
        while True:
            r = requests.get(proxy.url + "/repos", headers={"Authorization": f"Bearer {pat}"}, timeout=30)
            if r.status_code == 401 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert r.status_code == 401, f"the proxy still accepts a revoked PAT: {r.status_code} {r.text}"
    finally:
        proxy.stop()
        upstream.stop()
