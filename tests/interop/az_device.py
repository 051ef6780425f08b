"""`az login --use-device-code` driven end to end: the real Azure CLI prints the page and the
code on stderr, `person(uri, code)` does the person's part (the `requests` one of device_person,
or headless Chromium), and the accounts az prints come back."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
from typing import Callable


def az_device_login(env: dict[str, str], tenant: str, person: Callable[[str, str], object],
                    *extra: str) -> list[dict]:
    cmd = [sys.executable, "-m", "azure.cli", "login", "--use-device-code", "--tenant", tenant,
           *extra, "--output", "json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, stdin=subprocess.DEVNULL)
    err_lines: list[str] = []
    found = threading.Event()
    prompt: dict = {}

    def pump():
        for line in proc.stderr:
            err_lines.append(line)
            m = re.search(r"open the page (\S+) and enter the code (\S+)", line)
            if m and not found.is_set():
                prompt["uri"], prompt["code"] = m.group(1), m.group(2)
                found.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        assert found.wait(120), "az printed no device code:\n" + "".join(err_lines)
        person(prompt["uri"], prompt["code"])
        out, _ = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(err_lines) + out
    return json.loads(out)
