"""The real Azure CLI's `az ad` commands against the Graph door (`{server}/graph/v1.0`).

The cloud is registered with `--endpoint-microsoft-graph-resource-id {server}/graph/` (conftest's
`register_cloud`), so the CLI asks tokens for scope `{server}/graph//.default`. Logins use
`--skip-subscription-discovery` (no ARM on this branch).
"""

from __future__ import annotations

import json
import time

from az_device import az_device_login
from device_person import PASSWORD, approve
from ghutil import Sp, verify_jwt

GRAPH_PERMISSIONS = ("Application.ReadWrite.All", "User.ReadWrite.All", "Group.ReadWrite.All")


def login_sp(az, sp, tenant):
    return az.run("login", "--service-principal", "-u", sp.app_id, f"--password={sp.secret}",
                  "--tenant", tenant, "--skip-subscription-discovery", "--output", "json")


def graph_admin_sp(server):
    """A service principal holding Graph's write permissions (granted with `app role grant`)."""
    sp = server.create_sp()
    for role in GRAPH_PERMISSIONS:
        server.admin("app", "role", "grant", "--app", sp.app_id, "--api", "https://graph.microsoft.com",
                     "--role", role)
    return sp


def j(res):
    return json.loads(res.stdout)


def stamp() -> str:
    return str(int(time.time() * 1000) % 10**9)


def test_a_service_principal_manages_the_directory_with_az_ad(server, client_env, tenant_id, az):
    client_env.trust(server)
    sp = graph_admin_sp(server)
    az.register_cloud(server)
    login_sp(az, sp, tenant_id)

    # The Graph token names the local Graph and carries the granted permissions.
    tok = j(az.run("account", "get-access-token", "--resource", server.base + "/graph/", "--output", "json"))
    claims = verify_jwt(server, tok["accessToken"], tenant_id=tenant_id, audience=server.base + "/graph/")
    assert sorted(claims["roles"]) == sorted(GRAPH_PERMISSIONS), claims

    name = f"gh-graph-app-{stamp()}"
    app = j(az.run("ad", "app", "create", "--display-name", name, "--output", "json"))
    assert app["displayName"] == name and app["passwordCredentials"] == [], app
    shown = j(az.run("ad", "app", "show", "--id", app["appId"], "--output", "json"))
    assert shown["id"] == app["id"], shown
    listed = j(az.run("ad", "app", "list", "--display-name", name, "--output", "json"))
    assert [a["appId"] for a in listed] == [app["appId"]], listed

    sps = j(az.run("ad", "sp", "list", "--filter", f"displayName eq '{name}'", "--output", "json"))
    assert len(sps) == 1 and sps[0]["appId"] == app["appId"], sps

    upn = f"graph{stamp()}@contoso.com"
    user = j(az.run("ad", "user", "create", "--display-name", "Graph User", "--password", PASSWORD,
                    "--user-principal-name", upn, "--output", "json"))
    assert user["userPrincipalName"] == upn, user
    users = j(az.run("ad", "user", "list", "--upn", upn, "--output", "json"))
    assert [u["id"] for u in users] == [user["id"]], users
    everyone = j(az.run("ad", "user", "list", "--output", "json"))
    assert any(u["userPrincipalName"] == upn for u in everyone), everyone

    group_name = f"gh-group-{stamp()}"
    group = j(az.run("ad", "group", "create", "--display-name", group_name, "--mail-nickname", group_name,
                     "--output", "json"))
    assert group["displayName"] == group_name, group
    az.run("ad", "group", "member", "add", "--group", group["id"], "--member-id", user["id"])
    members = j(az.run("ad", "group", "member", "list", "--group", group["id"], "--output", "json"))
    assert [m["id"] for m in members] == [user["id"]], members
    # Adding again fails as Graph does (the CLI shows Graph's message).
    again = az.run("ad", "group", "member", "add", "--group", group["id"], "--member-id", user["id"],
                   check=False)
    assert again.returncode != 0 and "already exist" in again.stderr, again.stderr

    # A message with " does not exist " only for what really does not exist.
    missing = az.run("ad", "user", "show", "--id", "00000000-0000-0000-0000-0000000000aa", check=False)
    assert missing.returncode != 0 and "does not exist" in missing.stderr, missing.stderr

    # Updates, credentials and deletes.
    az.run("ad", "user", "update", "--id", upn, "--display-name", "Graph User 2")
    assert j(az.run("ad", "user", "show", "--id", user["id"], "--output", "json"))["displayName"] == "Graph User 2"
    cred = j(az.run("ad", "app", "credential", "reset", "--id", app["appId"], "--output", "json"))
    assert cred["appId"] == app["appId"] and cred["password"], cred
    creds = j(az.run("ad", "app", "credential", "list", "--id", app["appId"], "--output", "json"))
    assert len(creds) == 1 and creds[0]["secretText"] is None, creds
    az.run("ad", "group", "member", "remove", "--group", group["id"], "--member-id", user["id"])
    assert j(az.run("ad", "group", "member", "list", "--group", group["id"], "--output", "json")) == []
    az.run("ad", "group", "delete", "--group", group["id"])
    az.run("ad", "user", "delete", "--id", user["id"])
    az.run("ad", "app", "delete", "--id", app["appId"])
    gone = az.run("ad", "app", "show", "--id", app["appId"], check=False)
    assert gone.returncode != 0, gone.stdout


