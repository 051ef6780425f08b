"""Runs tests/interop/node/msal-device.test.mjs: @azure/msal-node's device-code sign-in (it polls
with the short `grant_type=device_code`), the person's part in headless Chromium (person.mjs)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import browser_person
from device_person import PASSWORD


def test_msal_node_device_code_with_the_short_grant_type(server, client_env, tenant_id):
    client_env.trust(server)
    node = browser_person._require_tools()
    if not (browser_person.NODE_DIR / "node_modules" / "@azure" / "msal-node").is_dir():
        raise AssertionError(f"{browser_person.NODE_DIR}/node_modules/@azure/msal-node is missing: "
                             "run `npm ci` there (scripts/test does)")
    upn = f"mn{time.time_ns() % 10**12}@contoso.com"
    server.admin_json("user", "create", "--user-principal-name", upn, "--display-name", "Node User",
                      "--password", PASSWORD)
    env = client_env.env(GH_BASE=server.base, GH_TENANT=tenant_id, GH_UPN=upn, GH_PASSWORD=PASSWORD,
                         GH_SERVER_CERT=str(server.data_dir / "tls" / "server.pem"),
                         NODE_EXTRA_CA_CERTS=str(server.ca))
    res = subprocess.run([node, "--test", "--test-reporter=spec", "msal-device.test.mjs"],
                         cwd=browser_person.NODE_DIR, env=env, capture_output=True, text=True,
                         timeout=300, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, f"node --test exited {res.returncode}\n{res.stdout}\n{res.stderr}"
    assert "fail 0" in res.stdout and "pass 2" in res.stdout, res.stdout
    for shots in re.findall(r"SCREENSHOTS (\S+)", res.stdout + res.stderr):
        shutil.rmtree(shots, ignore_errors=True)
