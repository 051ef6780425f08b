"""The Azure Resource Manager subset with the real Azure CLI and the Azure management SDKs,
against the real binary over HTTPS: the short `az cloud register` (metadata endpoint),
`az login --service-principal` with subscription discovery, `az account list|set|show`,
`az group create|list|show|exists|delete`, `az role assignment create|list|delete` with a
Reader who lists but cannot write (the CLI shows ARM's message), and azure-mgmt-resource /
azure-mgmt-authorization with a ClientSecretCredential, on SQLite and on PostgreSQL.

Every test has its own AZURE_CONFIG_DIR (conftest's client_env) and its own subscription.
"""

from __future__ import annotations

import json
import os
import secrets

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.identity import ClientSecretCredential
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.resource import ResourceManagementClient

from ghutil import verify_jwt

ARM = "https://management.core.windows.net/"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def subscription_for(server, sp) -> str:
    """A new subscription whose Owner is `sp`."""
    name = f"sub-{secrets.token_hex(3)}"
    out = server.admin_json("subscription", "create", "--name", name, "--owner", sp.app_id)
    assert out["displayName"] == name and out["tenantId"] == sp.tenant, out
    return out["subscriptionId"]


def object_id(server, sp) -> str:
    r = requests.post(server.url(f"/{sp.tenant}/oauth2/v2.0/token"),
                      data={"grant_type": "client_credentials", "client_id": sp.app_id,
                            "client_secret": sp.secret, "scope": ARM + "/.default"},
                      verify=str(server.ca), timeout=10)
    assert r.status_code == 200, r.text
    return verify_jwt(server, r.json()["access_token"], tenant_id=sp.tenant, audience=ARM)["oid"]


def short_register(az, server) -> None:
    az.run("cloud", "register", "-n", "GatehouseShort", "--endpoint-resource-manager", server.base + "/")
    az.run("cloud", "set", "-n", "GatehouseShort")


def sp_login(az, sp):
    return json.loads(az.run("login", "--service-principal", "-u", sp.app_id, f"--password={sp.secret}",
                             "--tenant", sp.tenant, "--output", "json").stdout)


def test_short_cloud_register_and_login_discovers_subscriptions(server, sp, az):
    sub = subscription_for(server, sp)
    short_register(az, server)
    cloud = json.loads(az.run("cloud", "show", "-n", "GatehouseShort", "--output", "json").stdout)
    assert cloud["endpoints"]["activeDirectory"] == server.base, cloud
    assert cloud["endpoints"]["resourceManager"] == server.base + "/", cloud
    assert cloud["endpoints"]["microsoftGraphResourceId"] == server.base + "/graph/", cloud
    assert cloud["endpoints"]["activeDirectoryResourceId"] == ARM, cloud

    accounts = sp_login(az, sp)
    assert [a["id"] for a in accounts] == [sub], accounts
    assert accounts[0]["tenantId"] == sp.tenant and accounts[0]["state"] == "Enabled", accounts
    assert accounts[0]["user"] == {"name": sp.app_id, "type": "servicePrincipal"}, accounts

    listed = json.loads(az.run("account", "list", "--output", "json").stdout)
    assert [a["id"] for a in listed] == [sub], listed
    az.run("account", "set", "--subscription", sub)
    shown = json.loads(az.run("account", "show", "--output", "json").stdout)
    assert shown["id"] == sub and shown["isDefault"] is True, shown
    tok = json.loads(az.run("account", "get-access-token", "--output", "json").stdout)
    assert tok["subscription"] == sub and tok["tenant"] == sp.tenant, tok


def test_group_lifecycle_with_the_cli(server, sp, az):
    sub = subscription_for(server, sp)
    short_register(az, server)
    sp_login(az, sp)
    az.run("account", "set", "--subscription", sub)
    created = json.loads(az.run("group", "create", "-n", "Web-Prod", "-l", "westeurope",
                                "--tags", "env=prod", "--output", "json").stdout)
    assert created["id"] == f"/subscriptions/{sub}/resourceGroups/Web-Prod", created
    assert created["properties"]["provisioningState"] == "Succeeded", created
    assert created["tags"] == {"env": "prod"}, created
    names = [g["name"] for g in json.loads(az.run("group", "list", "--output", "json").stdout)]
    assert names == ["Web-Prod"], names
    shown = json.loads(az.run("group", "show", "-n", "web-prod", "--output", "json").stdout)
    assert shown["location"] == "westeurope", shown
    assert az.run("group", "exists", "-n", "Web-Prod").stdout.strip() == "true"
    az.run("group", "delete", "-n", "Web-Prod", "--yes")
    assert az.run("group", "exists", "-n", "Web-Prod").stdout.strip() == "false"
    res = az.run("group", "show", "-n", "Web-Prod", check=False)
    assert res.returncode != 0 and "could not be found" in res.stderr, res.stderr


