"""Runs tests/interop/node/cc.test.mjs (oauth4webapi under `node --test`) against the server."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"


def test_oauth4webapi_client_credentials(server, sp, tenant_id, client_env):
    node = shutil.which("node")
    if not node:
        pytest.fail("node is not installed: the oauth4webapi interop test needs Node.js 20+", pytrace=False)
    if not (NODE_DIR / "node_modules" / "oauth4webapi").is_dir():
        pytest.fail(f"{NODE_DIR}/node_modules is missing: run `npm ci` there (scripts/test does)",
                    pytrace=False)
    env = client_env.env(GH_BASE=server.base, GH_TENANT=tenant_id, GH_APP_ID=sp.app_id,
                         GH_SECRET=sp.secret, NODE_EXTRA_CA_CERTS=str(server.ca))
    res = subprocess.run([node, "--test", "--test-reporter=spec", "cc.test.mjs"], cwd=NODE_DIR,
                         env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, f"node --test exited {res.returncode}\n{res.stdout}\n{res.stderr}"
    assert "# fail 0" in res.stdout or "fail 0" in res.stdout, res.stdout
