"""The real Azure CLI (azure-cli, this venv's `python -m azure.cli`) against the real binary.

Every test has its own AZURE_CONFIG_DIR (conftest's client_env) and registers its own cloud.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from azure.identity import AzureCliCredential

from ghutil import assert_app_token, verify_jwt

IOTC = "https://apps.azureiotcentral.com"


def login(az, sp, tenant, *extra, check=True):
    return az.run("login", "--service-principal", "-u", sp.app_id, f"--password={sp.secret}",
                  "--tenant", tenant, "--skip-subscription-discovery", "--output", "json", *extra,
                  check=check)


def test_login_and_get_access_token(server, sp, tenant_id, az):
    az.register_cloud(server)
    out = json.loads(login(az, sp, tenant_id).stdout)
    assert isinstance(out, list) and len(out) == 1, out
    assert out[0]["tenantId"] == tenant_id, out
    assert out[0]["user"] == {"name": sp.app_id, "type": "servicePrincipal"}, out

    res = az.run("account", "get-access-token", "--resource", IOTC, "--output", "json")
    tok = json.loads(res.stdout)
    assert tok["tenant"] == tenant_id, tok
    assert tok["tokenType"] == "Bearer", tok
    assert isinstance(tok["expires_on"], int), tok
    assert abs(tok["expires_on"] - (time.time() + 3600)) < 120, tok
    claims = verify_jwt(server, tok["accessToken"], tenant_id=tenant_id, audience=IOTC)
    assert_app_token(claims, sp)
    assert abs(tok["expires_on"] - claims["exp"]) <= 5, (tok, claims)  # from expires_in


def test_default_resource_is_arm_and_cli_credential_reads_it(server, sp, tenant_id, az, monkeypatch):
    az.register_cloud(server)
    login(az, sp, tenant_id)
    tok = json.loads(az.run("account", "get-access-token", "--output", "json").stdout)
    verify_jwt(server, tok["accessToken"], tenant_id=tenant_id,
               audience="https://management.core.windows.net/")

    # azure-identity's AzureCliCredential runs `az account get-access-token` from PATH.
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    token = AzureCliCredential(process_timeout=180).get_token(f"{IOTC}/.default")
    claims = verify_jwt(server, token.token, tenant_id=tenant_id, audience=IOTC)
    assert_app_token(claims, sp)


def test_login_with_tenant_name_resolves_the_guid(server, sp, tenant_id, az):
    # Given a non-GUID --tenant, the CLI reads the discovery document and takes issuer.split("/")[3].
    az.register_cloud(server)
    login(az, sp, "default")
    show = json.loads(az.run("account", "show", "--output", "json").stdout)
    assert show["tenantId"] == tenant_id, show
    tok = json.loads(az.run("account", "get-access-token", "--resource", IOTC,
                            "--output", "json").stdout)
    assert tok["tenant"] == tenant_id, tok
    verify_jwt(server, tok["accessToken"], tenant_id=tenant_id, audience=IOTC)


def test_wrong_secret_shows_the_cli_special_case_for_7000215(server, sp, tenant_id, az):
    az.register_cloud(server)
    sp.secret = "wrong-" + sp.secret
    res = login(az, sp, tenant_id, check=False)
    assert res.returncode != 0, res.stdout
    assert "AADSTS7000215" in res.stderr, res.stderr
    # The CLI recognises error code 7000215 and adds its certificate-vs-password hint.
    assert "--password no longer accepts a service principal certificate" in res.stderr, res.stderr
