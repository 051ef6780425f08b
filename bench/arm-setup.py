#!/usr/bin/env python3
"""Fills a subscription for bench/arm-load.sh through the ARM door itself (standard library only):
GROUPS resource groups, and ASSIGNMENTS Reader assignments at group scope spread over the given
principals' object ids, as the subscription's Owner. Prints nothing on success.

    arm-setup.py BASE CA TOKEN SUBSCRIPTION GROUPS ASSIGNMENTS OID...
"""
import http.client
import json
import ssl
import sys
import urllib.parse
import uuid

READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


def main() -> None:
    base, ca, token, sub, groups, assignments, *oids = sys.argv[1:]
    groups, assignments = int(groups), int(assignments)
    url = urllib.parse.urlparse(base)
    ctx = ssl.create_default_context(cafile=ca)
    conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def put(path: str, body: dict) -> None:
        conn.request("PUT", path, body=json.dumps(body), headers=headers)
        r = conn.getresponse()
        text = r.read()
        if r.status not in (200, 201):
            sys.exit(f"PUT {path} answered {r.status}: {text[:300]!r}")

    for i in range(groups):
        put(f"/subscriptions/{sub}/resourcegroups/bench-{i:05d}?api-version=2024-11-01",
            {"location": "westeurope", "tags": {"n": str(i)}})
        if i % 200 == 199:
            print(f"  {i + 1} groups", file=sys.stderr)
    role = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{READER}"
    for i in range(assignments):
        scope = f"/subscriptions/{sub}/resourceGroups/bench-{i % groups:05d}"
        put(f"{scope}/providers/Microsoft.Authorization/roleAssignments/{uuid.uuid4()}?api-version=2022-04-01",
            {"properties": {"roleDefinitionId": role, "principalId": oids[i % len(oids)]}})
        if i % 200 == 199:
            print(f"  {i + 1} assignments", file=sys.stderr)


if __name__ == "__main__":
    main()
