#!/usr/bin/env bash
# RFC 7662 introspection requests per server-CPU-second: Gatehouse (HTTPS, keep-alive) and, in
# the same sitting, node-oidc-provider 9.13.3 (HTTP, in-memory) with introspection on.
#
#   bench/introspect-load.sh [--runs N] [--seconds S] [--conns C] [--no-peer]
#
# Gatehouse: a release `gatehouse serve` on a fresh data folder pinned to CPU 0, an ES256 tenant,
# an API (the resource server, which introspects with its own secret, HTTP Basic) and a service
# principal holding one of its app roles, whose client-credentials token is introspected. The
# peer: bench/peer/introspection-server.mjs, a client-credentials token of client `caller` for
# `https://api.example.com`, introspected by client `rs`; opaque, because node-oidc-provider
# refuses to introspect its JWT access tokens (`unsupported_token_type`). wrk runs pinned to CPU 1; every
# answer must be `"active":true` (the script stops a thread otherwise). BIN=... NO_BUILD=1 as in
# bench/load.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=3 SECS=10 CONNS=32 PEER=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2;; --seconds) SECS=$2; shift 2;; --conns) CONNS=$2; shift 2;;
    --no-peer) PEER=; shift;;
    *) echo "unknown argument: $1 (see the top of $0)" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "installing wrk..."; apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
BIN=${BIN:-$PWD/target/release/gatehouse}
[ -n "${NO_BUILD:-}" ] || cargo build --release -p gatehouse
DIR=$(mktemp -d); OUT=$DIR/out; mkdir -p "$OUT"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$DIR"' EXIT
tick=$(getconf CLK_TCK)

# measure NAME PID URL: RUNS runs of wrk with IN_AUTH / IN_BODY set; one CSV line per run.
measure() {
  local name=$1 pid=$2 url=$3
  taskset -apc 0 "$pid" >/dev/null
  taskset -c 1 wrk -t1 -c"$CONNS" -d3s -s bench/introspect.lua "$url" >"$OUT/$name-warmup.txt"
  for r in $(seq 1 "$RUNS"); do
    local c0 c1 f=$OUT/$name-run$r.txt
    c0=$(awk '{print $14+$15}' /proc/"$pid"/stat)
    taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s bench/introspect.lua "$url" >"$f"
    c1=$(awk '{print $14+$15}' /proc/"$pid"/stat)
    local rps total p50 p99 errs non2xx secs per
    rps=$(awk '/Requests\/sec/ {print $2}' "$f"); total=$(awk '/requests in/ {print $1}' "$f")
    p50=$(awk '$1=="50%" {print $2}' "$f"); p99=$(awk '$1=="99%" {print $2}' "$f")
    errs=$(grep -o 'errors=[0-9]*' "$f" | cut -d= -f2 || true)
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$f"); non2xx=${non2xx:-0}
    secs=$(awk -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN{printf "%.2f", (b-a)/t}')
    per=$(awk -v n="$total" -v s="$secs" 'BEGIN{ if (s>0) printf "%.0f", n/s; else print "n/a"}')
    echo "$name,$r,$rps,$p50,$p99,$secs,$per,${errs:-0},$non2xx"
  done
  echo "$name memory: $(grep -E 'VmRSS|VmHWM' /proc/"$pid"/status | tr '\n' ' ')"
}

$BIN serve --data-dir "$DIR/data" --listen 127.0.0.1:0 >"$DIR/serve.log" 2>&1 &
PIDS+=($!); GH=$!
for _ in $(seq 1 100); do grep -q "listening on" "$DIR/serve.log" && break; sleep 0.1; done
BASE=$(grep -o 'https://127.0.0.1:[0-9]*' "$DIR/serve.log" | tail -1)
NAME=bench$(date +%s)
G="--data-dir $DIR/data --tenant $NAME"
$BIN tenant create --data-dir "$DIR/data" --name "$NAME" --signing-alg ES256 -o json >/dev/null
API=$($BIN api create $G --name orders --identifier-uri api://orders --app-role Orders.Read -o json)
API_ID=$(echo "$API" | python3 -c 'import json,sys; print(json.load(sys.stdin)["appId"])')
API_SECRET=$($BIN app credential add $G --app "$API_ID" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["secretText"])')
SP=$($BIN sp create-for-rbac $G -n caller -o json)
APP=$(echo "$SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["appId"])')
SECRET=$(echo "$SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
$BIN app role grant $G --app "$APP" --api api://orders --role Orders.Read >/dev/null
sleep 1.5
TOKEN=$(curl -sk -u "$APP:$SECRET" -d grant_type=client_credentials -d scope=api://orders/.default \
  "$BASE/$NAME/oauth2/v2.0/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
export IN_AUTH="Basic $(printf '%s:%s' "$API_ID" "$API_SECRET" | base64 -w0)" IN_BODY="token=$TOKEN"
URL="$BASE/$NAME/oauth2/v2.0/introspect"
curl -sk -H "Authorization: $IN_AUTH" -d "$IN_BODY" "$URL" | grep -q '"active":true' \
  || { echo "the sample introspection is not active: $(curl -sk -H "Authorization: $IN_AUTH" -d "$IN_BODY" "$URL")" >&2; exit 1; }
echo "target,run,req_per_s,p50,p99,server_cpu_s,req_per_server_cpu_s,errors,non_2xx"
measure gatehouse "$GH" "$URL"

if [ -n "$PEER" ]; then
  PEER_DIR=$PWD/bench/peer
  [ -d "$PEER_DIR/node_modules/oidc-provider" ] || (cd "$PEER_DIR" && npm install --silent --no-audit --no-fund --no-save oidc-provider@9.13.3 >/dev/null)
  PORT=3001
  (cd "$PEER_DIR" && AT_FORMAT=opaque PORT=$PORT exec node introspection-server.mjs >"$DIR/peer.log" 2>&1) &
  PIDS+=($!); NP=$!
  for _ in $(seq 1 50); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/.well-known/openid-configuration" && break; sleep 0.2; done
  S=bench-secret-0123456789abcdef0123456789abcdef
  PTOKEN=$(curl -s -u "caller:$S" -d grant_type=client_credentials -d scope=api:read -d resource=https://api.example.com \
    "http://127.0.0.1:$PORT/token" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  export IN_AUTH="Basic $(printf 'rs:%s' "$S" | base64 -w0)" IN_BODY="token=$PTOKEN"
  PURL="http://127.0.0.1:$PORT/token/introspection"
  curl -s -H "Authorization: $IN_AUTH" -d "$IN_BODY" "$PURL" | grep -q '"active":true' \
    || { echo "the peer's sample introspection is not active: $(curl -s -H "Authorization: $IN_AUTH" -d "$IN_BODY" "$PURL")" >&2; exit 1; }
  measure node-oidc-provider "$NP" "$PURL"
fi
