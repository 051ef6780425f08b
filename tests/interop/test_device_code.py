"""Device-code sign-in with real clients: msal, azure-identity DeviceCodeCredential and the
Azure CLI (`az login --use-device-code`), the person's part done by device_person.approve."""

from __future__ import annotations

import json
import time

import msal
from azure.identity import DeviceCodeCredential

from az_device import az_device_login
from device_person import PASSWORD, approve
from ghutil import verify_jwt

AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
ARM = "https://management.core.windows.net/"
GRAPH = "https://graph.microsoft.com"


def make_user(server) -> tuple[str, dict]:
    upn = f"user{int(time.time() * 1000) % 10**9}@contoso.com"
    user = server.admin_json("user", "create", "--user-principal-name", upn, "--display-name", "Test User",
                             "--password", PASSWORD)
    return upn, user


def assert_user_token(claims: dict, user: dict) -> None:
    assert claims["idtyp"] == "user", claims
    assert claims["oid"] == user["id"] and claims["sub"] == user["id"], claims
    assert claims["azp"] == AZURE_CLI, claims
    assert claims.get("sid"), claims


def test_msal_device_flow_then_silent_refresh(server, client_env, tenant_id):
    client_env.trust(server)
    upn, user = make_user(server)
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[ARM + "/.default"])
    assert "user_code" in flow, flow
    assert flow["verification_uri"] == f"{server.base}/{tenant_id}/oauth2/deviceauth", flow
    approve(flow["verification_uri"], flow["user_code"], upn, ca=str(server.ca))
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    claims = verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=ARM)
    assert_user_token(claims, user)
    assert result["id_token_claims"]["oid"] == user["id"], result
    accounts = app.get_accounts()
    assert [a["username"] for a in accounts] == [upn], accounts

    # From the cache (the answer's scope is MSAL's cache key)...
    cached = app.acquire_token_silent([ARM + "/.default"], account=accounts[0])
    assert cached and cached["access_token"] == result["access_token"], cached
    # ...then a real refresh, and a refresh for another resource (Graph), as the CLI does.
    fresh = app.acquire_token_silent([ARM + "/.default"], account=accounts[0], force_refresh=True)
    assert fresh and "access_token" in fresh and fresh["access_token"] != result["access_token"], fresh
    graph = app.acquire_token_silent([GRAPH + "/.default"], account=accounts[0])
    assert graph and "access_token" in graph, graph
    g = verify_jwt(server, graph["access_token"], tenant_id=tenant_id, audience=GRAPH)
    assert g["oid"] == user["id"] and g["sid"] == claims["sid"], g


def test_azure_identity_device_code_credential(server, client_env, tenant_id):
    client_env.trust(server)
    upn, user = make_user(server)
    seen = {}

    def person(verification_uri, user_code, expires_on):
        seen["uri"] = verification_uri
        approve(verification_uri, user_code, upn, ca=str(server.ca))

    cred = DeviceCodeCredential(client_id=AZURE_CLI, tenant_id=tenant_id, authority=server.base,
                                disable_instance_discovery=True, prompt_callback=person)
    token = cred.get_token(ARM + "/.default")
    claims = verify_jwt(server, token.token, tenant_id=tenant_id, audience=ARM)
    assert_user_token(claims, user)
    assert seen["uri"].endswith("/oauth2/deviceauth"), seen


def test_azure_cli_login_use_device_code(server, client_env, tenant_id, az):
    client_env.trust(server)
    upn, user = make_user(server)
    az.register_cloud(server)
    accounts = az_device_login(client_env.env(), tenant_id,
                               lambda uri, code: approve(uri, code, upn, ca=str(server.ca)),
                               "--skip-subscription-discovery")
    assert accounts[0]["tenantId"] == tenant_id and accounts[0]["user"]["name"] == upn, accounts

    tok = json.loads(az.run("account", "get-access-token", "--output", "json").stdout)
    assert tok["tenant"] == tenant_id, tok
    claims = verify_jwt(server, tok["accessToken"], tenant_id=tenant_id, audience=ARM)
    assert_user_token(claims, user)


def test_msal_silent_refresh_of_an_expired_access_token(server, client_env):
    """MSAL counts a token with 5 minutes or less left as expired: in a tenant whose tokens live
    300 s, acquire_token_silent (without force_refresh) must redeem the refresh token."""
    client_env.trust(server)
    name = f"short{int(time.time() * 1000) % 10**9}"
    tenant = server.admin_json("tenant", "create", "--name", name, "--token-lifetime", "300")
    upn = f"ada@{name}.example"
    user = server.admin_json("user", "create", "--tenant", name, "--user-principal-name", upn,
                             "--display-name", "Ada", "--password", PASSWORD)
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{server.base}/{tenant['id']}", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[ARM + "/.default"])
    approve(flow["verification_uri"], flow["user_code"], upn, ca=str(server.ca))
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result and result["expires_in"] == 300, result
    again = app.acquire_token_silent([ARM + "/.default"], account=app.get_accounts()[0])
    assert again and again.get("access_token"), again
    assert again["access_token"] != result["access_token"], "an expired access token is refreshed, not reused"
    claims = verify_jwt(server, again["access_token"], tenant_id=tenant["id"], audience=ARM)
    assert claims["oid"] == user["id"], claims
