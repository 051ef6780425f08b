"""The Postman collection of examples/postman (seed 001's journey: a v1 token, then the resource
groups of a subscription), run by newman from npm against the real binary."""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NEWMAN = HERE / "node" / "node_modules" / ".bin" / "newman"
POSTMAN = REPO / "examples" / "postman"
ARM = "https://management.azure.com/"


def test_the_postman_collection_gets_a_v1_token_and_lists_groups(server, sp, client_env, tmp_path):
    assert NEWMAN.is_file(), f"newman is not installed at {NEWMAN} (scripts/test runs npm ci)"
    sub = server.admin_json("subscription", "create", "--name", f"postman-{secrets.token_hex(3)}",
                            "--owner", sp.app_id)["subscriptionId"]
    token = requests.post(server.url(f"/{sp.tenant}/oauth2/token"),
                          data={"grant_type": "client_credentials", "client_id": sp.app_id,
                                "client_secret": sp.secret, "resource": ARM},
                          verify=str(server.ca), timeout=10).json()["access_token"]
    made = requests.put(server.url(f"/subscriptions/{sub}/resourcegroups/from-postman-test?api-version=2017-05-10"),
                        json={"location": "westeurope"}, headers={"Authorization": f"Bearer {token}"},
                        verify=str(server.ca), timeout=10)
    assert made.status_code == 201, made.text
    report = tmp_path / "newman.json"
    cmd = [str(NEWMAN), "run", str(POSTMAN / "gatehouse.postman_collection.json"),
           "-e", str(POSTMAN / "gatehouse.postman_environment.json"),
           "--env-var", f"baseUrl={server.base}", "--env-var", f"tenantId={sp.tenant}",
           "--env-var", f"clientId={sp.app_id}", "--env-var", f"clientSecret={sp.secret}",
           "--env-var", f"subscriptionId={sub}", "--env-var", "expectedGroup=from-postman-test",
           "--ssl-extra-ca-certs", str(server.ca), "--reporters", "cli,json",
           "--reporter-json-export", str(report), "--disable-unicode", "--color", "off"]
    res = subprocess.run(cmd, capture_output=True, text=True, env=client_env.env(), timeout=180)
    assert res.returncode == 0, f"newman failed:\n{res.stdout}\n{res.stderr}"
    run = json.loads(report.read_text())["run"]
    assert run["failures"] == [], run["failures"]
    assertions = [a for e in run["executions"] for a in e.get("assertions", [])]
    names = {a["assertion"] for a in assertions}
    assert "the expected group is listed" in names and len(assertions) == 5, names
    assert [e["response"]["code"] for e in run["executions"]] == [200, 200]
