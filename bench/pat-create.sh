#!/usr/bin/env bash
# PAT creation rate against the real server (SQLite, fresh data folder, pinned to CPU 0; the
# Python clients on CPU 1): creates per second and per server-CPU-second.
#
#   bench/pat-create.sh [--seconds S] [--threads T]      (BIN=..., NO_BUILD=1 as bench/load.sh)
#
# Needs the interop venv (.cache/venv, made by `scripts/test interop`) for requests.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=10 THREADS=8
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2;; --threads) THREADS=$2; shift 2;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
PY=${PY:-$PWD/.cache/venv/bin/python}
BIN=${BIN:-$PWD/target/release/gatehouse}
[ -n "${NO_BUILD:-}" ] || cargo build --release -p gatehouse
DIR=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
$BIN serve --data-dir "$DIR/data" --listen 127.0.0.1:0 >"$DIR/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$DIR/serve.log" && break; sleep 0.1; done
BASE=$(grep -o 'https://127.0.0.1:[0-9]*' "$DIR/serve.log" | tail -1)
taskset -apc 0 "$PID" >/dev/null
PASSWORD="a long bench password 1"
$BIN user create --data-dir "$DIR/data" --user-principal-name bench@contoso.com --display-name Bench --password "$PASSWORD" -o json >/dev/null
tick=$(getconf CLK_TCK)
c0=$(awk '{print $14+$15}' /proc/"$PID"/stat)
out=$(taskset -c 1 "$PY" bench/pat-create.py "$BASE" default bench@contoso.com "$PASSWORD" "$DIR/data/tls/ca.pem" "$SECS" "$THREADS")
c1=$(awk '{print $14+$15}' /proc/"$PID"/stat)
echo "$out"
total=$(echo "$out" | grep -o 'created=[0-9]*' | cut -d= -f2)
awk -v n="$total" -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN{s=(b-a)/t; printf "server_cpu_s=%.2f creates_per_server_cpu_s=%.0f\n", s, (s>0? n/s : 0)}'
echo "memory: $(grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr '\n' ' ')"
