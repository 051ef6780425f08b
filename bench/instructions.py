"""Sends N client-credentials requests over C keep-alive HTTPS connections, in turn.

    python3 bench/instructions.py URL N C        # CC_AUTH and CC_BODY from the environment

Used by bench/instructions.sh: the server runs under callgrind, so what counts is that every
build gets exactly the same requests, not how fast they go. Exits non-zero on any answer but 200.
"""

import http.client
import os
import ssl
import sys
from urllib.parse import urlsplit

url, n, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
parts = urlsplit(url)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
headers = {
    "Authorization": os.environ["CC_AUTH"],
    "Content-Type": "application/x-www-form-urlencoded",
}
body = os.environ["CC_BODY"]
pool = [http.client.HTTPSConnection(parts.hostname, parts.port, context=ctx, timeout=120) for _ in range(conns)]
for i in range(n):
    c = pool[i % conns]
    c.request("POST", parts.path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit(f"request {i} answered {r.status}: {data[:300]!r}")
print(f"{n} requests answered 200")
