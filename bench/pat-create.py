"""PAT creation rate against a running server: a user's token for the Azure DevOps resource by
the device-code flow (the person's part posted to the device page as a browser without
JavaScript would), then THREADS clients POST /_apis/tokens/pats for SECONDS seconds.

    python bench/pat-create.py BASE TENANT UPN PASSWORD CA [SECONDS] [THREADS]

Prints created, seconds, creates per second (every answer must be patTokenError "none")."""

import re
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import requests

# A per-request `verify` wins over REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment
# (a session's `verify` does not), so every call below passes the server's CA.

AZURE_CLI = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
DEVOPS = "499b84ac-1321-427f-aa17-267ca6975798"


def hidden(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def user_token(base, tenant, upn, password, ca):
    dc = requests.post(f"{base}/{tenant}/oauth2/v2.0/devicecode", verify=ca, timeout=30,
                       data={"client_id": AZURE_CLI, "scope": f"{DEVOPS}/.default"}).json()
    s = requests.Session()
    s.verify = ca
    uri, code = dc["verification_uri"], dc["user_code"]
    page = s.get(uri, timeout=30, verify=ca)
    csrf = hidden(page.text, "csrf")
    s.post(uri, data={"csrf": csrf, "step": "code", "user_code": code}, timeout=30, verify=ca)
    page = s.post(uri, data={"csrf": csrf, "step": "signin", "user_code": code, "username": upn,
                             "password": password}, timeout=30, verify=ca)
    s.post(uri, data={"csrf": csrf, "step": "decide", "user_code": code,
                      "approval": hidden(page.text, "approval"), "decision": "approve"}, timeout=30, verify=ca)
    t = requests.post(f"{base}/{tenant}/oauth2/v2.0/token", verify=ca, timeout=30,
                      data={"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                            "client_id": AZURE_CLI, "device_code": dc["device_code"]}).json()
    return t["access_token"]


def main():
    base, tenant, upn, password, ca = sys.argv[1:6]
    seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 10
    threads = int(sys.argv[7]) if len(sys.argv) > 7 else 8
    token = user_token(base, tenant, upn, password, ca)
    valid_to = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = f"{base}/_apis/tokens/pats?api-version=7.1-preview.1"
    counts, errors = [0] * threads, []
    stop = time.monotonic() + seconds

    def client(i):
        s = requests.Session()
        s.verify = ca
        s.headers["Authorization"] = f"Bearer {token}"
        while time.monotonic() < stop:
            r = s.post(url, json={"displayName": f"bench {i}", "scope": "vso.code", "validTo": valid_to},
                       timeout=30, verify=ca)
            if r.status_code != 200 or r.json().get("patTokenError") != "none":
                errors.append(r.text)
                return
            counts[i] += 1

    start = time.monotonic()
    ts = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    took = time.monotonic() - start
    if errors:
        sys.exit(f"errors: {errors[:3]}")
    total = sum(counts)
    print(f"created={total} seconds={took:.1f} threads={threads} creates_per_s={total / took:.0f}")


if __name__ == "__main__":
    main()
