#!/usr/bin/env bash
# Client-credentials load against the real server over HTTPS with keep-alive.
#
#   bench/load.sh [RS256|ES256] [--runs N] [--seconds S] [--conns C]
#
# Builds the release binary, starts `gatehouse serve` on a fresh data folder pinned to CPU 0,
# creates a tenant with the chosen algorithm and a service principal, and drives the v2 token
# endpoint with wrk pinned to CPU 1. Reports requests/s, p50/p99, requests per server-CPU-second
# (from /proc/PID/stat) and the server's resident memory idle and at its peak.
set -euo pipefail
cd "$(dirname "$0")/.."
ALG=${1:-RS256}; shift || true
RUNS=3 SECS=10 CONNS=32
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --conns) CONNS=$2; shift 2;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "installing wrk..."; apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
BIN=${BIN:-$PWD/target/release/gatehouse}   # BIN=... NO_BUILD=1 measures another build (an older commit)
[ -n "${NO_BUILD:-}" ] || cargo build --release -p gatehouse
DIR=$(mktemp -d); OUT=$DIR/out; mkdir -p "$OUT"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
$BIN serve --data-dir "$DIR/data" --listen 127.0.0.1:0 >"$DIR/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$DIR/serve.log" && break; sleep 0.1; done
BASE=$(grep -o 'https://127.0.0.1:[0-9]*' "$DIR/serve.log" | tail -1)
taskset -apc 0 "$PID" >/dev/null
NAME=bench$(date +%s)
$BIN tenant create --data-dir "$DIR/data" --name "$NAME" --signing-alg "$ALG" -o json >/dev/null
SP=$($BIN sp create-for-rbac --data-dir "$DIR/data" -n load --tenant "$NAME" -o json)
APP=$(echo "$SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["appId"])')
SECRET=$(echo "$SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
URL="$BASE/$NAME/oauth2/v2.0/token"
sleep 1.5
echo "idle: $(grep -E 'VmRSS' /proc/$PID/status)"
export CC_AUTH="Basic $(printf '%s:%s' "$APP" "$SECRET" | base64 -w0)"
export CC_BODY="grant_type=client_credentials&scope=https%3A%2F%2Fapps.azureiotcentral.com%2F.default"
code=$(curl -sk -o "$OUT/sample.json" -w '%{http_code}' -H "Authorization: $CC_AUTH" -d "$CC_BODY" "$URL")
[ "$code" = 200 ] || { echo "a sample request answered $code: $(cat "$OUT/sample.json")" >&2; exit 1; }
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/"$PID"/stat; }
taskset -c 1 wrk -t1 -c"$CONNS" -d3s -s bench/cc.lua "$URL" >"$OUT/warmup.txt"
echo "alg=$ALG run,req_per_s,p50,p99,server_cpu_s,req_per_server_cpu_s,errors"
for r in $(seq 1 "$RUNS"); do
  c0=$(cpu)
  taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s bench/cc.lua "$URL" >"$OUT/run$r.txt"
  c1=$(cpu)
  rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/run$r.txt")
  total=$(awk '/requests in/ {print $1}' "$OUT/run$r.txt")
  p50=$(awk '$1=="50%" {print $2}' "$OUT/run$r.txt"); p99=$(awk '$1=="99%" {print $2}' "$OUT/run$r.txt")
  errs=$(grep -o 'errors=[0-9]*' "$OUT/run$r.txt" | cut -d= -f2)
  secs=$(awk -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN{printf "%.2f", (b-a)/t}')
  per=$(awk -v n="$total" -v s="$secs" 'BEGIN{ if (s>0) printf "%.0f", n/s; else print "n/a"}')
  echo "$r,$rps,$p50,$p99,$secs,$per,$errs"
done
echo "after load: $(grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr '\n' ' ')"
