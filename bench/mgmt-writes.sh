#!/usr/bin/env bash
# Management writes per second, with and without the audit log, in one sitting.
#
#   BIN_OLD=/path/to/gatehouse-before-the-audit-log bench/mgmt-writes.sh [--runs N] [--seconds S] [--conns C]
#
# For each binary (BIN, default target/release/gatehouse, built unless NO_BUILD=1; and BIN_OLD
# when given, e.g. a release build of d075ed1, the commit before the audit log) and each run,
# alternating: starts `gatehouse serve` on a fresh data folder pinned to CPU 0, gets the first
# service principal's ARM token, and drives with wrk pinned to CPU 1:
#   PUT /subscriptions/{S}/resourcegroups/{new name}?api-version=2024-11-01
# (a new resource group each request: authorization from the RBAC cache, one INSERT, its
# change-feed entry and, with the audit log, its audit entry, one transaction, on SQLite with
# synchronous=FULL). Reports writes/s and p50/p99 per binary and run.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3 SECS=10 CONNS=8
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --conns) CONNS=$2; shift 2;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "installing wrk..."; apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
BIN=${BIN:-$PWD/target/release/gatehouse}
[ -n "${NO_BUILD:-}" ] || cargo build --release -p gatehouse
run_one() {  # run_one LABEL BIN
  local label=$1 bin=$2 dir pid base ca tenant app secret sub token
  dir=$(mktemp -d)
  "$bin" serve --data-dir "$dir/data" --listen 127.0.0.1:0 >"$dir/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$dir/serve.log" && break; sleep 0.1; done
  base=$(grep -o 'https://127.0.0.1:[0-9]*' "$dir/serve.log" | tail -1)
  ca=$dir/data/tls/ca.pem
  taskset -apc 0 "$pid" >/dev/null
  tenant=$(awk '/Tenant id:/ {print $3; exit}' "$dir/serve.log")
  app=$(awk '$1 == "appId:" {print $2; exit}' "$dir/serve.log")
  secret=$(awk '$1 == "secret:" {print $2; exit}' "$dir/serve.log")
  sub=$(awk '$1 == "subscriptionId:" {print $2; exit}' "$dir/serve.log")
  token=$(curl -s --cacert "$ca" -d grant_type=client_credentials -d "client_id=$app" --data-urlencode "client_secret=$secret" \
    --data-urlencode "scope=https://management.core.windows.net//.default" "$base/$tenant/oauth2/v2.0/token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  local out
  out=$(SUB=$sub TOKEN=$token taskset -c 1 wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s bench/rg-put.lua "$base" 2>&1)
  local rps p50 p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  printf '%-12s writes/s %8s  p50 %8s  p99 %8s  non-2xx %s\n' "$label" "$rps" "$p50" "$p99" "${non2xx:-0}"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
for r in $(seq 1 "$RUNS"); do
  run_one "audited" "$BIN"
  if [ -n "${BIN_OLD:-}" ]; then run_one "no-audit" "$BIN_OLD"; fi
done
