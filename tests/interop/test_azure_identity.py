"""azure-identity's credentials against the real binary."""

from __future__ import annotations

import time

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential, EnvironmentCredential

from ghutil import assert_app_token, verify_jwt

IOTC = "https://apps.azureiotcentral.com"


@pytest.mark.parametrize("with_scheme", [True, False], ids=["https-authority", "bare-host-authority"])
def test_client_secret_credential(server, sp, tenant_id, with_scheme):
    # azure-identity adds https:// to an authority without a scheme (and refuses http://).
    authority = server.base if with_scheme else server.base.removeprefix("https://")
    cred = ClientSecretCredential(tenant_id, sp.app_id, sp.secret, authority=authority,
                                  disable_instance_discovery=True)
    try:
        token = cred.get_token(f"{IOTC}/.default")
    finally:
        cred.close()
    assert abs(token.expires_on - (time.time() + 3600)) < 120, token.expires_on
    claims = verify_jwt(server, token.token, tenant_id=tenant_id, audience=IOTC)
    assert_app_token(claims, sp)
    # azure-identity derives expires_on from expires_in and its own clock
    assert abs(token.expires_on - claims["exp"]) <= 5, (token.expires_on, claims["exp"])


def test_http_authority_is_refused_by_the_client(server, sp, tenant_id):
    with pytest.raises(ValueError, match="https"):
        ClientSecretCredential(tenant_id, sp.app_id, sp.secret,
                               authority=server.base.replace("https://", "http://"),
                               disable_instance_discovery=True)


def test_environment_credential(server, sp, tenant_id, monkeypatch):
    monkeypatch.setenv("AZURE_TENANT_ID", tenant_id)
    monkeypatch.setenv("AZURE_CLIENT_ID", sp.app_id)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", sp.secret)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", server.base)
    cred = EnvironmentCredential(disable_instance_discovery=True)
    token = cred.get_token("https://management.core.windows.net//.default")
    claims = verify_jwt(server, token.token, tenant_id=tenant_id,
                        audience="https://management.core.windows.net/")
    assert_app_token(claims, sp)


def test_wrong_secret_raises_with_aadsts_code(server, sp, tenant_id):
    cred = ClientSecretCredential(tenant_id, sp.app_id, "not-" + sp.secret, authority=server.base,
                                  disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError) as info:
        cred.get_token(f"{IOTC}/.default")
    assert "AADSTS7000215" in str(info.value), str(info.value)


def test_unknown_resource_raises_with_aadsts_code(server, sp, tenant_id):
    cred = ClientSecretCredential(tenant_id, sp.app_id, sp.secret, authority=server.base,
                                  disable_instance_discovery=True)
    with pytest.raises(ClientAuthenticationError) as info:
        cred.get_token("https://no-such-resource.example/.default")
    assert "AADSTS500011" in str(info.value), str(info.value)
