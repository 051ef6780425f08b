"""Introspection (RFC 7662) and revocation (RFC 7009) driven by authlib, a standard OAuth client
library: a resource server introspects the tokens minted for it, a client revokes its token, and
the resource server then sees it inactive."""

from __future__ import annotations

import secrets
import time

from authlib.integrations.requests_client import OAuth2Session


def _api_with_secret(server):
    uri = f"api://gh-it-{secrets.token_hex(4)}"
    api = server.admin_json("api", "create", "--name", f"orders-{secrets.token_hex(3)}",
                            "--identifier-uri", uri, "--app-role", "Orders.Read")
    secret = server.admin_json("app", "credential", "add", "--app", api["appId"])["secretText"]
    return uri, api["appId"], secret


def test_authlib_introspects_and_revokes(server, sp, tenant_id):
    uri, api_id, api_secret = _api_with_secret(server)
    server.admin("app", "role", "grant", "--app", sp.app_id, "--api", uri, "--role", "Orders.Read")
    base = f"{server.base}/{tenant_id}/oauth2/v2.0"
    ca = str(server.ca)

    caller = OAuth2Session(sp.app_id, sp.secret, scope=f"{uri}/.default",
                           token_endpoint_auth_method="client_secret_post")
    caller.verify = ca
    # The role grant and the API's secret reach the running server within a second.
    deadline = time.monotonic() + 5
    while True:
        token = caller.fetch_token(f"{base}/token", grant_type="client_credentials")
        resource = OAuth2Session(api_id, api_secret, token_endpoint_auth_method="client_secret_basic")
        resource.verify = ca
        answer = resource.introspect_token(f"{base}/introspect", token=token["access_token"],
                                           token_type_hint="access_token")
        if answer.status_code == 200 and answer.json().get("roles") or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["active"] is True, body
    assert body["client_id"] == sp.app_id
    assert body["aud"] == uri
    assert body["token_type"] == "Bearer"
    assert body["roles"] == ["Orders.Read"]
    assert body["tid"] == tenant_id

    # Another client (the caller itself) learns nothing about it.
    mine = caller.introspect_token(f"{base}/introspect", token=token["access_token"])
    assert mine.status_code == 200 and mine.json() == {"active": False}, mine.text

    # authlib's RFC 7009 call: the token is revoked and introspection agrees at once.
    revoked = caller.revoke_token(f"{base}/revoke", token=token["access_token"],
                                  token_type_hint="access_token")
    assert revoked.status_code == 200, revoked.text
    after = resource.introspect_token(f"{base}/introspect", token=token["access_token"])
    assert after.status_code == 200 and after.json() == {"active": False}, after.text

    # A wrong secret is refused in Entra's shape.
    bad = OAuth2Session(api_id, "abc~wrong", token_endpoint_auth_method="client_secret_basic")
    bad.verify = ca
    refused = bad.introspect_token(f"{base}/introspect", token=token["access_token"])
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "invalid_client"
    assert refused.json()["error_codes"] == [7000215]
