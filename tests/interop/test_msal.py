"""MSAL for Python (msal) against the real binary: client credentials, verified with PyJWT."""

from __future__ import annotations

import time

import jwt
import msal
import pytest

from ghutil import assert_app_token, verify_jwt

IOTC = "https://apps.azureiotcentral.com"


def cca(server, sp, tenant=None, **kwargs) -> msal.ConfidentialClientApplication:
    """A fresh app object (so a fresh in-memory token cache) for every use."""
    kwargs.setdefault("instance_discovery", False)
    return msal.ConfidentialClientApplication(
        sp.app_id, client_credential=sp.secret,
        authority=f"{server.base}/{tenant or sp.tenant}", **kwargs)


def acquire(app, scopes):
    result = app.acquire_token_for_client(scopes)
    assert "access_token" in result, f"msal returned no token: {result}"
    return result


def test_client_credentials_builtin_token_verifies(server, sp, tenant_id):
    app = cca(server, sp, tenant_id)
    result = acquire(app, [f"{IOTC}/.default"])
    assert result["token_type"].lower() == "bearer"
    assert 3500 <= result["expires_in"] <= 3600, result
    assert result["token_source"] == "identity_provider"

    claims = verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=IOTC)
    assert_app_token(claims, sp)
    assert "roles" not in claims, claims

    # The granted scope is MSAL's cache key: the second call must come from the cache.
    again = app.acquire_token_for_client([f"{IOTC}/.default"])
    assert again.get("token_source") == "cache", again
    assert again["access_token"] == result["access_token"]


def test_client_credentials_with_validate_authority_false_and_tenant_name(server, sp, tenant_id):
    # The tenant by name: MSAL reads the tenant from token_endpoint, which must carry the GUID.
    app = msal.ConfidentialClientApplication(
        sp.app_id, client_credential=sp.secret, authority=f"{server.base}/default",
        validate_authority=False)
    result = acquire(app, [f"{IOTC}/.default"])
    claims = verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=IOTC)
    assert_app_token(claims, sp)


def test_instance_discovery_through_the_server(server, sp, tenant_id):
    # MSAL asks the server's own /common/discovery/instance for the tenant_discovery_endpoint.
    app = cca(server, sp, tenant_id, instance_discovery=f"{server.base}/common/discovery/instance")
    result = acquire(app, [f"{IOTC}/.default"])
    verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=IOTC)


def test_arm_default_scope_double_slash(server, sp, tenant_id):
    result = acquire(cca(server, sp, tenant_id), ["https://management.core.windows.net//.default"])
    claims = verify_jwt(server, result["access_token"], tenant_id=tenant_id,
                        audience="https://management.core.windows.net/")
    assert_app_token(claims, sp)


@pytest.mark.parametrize("resource", [
    "https://management.azure.com/",
    "https://graph.microsoft.com",
    "https://apps.azureiotcentral.com",
    "499b84ac-1321-427f-aa17-267ca6975798",
])
def test_pre_known_resources(server, sp, tenant_id, resource):
    # "/.default" is appended to the resource as it is: https://management.azure.com//.default
    scope = resource + "/.default"
    result = acquire(cca(server, sp, tenant_id), [scope])
    verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=resource)


def test_es256_tenant_with_custom_lifetime(server, client_env):
    client_env.trust(server)
    name = f"es-{int(time.time() * 1000) % 10**9}"
    tenant = server.admin_json("tenant", "create", "--name", name, "--signing-alg", "ES256",
                               "--token-lifetime", "900")
    assert tenant["name"] == name and tenant["signingAlg"] == "ES256", tenant
    assert tenant["tokenLifetimeSeconds"] == 900, tenant
    sp = server.create_sp(tenant=tenant["id"])
    assert sp.tenant == tenant["id"], sp

    result = acquire(cca(server, sp, tenant["id"]), [f"{IOTC}/.default"])
    assert jwt.get_unverified_header(result["access_token"])["alg"] == "ES256"
    claims = verify_jwt(server, result["access_token"], tenant_id=tenant["id"], audience=IOTC)
    assert_app_token(claims, sp, lifetime=900)


def test_token_of_one_tenant_is_not_issued_in_another(server, sp, tenant_id, client_env):
    # The default tenant's service principal does not exist in a second tenant.
    other = server.admin_json("tenant", "create", "--name", f"other-{int(time.time() * 1000) % 10**9}")
    app = cca(server, sp, other["id"])
    result = app.acquire_token_for_client([f"{IOTC}/.default"])
    assert "access_token" not in result, result
    assert 700016 in result.get("error_codes", []), result


def test_wrong_secret_is_invalid_client_7000215(server, sp, tenant_id):
    app = msal.ConfidentialClientApplication(
        sp.app_id, client_credential=sp.secret + "x", authority=f"{server.base}/{tenant_id}",
        instance_discovery=False)
    result = app.acquire_token_for_client([f"{IOTC}/.default"])
    assert "access_token" not in result, result
    assert result.get("error") == "invalid_client", result
    assert result.get("error_codes") == [7000215], result
    assert result["error_description"].startswith("AADSTS7000215:"), result
