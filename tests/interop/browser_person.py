"""The person's part of the sign-in flows done in a real browser: runs tests/interop/node/person.mjs
(headless Debian Chromium driven by playwright-core). Real pages, real typing, real clicks.

The screenshots of every page are kept (and their folder named in the failure) when a run fails;
set GH_KEEP_SCREENSHOTS=1 to keep them after successful runs too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
CHROMIUM = "/usr/bin/chromium"


@dataclass
class BrowserRun:
    result: str
    screenshots: str
    layouts: list[dict] = field(default_factory=list)
    stderr: str = ""

    def auth_response(self) -> dict:
        """The query of the redirect URL (the authorization response)."""
        return dict(parse_qsl(urlsplit(self.result).query))


def _require_tools() -> str:
    node = shutil.which("node")
    if not node:
        pytest.fail("node is not installed: the browser tests need Node.js 20+", pytrace=False)
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
                    "(scripts/test installs it: apt-get install chromium)", pytrace=False)
    if not (NODE_DIR / "node_modules" / "playwright-core").is_dir():
        pytest.fail(f"{NODE_DIR}/node_modules/playwright-core is missing: run `npm ci` there "
                    "(scripts/test does)", pytrace=False)
    return node


def run_person(server, *args: str, viewport: str | None = None, decision: str = "approve",
               timeout: float = 120) -> BrowserRun:
    node = _require_tools()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
           "GH_SERVER_CERT": str(server.data_dir / "tls" / "server.pem"), "GH_DECISION": decision}
    if viewport:
        env["GH_VIEWPORT"] = viewport
    res = subprocess.run([node, "person.mjs", *args], cwd=NODE_DIR, env=env, capture_output=True,
                         text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    shots = ""
    layouts = []
    for line in res.stderr.splitlines():
        if line.startswith("SCREENSHOTS "):
            shots = line.split(" ", 1)[1]
        elif line.startswith("LAYOUT "):
            layouts.append(json.loads(line.split(" ", 1)[1]))
    assert res.returncode == 0, (
        f"person.mjs {args[0]} exited {res.returncode}; screenshots in {shots}\n"
        f"stdout:\n{res.stdout}\nstderr:\n{res.stderr}")
    lines = res.stdout.strip().splitlines()
    assert lines, f"person.mjs printed nothing; screenshots in {shots}\n{res.stderr}"
    if shots and not os.environ.get("GH_KEEP_SCREENSHOTS"):
        shutil.rmtree(shots, ignore_errors=True)  # kept when the run failed, or on request
    return BrowserRun(result=lines[-1], screenshots=shots, layouts=layouts, stderr=res.stderr)


def device(server, uri: str, code: str, upn: str, password: str, **kw) -> BrowserRun:
    run = run_person(server, "device", uri, code, upn, password, **kw)
    assert "You have signed in to" in run.result or kw.get("decision") == "decline", run
    return run


def authcode(server, auth_uri: str, upn: str, password: str, **kw) -> BrowserRun:
    return run_person(server, "authcode", auth_uri, upn, password, **kw)


def pats(server, page_url: str, upn: str, password: str, **kw) -> BrowserRun:
    """The personal access token page: sign in, create (copy), list, revoke with confirmation."""
    return run_person(server, "pats", page_url, upn, password, **kw)
