"""Admin verbs seen through real clients: app roles in `roles`, removed credentials refused."""

from __future__ import annotations

import secrets
import time

import msal

from ghutil import assert_app_token, verify_jwt


def token_for(server, sp, tenant_id, scope):
    app = msal.ConfidentialClientApplication(
        sp.app_id, client_credential=sp.secret, authority=f"{server.base}/{tenant_id}",
        instance_discovery=False)
    return app.acquire_token_for_client([scope])


def wait_for(predicate, timeout=5.0, step=0.25):
    """A running server sees admin changes within 1 s; allow some slack, then give the last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value[0] or time.monotonic() > deadline:
            return value[1]
        time.sleep(step)


def test_granted_app_role_appears_in_roles(server, sp, tenant_id):
    uri = f"api://gh-it-{secrets.token_hex(4)}"
    api = server.admin_json("api", "create", "--name", f"orders-{secrets.token_hex(3)}",
                            "--identifier-uri", uri, "--app-role", "Orders.Read",
                            "--app-role", "Orders.Write")
    assert api["identifierUris"] == [uri], api
    assert sorted(r["value"] for r in api["appRoles"]) == ["Orders.Read", "Orders.Write"], api

    # Before any grant: a token for the API, without `roles`.
    def token():
        result = token_for(server, sp, tenant_id, f"{uri}/.default")
        return "access_token" in result, result
    result = wait_for(token)
    assert "access_token" in result, result
    claims = verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=uri)
    assert_app_token(claims, sp)
    assert "roles" not in claims, claims

    server.admin("app", "role", "grant", "--app", sp.app_id, "--api", api["appId"], "--role", "Orders.Read")

    def roles_present(expected):
        def check():
            result = token_for(server, sp, tenant_id, f"{uri}/.default")  # fresh app: no cache
            if "access_token" not in result:
                return False, result
            c = verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=uri)
            return sorted(c.get("roles", [])) == expected, c
        return check

    claims = wait_for(roles_present(["Orders.Read"]))
    assert claims.get("roles") == ["Orders.Read"], claims

    # Granting by identifier URI works the same.
    server.admin("app", "role", "grant", "--app", sp.app_id, "--api", uri, "--role", "Orders.Write")
    claims = wait_for(roles_present(["Orders.Read", "Orders.Write"]))
    assert sorted(claims.get("roles", [])) == ["Orders.Read", "Orders.Write"], claims

    # A role granted for this API does not leak into tokens for another resource.
    other = token_for(server, sp, tenant_id, "https://apps.azureiotcentral.com/.default")
    other_claims = verify_jwt(server, other["access_token"], tenant_id=tenant_id,
                              audience="https://apps.azureiotcentral.com")
    assert "roles" not in other_claims, other_claims


def test_removed_credential_is_refused(server, sp, tenant_id):
    creds = server.admin_json("app", "credential", "list", "--app", sp.app_id)
    assert len(creds) == 1, creds
    for key in ("keyId", "displayName", "hint", "startDateTime", "endDateTime"):
        assert key in creds[0], (key, creds)
    assert sp.secret.startswith(creds[0]["hint"]), "the hint is the first characters of the secret"
    assert sp.secret not in str(creds), "the listing shows the secret"

    server.admin("app", "credential", "remove", "--app", sp.app_id, "--key-id", creds[0]["keyId"])
    assert server.admin_json("app", "credential", "list", "--app", sp.app_id) == []

    def refused():
        result = token_for(server, sp, tenant_id, "https://apps.azureiotcentral.com/.default")
        return "access_token" not in result, result
    result = wait_for(refused)
    assert "access_token" not in result, f"a removed secret still gets tokens: {result}"
    assert result.get("error") == "invalid_client", result
    assert result.get("error_codes") == [7000215], result
