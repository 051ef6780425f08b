#!/usr/bin/env bash
# Requests/s through `gatehouse proxy` versus straight to the upstream, in the same run.
#
#   bench/proxy-load.sh [--seconds S] [--conns C] [--python-upstream]
#
# --python-upstream puts Python's http.server (ThreadingHTTPServer, HTTP/1.0: one connection
# per request) behind the proxy instead of the minimal Rust upstream.
#
# Starts the release server (tokens), a minimal upstream (gatehouse-guard's bench_upstream
# example), and `gatehouse proxy` in front of it requiring an app role; then wrk drives the
# upstream directly and through the proxy with a valid bearer token. Everything shares the
# machine's cores, as the issue asks (2 cores, load tool included).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=10 CONNS=32 PYUP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2;; --conns) CONNS=$2; shift 2;; --python-upstream) PYUP=1; shift;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "installing wrk..."; apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p gatehouse
cargo build --release -p gatehouse-guard --example bench_upstream
BIN=$PWD/target/release/gatehouse
DIR=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$DIR"' EXIT
wait_for() { for _ in $(seq 1 100); do grep -q "$2" "$1" && return 0; sleep 0.1; done; echo "timed out waiting for $2 in $1" >&2; cat "$1" >&2; exit 1; }

$BIN serve --data-dir "$DIR/data" --listen 127.0.0.1:0 >"$DIR/serve.log" 2>&1 & PIDS+=($!)
wait_for "$DIR/serve.log" "listening on"
BASE=$(grep -o 'https://127.0.0.1:[0-9]*' "$DIR/serve.log" | tail -1)
TENANT=$($BIN tenant show default --data-dir "$DIR/data" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
$BIN api create --data-dir "$DIR/data" --name bench --identifier-uri api://bench --app-role Bench.Call -o json >/dev/null
SP=$($BIN sp create-for-rbac --data-dir "$DIR/data" -n caller -o json)
APP=$(echo "$SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["appId"])')
SECRET=$(echo "$SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
$BIN app role grant --data-dir "$DIR/data" --app "$APP" --api api://bench --role Bench.Call -o json >/dev/null
sleep 1.2
export BEARER=$(curl -s --cacert "$DIR/data/tls/ca.pem" -u "$APP:$SECRET" -d grant_type=client_credentials \
  --data-urlencode scope=api://bench/.default "$BASE/$TENANT/oauth2/v2.0/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

if [ "$PYUP" = 1 ]; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$DIR/www/items"; echo ok >"$DIR/www/items/1"
  (cd "$DIR/www" && exec python3 -m http.server "$PORT" --bind 127.0.0.1) >"$DIR/up.log" 2>&1 & PIDS+=($!)
  UP="http://127.0.0.1:$PORT"
  for _ in $(seq 1 50); do curl -sf -o /dev/null "$UP/items/1" && break; sleep 0.1; done
else
  target/release/examples/bench_upstream 127.0.0.1:0 >"$DIR/up.log" 2>&1 & PIDS+=($!)
  wait_for "$DIR/up.log" "listening on"
  UP=$(grep -o 'http://127.0.0.1:[0-9]*' "$DIR/up.log")
fi
$BIN proxy --listen 127.0.0.1:0 --upstream "$UP" --issuer "$BASE/$TENANT/v2.0" --audience api://bench \
  --ca-file "$DIR/data/tls/ca.pem" --require-role Bench.Call >"$DIR/proxy.log" 2>&1 & PIDS+=($!)
PROXY_PID=$!
wait_for "$DIR/proxy.log" "listening on"
PX=$(grep -o 'http://127.0.0.1:[0-9]*' "$DIR/proxy.log")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BEARER" "$PX/items/1")
[ "$code" = 200 ] || { echo "a request through the proxy answered $code" >&2; exit 1; }
echo "proxy idle: $(grep VmRSS /proc/$PROXY_PID/status)"

run() {
  wrk -t1 -c"$CONNS" -d3s -s bench/bearer.lua "$1" >/dev/null
  wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s bench/bearer.lua "$1" >"$DIR/$2.txt"
  echo "$2: $(awk '/Requests\/sec/ {print $2}' "$DIR/$2.txt") req/s, p50 $(awk '$1=="50%" {print $2}' "$DIR/$2.txt"), p99 $(awk '$1=="99%" {print $2}' "$DIR/$2.txt"), $(grep -o 'errors=[0-9]*' "$DIR/$2.txt")"
}
run "$UP/items/1" direct
run "$PX/items/1" proxy
echo "proxy after load: $(grep -E 'VmRSS|VmHWM' /proc/$PROXY_PID/status | tr '\n' ' ')"