def test_create_for_rbac_prints_working_credentials(server, client_env, tenant_id, az):
    client_env.trust(server)
    sp = graph_admin_sp(server)
    az.register_cloud(server)
    login_sp(az, sp, tenant_id)
    name = f"gh-rbac-{stamp()}"
    out = j(az.run("ad", "sp", "create-for-rbac", "-n", name, "--output", "json"))
    assert out["displayName"] == name and out["tenant"] == tenant_id, out
    assert out["password"], out
    # Run twice: the CLI finds the app, removes its old password and adds a new one.
    again = j(az.run("ad", "sp", "create-for-rbac", "-n", name, "--output", "json"))
    assert again["appId"] == out["appId"] and again["password"] != out["password"], again
    shown = j(az.run("ad", "sp", "show", "--id", out["appId"], "--output", "json"))
    assert shown["appId"] == out["appId"] and shown["displayName"] == name, shown
    # Deleted, the service principal is made anew for the same application.
    az.run("ad", "sp", "delete", "--id", out["appId"])
    assert az.run("ad", "sp", "show", "--id", out["appId"], check=False).returncode != 0
    made = j(az.run("ad", "sp", "create", "--id", out["appId"], "--output", "json"))
    assert made["appId"] == out["appId"] and made["id"] != shown["id"], made
    new_sp = Sp(app_id=again["appId"], secret=again["password"], tenant=tenant_id, name=name)
    server.wait_usable(new_sp)
    login_sp(az, new_sp, tenant_id)
    tok = j(az.run("account", "get-access-token", "--output", "json"))
    assert tok["tenant"] == tenant_id, tok


def test_signed_in_user_show_and_an_ordinary_user_cannot_write(server, client_env, tenant_id, az):
    client_env.trust(server)
    upn = f"me{stamp()}@contoso.com"
    user = server.admin_json("user", "create", "--user-principal-name", upn, "--display-name", "Me Myself",
                             "--password", PASSWORD)
    az.register_cloud(server)
    az_device_login(client_env.env(), tenant_id, lambda uri, code: approve(uri, code, upn, ca=str(server.ca)),
                    "--skip-subscription-discovery")

    me = j(az.run("ad", "signed-in-user", "show", "--output", "json"))
    assert me["id"] == user["id"] and me["userPrincipalName"] == upn, me
    # Ordinary users read the directory but cannot change it.
    users = j(az.run("ad", "user", "list", "--upn", upn, "--output", "json"))
    assert [u["id"] for u in users] == [user["id"]], users
    denied = az.run("ad", "group", "create", "--display-name", "nope", "--mail-nickname", "nope", check=False)
    assert denied.returncode != 0, denied.stdout
    assert "Insufficient privileges to complete the operation." in denied.stderr, denied.stderr

    # With the directory-administrator role the same user may.
    server.admin("user", "update", "--id", upn, "--add-directory-role", "Global Administrator")
    group = j(az.run("ad", "group", "create", "--display-name", f"admins-{stamp()}", "--mail-nickname",
                     f"admins{stamp()}", "--output", "json"))
    assert group["id"], group
