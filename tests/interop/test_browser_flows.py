"""Real clients, and a real browser as the person: msal (device flow and auth code flow),
azure-identity DeviceCodeCredential and the Azure CLI (`az login` in a browser, and
`az login --use-device-code`), with the
pages opened, typed into and clicked by headless Chromium (tests/interop/node/person.mjs)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

import msal
from azure.identity import DeviceCodeCredential

import browser_person
from az_device import az_device_login
from device_person import PASSWORD
from ghutil import verify_jwt

AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
ARM = "https://management.core.windows.net/"
GRAPH = "https://graph.microsoft.com"


def make_user(server, prefix: str = "br") -> tuple[str, dict]:
    upn = f"{prefix}{time.time_ns() % 10**12}@contoso.com"
    user = server.admin_json("user", "create", "--user-principal-name", upn, "--display-name", "Browser User",
                             "--password", PASSWORD)
    return upn, user


def assert_user_token(claims: dict, user: dict, azp: str = AZURE_CLI) -> None:
    assert claims["idtyp"] == "user", claims
    assert claims["oid"] == user["id"] and claims["sub"] == user["id"], claims
    assert claims["azp"] == azp, claims


def test_browser_msal_device_flow(server, client_env, tenant_id):
    client_env.trust(server)
    upn, user = make_user(server)
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[ARM + "/.default"])
    assert "user_code" in flow, flow
    run = browser_person.device(server, flow["verification_uri"], flow["user_code"], upn, PASSWORD)
    assert [l["page"] for l in run.layouts] == ["code", "signin", "consent", "done"], run.layouts
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert_user_token(verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=ARM), user)
    assert result["id_token_claims"]["oid"] == user["id"], result
    assert [a["username"] for a in app.get_accounts()] == [upn]


def test_browser_device_decline_gives_the_client_authorization_declined(server, client_env, tenant_id):
    client_env.trust(server)
    upn, _ = make_user(server)
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[ARM + "/.default"])
    run = browser_person.device(server, flow["verification_uri"], flow["user_code"], upn, PASSWORD,
                                decision="decline")
    assert "You declined the sign-in" in run.result, run
    result = app.acquire_token_by_device_flow(flow)
    assert result.get("error") == "authorization_declined", result


def test_browser_wrong_password_is_refused_on_the_page(server, client_env, tenant_id):
    client_env.trust(server)
    upn, _ = make_user(server)
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[ARM + "/.default"])
    try:
        browser_person.device(server, flow["verification_uri"], flow["user_code"], upn, "not the password")
    except AssertionError as e:
        assert "sign-in refused" in str(e), e
        m = re.search(r"screenshots in (\S+)", str(e))
        assert m and "02-signin.png" in os.listdir(m.group(1)), e  # kept for a failure
        shutil.rmtree(m.group(1))
    else:
        raise AssertionError("a wrong password was accepted by the device page")


def test_browser_msal_auth_code_flow_with_pkce(server, client_env, tenant_id):
    client_env.trust(server)
    upn, user = make_user(server)
    redirect = "http://localhost:8765/callback"
    app_id = server.admin_json("app", "create", "--name", f"spa-br-{time.time_ns()}", "--public",
                               "--redirect-uri", redirect)["appId"]
    app = msal.PublicClientApplication(app_id, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_auth_code_flow([GRAPH + "/User.Read"], redirect_uri=redirect)
    run = browser_person.authcode(server, flow["auth_uri"], upn, PASSWORD)
    assert run.result.startswith(redirect + "?"), run
    assert [l["page"] for l in run.layouts] == ["signin", "consent"], run.layouts
    response = run.auth_response()
    assert response["state"] == flow["state"], response
    assert response["iss"] == f"{server.base}/{tenant_id}/v2.0", response
    result = app.acquire_token_by_auth_code_flow(flow, response)
    assert "access_token" in result, result
    claims = verify_jwt(server, result["access_token"], tenant_id=tenant_id, audience=GRAPH)
    assert_user_token(claims, user, azp=app_id)
    assert claims["scp"] == "User.Read", claims
    assert result["id_token_claims"]["nonce"] == hashlib.sha256(flow["nonce"].encode()).hexdigest()
    fresh = app.acquire_token_silent([GRAPH + "/User.Read"], account=app.get_accounts()[0], force_refresh=True)
    assert fresh and "access_token" in fresh and fresh["access_token"] != result["access_token"], fresh


def test_browser_auth_code_form_post_and_cancel(server, client_env, tenant_id):
    client_env.trust(server)
    upn, _ = make_user(server)
    redirect = "http://127.0.0.1:8766/cb"
    app_id = server.admin_json("app", "create", "--name", f"web-br-{time.time_ns()}", "--public",
                               "--redirect-uri", redirect)["appId"]
    app = msal.PublicClientApplication(app_id, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_auth_code_flow([GRAPH + "/User.Read"], redirect_uri=redirect, response_mode="form_post")
    assert "response_mode=form_post" in flow["auth_uri"], flow
    # form_post: the answer page's script posts the fields to the redirect URI.
    response = browser_person.authcode(server, flow["auth_uri"], upn, PASSWORD).auth_response()
    assert response.get("code") and response["state"] == flow["state"], response
    assert "access_token" in app.acquire_token_by_auth_code_flow(flow, response)

    flow = app.initiate_auth_code_flow([GRAPH + "/User.Read"], redirect_uri=redirect, prompt="consent")
    response = browser_person.authcode(server, flow["auth_uri"], upn, PASSWORD, decision="decline").auth_response()
    assert response.get("error") == "access_denied" and response["state"] == flow["state"], response


def test_browser_azure_identity_device_code_credential(server, client_env, tenant_id):
    client_env.trust(server)
    upn, user = make_user(server)
    seen = {}

    def person(verification_uri, user_code, expires_on):
        seen["run"] = browser_person.device(server, verification_uri, user_code, upn, PASSWORD)

    cred = DeviceCodeCredential(client_id=AZURE_CLI, tenant_id=tenant_id, authority=server.base,
                                disable_instance_discovery=True, prompt_callback=person)
    token = cred.get_token(ARM + "/.default")
    assert_user_token(verify_jwt(server, token.token, tenant_id=tenant_id, audience=ARM), user)
    assert seen["run"].screenshots, seen


def test_browser_azure_cli_login_use_device_code(server, client_env, tenant_id, az):
    client_env.trust(server)
    upn, user = make_user(server)
    az.register_cloud(server)
    accounts = az_device_login(client_env.env(), tenant_id,
                               lambda uri, code: browser_person.device(server, uri, code, upn, PASSWORD),
                               "--skip-subscription-discovery")
    assert accounts[0]["tenantId"] == tenant_id and accounts[0]["user"]["name"] == upn, accounts

    tok = json.loads(az.run("account", "get-access-token", "--output", "json").stdout)
    assert tok["tenant"] == tenant_id, tok
    assert_user_token(verify_jwt(server, tok["accessToken"], tenant_id=tenant_id, audience=ARM), user)


def test_browser_azure_cli_login_opens_a_browser(server, client_env, tenant_id, az, tmp_path):
    """`az login` as seed 000 runs it: the CLI opens "a browser" (BROWSER names a script that hands
    the URL to headless Chromium, in the background, as a desktop browser would), the person signs
    in, and the CLI receives the code on its own loopback listener (prompt=select_account)."""
    client_env.trust(server)
    upn, user = make_user(server)
    az.register_cloud(server)
    node = browser_person._require_tools()
    out, err = tmp_path / "person.out", tmp_path / "person.err"
    script = tmp_path / "browser.sh"
    person = " ".join(shlex.quote(a) for a in [
        "env", "-i", "PATH=/usr/bin:/bin", f"HOME={os.environ.get('HOME', '/root')}",
        f"GH_SERVER_CERT={server.data_dir / 'tls' / 'server.pem'}",
        node, "person.mjs", "interactive"])
    script.write_text(
        "#!/bin/sh\n"
        f"cd {shlex.quote(str(browser_person.NODE_DIR))} || exit 1\n"
        f'{person} "$1" {shlex.quote(upn)} {shlex.quote(PASSWORD)} >{shlex.quote(str(out))} '
        f"2>{shlex.quote(str(err))} </dev/null &\n"
        "exit 0\n")
    script.chmod(0o755)
    cmd = [sys.executable, "-m", "azure.cli", "login", "--tenant", tenant_id, "--skip-subscription-discovery",
           "--output", "json"]
    env = client_env.env(BROWSER=str(script))
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "DESKTOP_SESSION", "XDG_CURRENT_DESKTOP"):
        env.pop(name, None)
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=180, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60  # the browser closes after the CLI got its answer
    while res.returncode == 0 and not (out.exists() and out.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.2)
    person_log = f"\nperson.mjs stdout:\n{out.read_text() if out.exists() else ''}" \
                 f"\nperson.mjs stderr:\n{err.read_text() if err.exists() else ''}"
    assert res.returncode == 0, res.stderr + res.stdout + person_log
    assert "web browser has been opened" in res.stderr, res.stderr
    accounts = json.loads(res.stdout)
    assert accounts[0]["tenantId"] == tenant_id and accounts[0]["user"]["name"] == upn, accounts
    pages = [json.loads(l.split(" ", 1)[1])["page"] for l in err.read_text().splitlines() if l.startswith("LAYOUT ")]
    assert pages == ["signin", "client"], pages + [person_log]

    tok = json.loads(az.run("account", "get-access-token", "--output", "json").stdout)
    assert tok["tenant"] == tenant_id, tok
    assert_user_token(verify_jwt(server, tok["accessToken"], tenant_id=tenant_id, audience=ARM), user)


def test_browser_pages_fit_a_phone_screen(server, client_env, tenant_id):
    """At 390x844 (a phone), no page of either flow scrolls sideways."""
    client_env.trust(server)
    upn, _ = make_user(server)
    app = msal.PublicClientApplication(AZURE_CLI, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow = app.initiate_device_flow(scopes=[ARM + "/.default"])
    runs = [browser_person.device(server, flow["verification_uri"], flow["user_code"], upn, PASSWORD,
                                  viewport="390x844")]
    redirect = "http://localhost:8767/phone"
    app_id = server.admin_json("app", "create", "--name", f"phone-{time.time_ns()}", "--public",
                               "--redirect-uri", redirect)["appId"]
    app2 = msal.PublicClientApplication(app_id, authority=f"{server.base}/{tenant_id}", instance_discovery=False)
    flow2 = app2.initiate_auth_code_flow([GRAPH + "/User.Read"], redirect_uri=redirect)
    runs.append(browser_person.authcode(server, flow2["auth_uri"], upn, PASSWORD, viewport="390x844"))
    layouts = [l for r in runs for l in r.layouts if l["page"] != "redirect"]
    assert len(layouts) == 6, layouts
    for l in layouts:
        assert l["innerWidth"] == 390, l
        assert l["scrollWidth"] <= l["innerWidth"], f"page {l['page']} scrolls sideways on a phone: {l}"


def test_browser_oauth4webapi_auth_code_pkce_and_refresh(server, client_env, tenant_id):
    """tests/interop/node/authcode.test.mjs: oauth4webapi with Chromium as the person."""
    client_env.trust(server)
    node = browser_person._require_tools()
    upn, _ = make_user(server, "o4w")
    redirect = "http://localhost:8770/oauth4webapi"
    app_id = server.admin_json("app", "create", "--name", f"o4w-{time.time_ns()}", "--public",
                               "--redirect-uri", redirect)["appId"]
    env = client_env.env(GH_BASE=server.base, GH_TENANT=tenant_id, GH_AC_APP_ID=app_id,
                         GH_REDIRECT=redirect, GH_UPN=upn, GH_PASSWORD=PASSWORD,
                         GH_SERVER_CERT=str(server.data_dir / "tls" / "server.pem"),
                         NODE_EXTRA_CA_CERTS=str(server.ca))
    res = subprocess.run([node, "--test", "--test-reporter=spec", "authcode.test.mjs"],
                         cwd=browser_person.NODE_DIR, env=env, capture_output=True, text=True,
                         timeout=300, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, f"node --test exited {res.returncode}\n{res.stdout}\n{res.stderr}"
    assert "fail 0" in res.stdout and "pass 1" in res.stdout, res.stdout
    for shots in re.findall(r"SCREENSHOTS (\S+)", res.stdout + res.stderr):
        shutil.rmtree(shots, ignore_errors=True)