def test_a_reader_assigned_with_the_cli_lists_but_cannot_write(server, sp, az, client_env, tmp_path):
    sub = subscription_for(server, sp)
    reader = server.create_sp()
    reader_oid = object_id(server, reader)
    short_register(az, server)
    sp_login(az, sp)
    az.run("account", "set", "--subscription", sub)
    az.run("group", "create", "-n", "shared", "-l", "westeurope")
    scope = f"/subscriptions/{sub}"
    made = json.loads(az.run("role", "assignment", "create", "--assignee-object-id", reader_oid,
                             "--assignee-principal-type", "ServicePrincipal", "--role", "Reader",
                             "--scope", scope, "--output", "json").stdout)
    assert made["principalId"] == reader_oid and made["scope"] == scope, made
    assert made["roleDefinitionId"].endswith(READER), made
    listed = json.loads(az.run("role", "assignment", "list", "--scope", scope, "--fill-principal-name",
                               "false", "--output", "json").stdout)
    mine = [a for a in listed if a["principalId"] == reader_oid]
    assert len(mine) == 1 and mine[0]["roleDefinitionName"] == "Reader", listed

    # The reader, in a configuration directory of its own.
    other = tmp_path / "reader-config"
    other.mkdir()
    os.environ["AZURE_CONFIG_DIR"] = str(other)
    short_register(az, server)
    sp_login(az, reader)
    assert [g["name"] for g in json.loads(az.run("group", "list", "--subscription", sub,
                                                 "--output", "json").stdout)] == ["shared"]
    res = az.run("group", "create", "-n", "mine", "-l", "westeurope", "--subscription", sub, check=False)
    assert res.returncode != 0, res.stdout
    assert "AuthorizationFailed" in res.stderr and "does not have authorization to perform action" in res.stderr, res.stderr

    # Back as the owner: the assignment goes, and the reader no longer lists.
    os.environ["AZURE_CONFIG_DIR"] = str(client_env.azure_config_dir)
    az.run("role", "assignment", "delete", "--assignee-object-id", reader_oid, "--role", "Reader",
           "--scope", scope)
    os.environ["AZURE_CONFIG_DIR"] = str(other)
    res = az.run("group", "list", "--subscription", sub, check=False)
    assert res.returncode != 0 and "AuthorizationFailed" in res.stderr, res.stderr


def sdk_round_trip(server, sp) -> None:
    sub = subscription_for(server, sp)
    cred = ClientSecretCredential(sp.tenant, sp.app_id, sp.secret, authority=server.base,
                                  disable_instance_discovery=True)
    kwargs = {"base_url": server.base, "credential_scopes": [ARM + ".default"]}
    resources = ResourceManagementClient(cred, sub, **kwargs)
    resources.resource_groups.create_or_update("sdk-group", {"location": "northeurope"})
    assert [g.name for g in resources.resource_groups.list()] == ["sdk-group"]
    auth = AuthorizationManagementClient(cred, sub, **kwargs)
    assignments = list(auth.role_assignments.list_for_subscription())
    assert [a.principal_id for a in assignments] == [object_id(server, sp)], assignments
    owner = list(auth.role_definitions.list(f"/subscriptions/{sub}", filter="roleName eq 'Owner'"))
    assert [d.role_name for d in owner] == ["Owner"], owner

    # Another principal with no role: the SDK raises with ARM's code and message.
    stranger = server.create_sp()
    cred2 = ClientSecretCredential(stranger.tenant, stranger.app_id, stranger.secret,
                                   authority=server.base, disable_instance_discovery=True)
    with pytest.raises(HttpResponseError) as err:
        list(ResourceManagementClient(cred2, sub, **kwargs).resource_groups.list())
    assert err.value.status_code == 403, err.value
    assert err.value.error.code == "AuthorizationFailed", err.value
    assert "does not have authorization to perform action" in err.value.message, err.value.message


def test_management_sdks_with_a_client_secret_credential(server, sp):
    sdk_round_trip(server, sp)


def test_management_sdks_on_postgresql(pg_server):
    sdk_round_trip(pg_server, pg_server.create_sp())


def test_the_getting_started_lines_work_verbatim(tmp_path_factory, client_env):
    """A newcomer copies the first start's Azure CLI lines: they log in with subscription
    discovery and create a resource group in the first subscription, with no other step."""
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    from ghutil import Server

    data = Path(tempfile.mkdtemp(prefix="gh-newcomer-", dir=tmp_path_factory.mktemp("newcomer")))
    srv = Server(data_dir=data).start()
    try:
        out = "".join(srv.output)
        block = out.split("With the Azure CLI:", 1)[1].split("Gatehouse listening on", 1)[0]
        lines = [l.strip() for l in block.splitlines() if l.strip()]
        assert lines[0].startswith("export ") and any(l.startswith("az group create") for l in lines), lines
        sub = next(l.split()[-1] for l in out.splitlines() if l.strip().startswith("subscriptionId:"))
        env = client_env.env(PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
        script = "set -euo pipefail\n" + "\n".join(lines) + "\naz group show -n my-group --output json\n"
        res = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=600)
        assert res.returncode == 0, f"stdout:\n{res.stdout}\nstderr:\n{res.stderr}"
        assert f'"/subscriptions/{sub}/resourceGroups/my-group"' in res.stdout, res.stdout
    finally:
        srv.stop()


def test_a_user_logs_in_with_the_device_code_and_sees_their_subscription(server, client_env, az):
    import time

    from az_device import az_device_login
    from device_person import PASSWORD, approve

    client_env.trust(server)
    upn = f"owner{int(time.time() * 1000) % 10**9}@contoso.com"
    server.admin_json("user", "create", "--user-principal-name", upn, "--display-name", "Owner",
                      "--password", PASSWORD)
    sub = server.admin_json("subscription", "create", "--name", "people", "--owner", upn)["subscriptionId"]
    short_register(az, server)
    accounts = az_device_login(client_env.env(), server.tenant_id,
                               lambda uri, code: approve(uri, code, upn, ca=str(server.ca)))
    assert [a["id"] for a in accounts] == [sub], accounts
    assert accounts[0]["user"] == {"name": upn, "type": "user"}, accounts
    made = json.loads(az.run("group", "create", "-n", "from-a-person", "-l", "westeurope",
                             "--subscription", sub, "--output", "json").stdout)
    assert made["name"] == "from-a-person", made
