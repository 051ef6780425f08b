"""Authorization code with PKCE through real msal: `initiate_auth_code_flow` /
`acquire_token_by_auth_code_flow`, the person's part done by auth_code_person.sign_in."""

from __future__ import annotations

import hashlib
import time

import msal

from auth_code_person import sign_in
from device_person import PASSWORD
from ghutil import verify_jwt

GRAPH = "https://graph.microsoft.com"
REDIRECT = "http://localhost:8765/callback"


def make_user(server) -> tuple[str, dict]:
    upn = f"ac{int(time.time() * 1000) % 10**9}@contoso.com"
    user = server.admin_json("user", "create", "--user-principal-name", upn, "--display-name", "Auth Code",
                             "--password", PASSWORD)
    return upn, user


def test_msal_auth_code_flow_with_pkce_then_refresh(server, client_env, tenant_id):
    client_env.trust(server)
    upn, user = make_user(server)
    app_id = server.admin_json("app", "create", "--name", f"spa-{time.time_ns()}", "--public",
                               "--redirect-uri", REDIRECT)["appId"]
    app = msal.PublicClientApplication(app_id, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_auth_code_flow([GRAPH + "/User.Read"], redirect_uri=REDIRECT, login_hint=upn)
    assert "code_challenge=" in flow["auth_uri"] and "code_challenge_method=S256" in flow["auth_uri"], flow
    response = sign_in(flow["auth_uri"], upn, ca=str(server.ca))
    assert response["state"] == flow["state"], response
    assert response["iss"] == f"{server.base}/{tenant_id}/v2.0", response
    result = app.acquire_token_by_auth_code_flow(flow, response)
    assert "access_token" in result, result
    claims = verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=GRAPH)
    assert claims["oid"] == user["id"] and claims["scp"] == "User.Read" and claims["azp"] == app_id, claims
    # msal sends SHA-256(nonce) in hex and checks the id_token carries exactly that.
    sent_nonce = hashlib.sha256(flow["nonce"].encode()).hexdigest()
    assert result["id_token_claims"]["nonce"] == sent_nonce, result["id_token_claims"]
    accounts = app.get_accounts()
    assert [a["username"] for a in accounts] == [upn], accounts
    fresh = app.acquire_token_silent([GRAPH + "/User.Read"], account=accounts[0], force_refresh=True)
    assert fresh and "access_token" in fresh and fresh["access_token"] != result["access_token"], fresh

    # The code works once: msal sees invalid_grant (AADSTS54005) when it is replayed.
    replay = app.acquire_token_by_authorization_code(response["code"], [GRAPH + "/User.Read"],
                                                     redirect_uri=REDIRECT)
    assert replay.get("error") == "invalid_grant" and 54005 in replay.get("error_codes", []), replay


def test_msal_auth_code_flow_for_the_azure_cli_on_a_loopback_port(server, client_env, tenant_id):
    client_env.trust(server)
    upn, user = make_user(server)
    app = msal.PublicClientApplication("04b07795-8ddb-461a-bbee-02f9e1bf7b46",
                                       authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_auth_code_flow(["https://management.core.windows.net//.default"],
                                       redirect_uri="http://localhost:49152")
    response = sign_in(flow["auth_uri"], upn, ca=str(server.ca))
    result = app.acquire_token_by_auth_code_flow(flow, response)
    assert "access_token" in result, result
    claims = verify_jwt(server, result["access_token"], tenant_id=tenant_id,
                        audience="https://management.core.windows.net/")
    assert claims["oid"] == user["id"] and claims["idtyp"] == "user", claims
