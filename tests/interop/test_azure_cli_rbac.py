"""Graph and ARM together, with the real Azure CLI: `az ad sp create-for-rbac --role --scopes`
prints credentials whose login can do what the role allows (a Contributor creates a resource
group, a Reader cannot and sees ARM's message), and a role assigned to a group reaches its
members (and stops when they leave the group). Every login discovers subscriptions (no skip
flags); each principal has its own AZURE_CONFIG_DIR.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from contextlib import contextmanager

import requests

from test_azure_cli_arm import object_id, subscription_for
from test_azure_cli_graph import graph_admin_sp


def j(res):
    return json.loads(res.stdout)


@contextmanager
def config_dir(tmp_path, name):
    """Runs az with a configuration folder of its own (a second person or CI job)."""
    before = os.environ["AZURE_CONFIG_DIR"]
    d = tmp_path / name
    d.mkdir()
    os.environ["AZURE_CONFIG_DIR"] = str(d)
    try:
        yield
    finally:
        os.environ["AZURE_CONFIG_DIR"] = before


def login(az, app_id, secret, tenant):
    return j(az.run("login", "--service-principal", "-u", app_id, f"--password={secret}",
                    "--tenant", tenant, "--output", "json"))


def test_create_for_rbac_with_a_role_and_scope_gives_exactly_that_role(server, client_env, az, tmp_path):
    client_env.trust(server)
    admin = graph_admin_sp(server)
    sub = subscription_for(server, admin)
    scope = f"/subscriptions/{sub}"
    az.register_cloud(server)
    assert [a["id"] for a in login(az, admin.app_id, admin.secret, admin.tenant)] == [sub]
    writer = j(az.run("ad", "sp", "create-for-rbac", "-n", f"ci-{secrets.token_hex(3)}",
                      "--role", "Contributor", "--scopes", scope, "--output", "json"))
    reader = j(az.run("ad", "sp", "create-for-rbac", "-n", f"audit-{secrets.token_hex(3)}",
                      "--role", "Reader", "--scopes", scope, "--output", "json"))
    for out in (writer, reader):
        assert set(out) >= {"appId", "displayName", "password", "tenant"}, out
        assert out["tenant"] == admin.tenant, out
    assignments = j(az.run("role", "assignment", "list", "--scope", scope, "--output", "json"))
    by_role = {a["principalName"]: a["roleDefinitionName"] for a in assignments}
    assert by_role.get(writer["appId"]) == "Contributor" and by_role.get(reader["appId"]) == "Reader", assignments

    time.sleep(1)  # the running server follows the new credentials within a second
    with config_dir(tmp_path, "writer"):
        az.register_cloud(server)
        assert [a["id"] for a in login(az, writer["appId"], writer["password"], writer["tenant"])] == [sub]
        made = j(az.run("group", "create", "-n", "built-by-ci", "-l", "westeurope", "--output", "json"))
        assert made["id"] == f"{scope}/resourceGroups/built-by-ci", made
        denied = az.run("role", "assignment", "create", "--assignee", reader["appId"], "--role", "Owner",
                        "--scope", scope, check=False)
        assert denied.returncode != 0 and "AuthorizationFailed" in denied.stderr, denied.stderr
    with config_dir(tmp_path, "reader"):
        az.register_cloud(server)
        login(az, reader["appId"], reader["password"], reader["tenant"])
        assert "built-by-ci" in [g["name"] for g in j(az.run("group", "list", "--output", "json"))]
        res = az.run("group", "create", "-n", "not-allowed", "-l", "westeurope", check=False)
        assert res.returncode != 0, res.stdout
        assert "AuthorizationFailed" in res.stderr and "does not have authorization to perform action" in res.stderr, res.stderr


def test_a_role_assigned_to_a_group_reaches_its_members(server, client_env, az, tmp_path):
    client_env.trust(server)
    admin = graph_admin_sp(server)
    sub = subscription_for(server, admin)
    scope = f"/subscriptions/{sub}"
    member = server.create_sp()
    member_oid = object_id(server, member)
    az.register_cloud(server)
    login(az, admin.app_id, admin.secret, admin.tenant)
    name = f"deployers-{secrets.token_hex(3)}"
    group = j(az.run("ad", "group", "create", "--display-name", name, "--mail-nickname", name,
                     "--output", "json"))
    az.run("ad", "group", "member", "add", "--group", group["id"], "--member-id", member_oid)
    made = j(az.run("role", "assignment", "create", "--assignee", group["id"], "--role", "Contributor",
                    "--scope", scope, "--output", "json"))
    assert made["principalId"] == group["id"] and made["principalType"] == "Group", made
    listed = j(az.run("role", "assignment", "list", "--scope", scope, "--output", "json"))
    assert any(a["principalId"] == group["id"] and a["principalName"] == name for a in listed), listed

    with config_dir(tmp_path, "member"):
        az.register_cloud(server)
        assert [a["id"] for a in login(az, member.app_id, member.secret, member.tenant)] == [sub], \
            "a role through a group makes the subscription visible"
        az.run("group", "create", "-n", "via-group", "-l", "westeurope")

    # Leaving the group takes the role away (the running server follows within a second).
    az.run("ad", "group", "member", "remove", "--group", group["id"], "--member-id", member_oid)
    time.sleep(1.5)
    with config_dir(tmp_path, "member-again"):
        az.register_cloud(server)
        accounts = j(az.run("login", "--service-principal", "-u", member.app_id, f"--password={member.secret}",
                            "--tenant", member.tenant, "--allow-no-subscriptions", "--output", "json"))
        assert sub not in [a["id"] for a in accounts], accounts
    # And the ARM door itself refuses the member's write now.
    token = requests.post(server.url(f"/{member.tenant}/oauth2/v2.0/token"),
                          data={"grant_type": "client_credentials", "client_id": member.app_id,
                                "client_secret": member.secret,
                                "scope": "https://management.core.windows.net//.default"},
                          verify=str(server.ca), timeout=10).json()["access_token"]
    r = requests.put(server.url(f"{scope}/resourcegroups/no-longer?api-version=2024-11-01"),
                     json={"location": "westeurope"}, headers={"Authorization": f"Bearer {token}"},
                     verify=str(server.ca), timeout=10)
    assert r.status_code == 403 and r.json()["error"]["code"] == "AuthorizationFailed", r.text

    az.run("role", "assignment", "delete", "--assignee", group["id"], "--role", "Contributor", "--scope", scope)
    left = j(az.run("role", "assignment", "list", "--scope", scope, "--output", "json"))
    assert not any(a["principalId"] == group["id"] for a in left), left
