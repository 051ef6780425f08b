#!/usr/bin/env python3
"""API-token creation rate against a real server: starts `gatehouse serve` on a fresh data folder
(SQLite), takes the first-start service principal (an Administrator of the IoT Central door), gets
a bearer token for https://apps.azureiotcentral.com, then PUTs COUNT API tokens over keep-alive
HTTPS connections from THREADS threads and prints tokens created per second.

usage: bench/iotc-create.py [COUNT] [THREADS]   (GATEHOUSE_BIN: the binary, default target/release/gatehouse)
"""
import http.client
import json
import os
import re
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 4
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.environ.get("GATEHOUSE_BIN") or os.path.join(root, "target", "release", "gatehouse")
data = tempfile.mkdtemp(prefix="gh-iotc-bench-")
env = {k: v for k, v in os.environ.items() if not k.startswith("GATEHOUSE_")}
srv = subprocess.Popen([binary, "serve", "--data-dir", data, "--listen", "127.0.0.1:0", "--quiet-bootstrap"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
base = None
for line in srv.stdout:
    m = re.search(r"listening on (https://127\.0\.0\.1:\d+)", line)
    if m:
        base = m.group(1)
        break
assert base, "the server did not start"
threading.Thread(target=lambda: [None for _ in srv.stdout], daemon=True).start()
text = open(os.path.join(data, "getting-started.txt")).read()
app_id = re.search(r"appId:\s+(\S+)", text).group(1)
secret = re.search(r"secret:\s+(\S+)", text).group(1)
tenant_id = re.search(r"--tenant (\S+)", text).group(1)
ctx = ssl.create_default_context(cafile=os.path.join(data, "tls", "ca.pem"))
u = urllib.parse.urlsplit(base)


def conn():
    return http.client.HTTPSConnection(u.hostname, u.port, context=ctx)


c = conn()
c.request("POST", f"/{tenant_id}/oauth2/v2.0/token", urllib.parse.urlencode({
    "grant_type": "client_credentials", "client_id": app_id, "client_secret": secret,
    "scope": "https://apps.azureiotcentral.com/.default"}),
    {"Content-Type": "application/x-www-form-urlencoded"})
r = c.getresponse()
bearer = json.loads(r.read())["access_token"]
body = json.dumps({"roles": [{"role": "ae2c9854-393b-4f97-8c42-479d70ce626e"}]})
errors = []


def work(t, n):
    k = conn()
    for i in range(n):
        k.request("PUT", f"/api/apiTokens/bench-{t}-{i}?api-version=2022-07-31", body,
                  {"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"})
        resp = k.getresponse()
        out = resp.read()
        if resp.status != 200:
            errors.append((resp.status, out[:200]))


per = count // threads
start = time.perf_counter()
ts = [threading.Thread(target=work, args=(t, per)) for t in range(threads)]
for t in ts:
    t.start()
for t in ts:
    t.join()
elapsed = time.perf_counter() - start
srv.terminate()
srv.wait(10)
assert not errors, errors[:3]
print(f"{per * threads} API tokens in {elapsed:.2f} s from {threads} threads: {per * threads / elapsed:.0f} per second")
