#!/usr/bin/env bash
# An authorized ARM read under load, next to the token endpoint, on one server in one sitting.
#
#   bench/arm-load.sh [--runs N] [--seconds S] [--conns C] [--groups G] [--assignments A]
#
# Builds the release binary, starts `gatehouse serve` on a fresh data folder pinned to CPU 0,
# fills the first subscription with G resource groups (default 1,000) and A Reader assignments at
# group scope (default 1,000, spread over 10 service principals), then gives an 11th service
# principal Reader on the subscription, created last (so every decision walks every assignment),
# and drives with wrk pinned to CPU 1:
#   arm    GET /subscriptions/{S}/resourcegroups?api-version=2024-11-01 (first page: 100 groups)
#          with that principal's ARM token (token check + RBAC decision from the cache + one
#          page read from the database);
#   token  POST /{tenant}/oauth2/v2.0/token, client credentials, the same server.
# Reports requests/s, p50/p99 and requests per server-CPU-second (from /proc/PID/stat).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3 SECS=10 CONNS=32 NGROUPS=1000 NASSIGNMENTS=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --conns) CONNS=$2; shift 2;;
    --groups) NGROUPS=$2; shift 2;; --assignments) NASSIGNMENTS=$2; shift 2;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "installing wrk..."; apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
BIN=${BIN:-$PWD/target/release/gatehouse}
[ -n "${NO_BUILD:-}" ] || cargo build --release -p gatehouse
DIR=$(mktemp -d); OUT=$DIR/out; mkdir -p "$OUT"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
$BIN serve --data-dir "$DIR/data" --listen 127.0.0.1:0 >"$DIR/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$DIR/serve.log" && break; sleep 0.1; done
BASE=$(grep -o 'https://127.0.0.1:[0-9]*' "$DIR/serve.log" | tail -1)
CA=$DIR/data/tls/ca.pem
taskset -apc 0 "$PID" >/dev/null
field() { awk -v k="$1" '$1 == k {print $2; exit}' "$DIR/serve.log"; }
TENANT=$(awk '/Tenant id:/ {print $3; exit}' "$DIR/serve.log")
OWNER_APP=$(field appId:); OWNER_SECRET=$(field secret:); SUB=$(field subscriptionId:)
token() {  # token APP SECRET RESOURCE
  curl -s --cacert "$CA" -d grant_type=client_credentials -d "client_id=$1" --data-urlencode "client_secret=$2" \
    --data-urlencode "scope=$3/.default" "$BASE/$TENANT/oauth2/v2.0/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
oid() { python3 -c 'import base64,json,sys; p=sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["oid"])' "$1"; }
ARM=https://management.core.windows.net/
OWNER_TOKEN=$(token "$OWNER_APP" "$OWNER_SECRET" "$ARM")
echo "filling subscription $SUB: $NGROUPS groups, $NASSIGNMENTS assignments"
OIDS=()
for i in $(seq 1 10); do
  sp=$($BIN sp create-for-rbac --data-dir "$DIR/data" -n "holder-$i" -o json)
  app=$(echo "$sp" | python3 -c 'import json,sys; print(json.load(sys.stdin)["appId"])')
  sec=$(echo "$sp" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
  sleep 0.3
  OIDS+=("$(oid "$(token "$app" "$sec" "$ARM")")")
done
python3 bench/arm-setup.py "$BASE" "$CA" "$OWNER_TOKEN" "$SUB" "$NGROUPS" "$NASSIGNMENTS" "${OIDS[@]}"
READER_SP=$($BIN sp create-for-rbac --data-dir "$DIR/data" -n reader -o json)
RAPP=$(echo "$READER_SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["appId"])')
RSEC=$(echo "$READER_SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
sleep 1
READER_TOKEN=$(token "$RAPP" "$RSEC" "$ARM")
READER_OID=$(oid "$READER_TOKEN")
curl -s --cacert "$CA" -o /dev/null -X PUT -H "Authorization: Bearer $OWNER_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"properties\":{\"roleDefinitionId\":\"/subscriptions/$SUB/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7\",\"principalId\":\"$READER_OID\"}}" \
  "$BASE/subscriptions/$SUB/providers/Microsoft.Authorization/roleAssignments/$(python3 -c 'import uuid; print(uuid.uuid4())')?api-version=2022-04-01"
ARM_URL="$BASE/subscriptions/$SUB/resourcegroups?api-version=2024-11-01"
code=$(curl -s --cacert "$CA" -o "$OUT/sample.json" -w '%{http_code}' -H "Authorization: Bearer $READER_TOKEN" "$ARM_URL")
[ "$code" = 200 ] || { echo "the sample ARM read answered $code: $(head -c 300 "$OUT/sample.json")" >&2; exit 1; }
echo "sample page: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["value"]), "groups, nextLink:", "nextLink" in d)' "$OUT/sample.json"), $(wc -c <"$OUT/sample.json") bytes"
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/"$PID"/stat; }
measure() {  # measure NAME URL SCRIPT
  taskset -c 1 wrk -t1 -c"$CONNS" -d3s -s "$3" "$2" >"$OUT/$1-warmup.txt"
  for r in $(seq 1 "$RUNS"); do
    c0=$(cpu)
    taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$3" "$2" >"$OUT/$1-$r.txt"
    c1=$(cpu)
    rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/$1-$r.txt")
    total=$(awk '/requests in/ {print $1}' "$OUT/$1-$r.txt")
    p50=$(awk '$1=="50%" {print $2}' "$OUT/$1-$r.txt"); p99=$(awk '$1=="99%" {print $2}' "$OUT/$1-$r.txt")
    errs=$(grep -o 'errors=[0-9]*' "$OUT/$1-$r.txt" | cut -d= -f2)
    secs=$(awk -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN{printf "%.2f", (b-a)/t}')
    per=$(awk -v n="$total" -v s="$secs" 'BEGIN{ if (s>0) printf "%.0f", n/s; else print "n/a"}')
    echo "$1,$r,$rps,$p50,$p99,$secs,$per,$errs"
  done
}
echo "what,run,req_per_s,p50,p99,server_cpu_s,req_per_server_cpu_s,errors"
export BEARER=$READER_TOKEN
measure arm "$ARM_URL" bench/bearer.lua
export CC_AUTH="Basic $(printf '%s:%s' "$RAPP" "$RSEC" | base64 -w0)"
export CC_BODY="grant_type=client_credentials&scope=https%3A%2F%2Fapps.azureiotcentral.com%2F.default"
measure token "$BASE/$TENANT/oauth2/v2.0/token" bench/cc.lua
echo "after load: $(grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr '\n' ' ')"
