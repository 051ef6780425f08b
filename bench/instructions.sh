#!/usr/bin/env bash
# Instructions per client-credentials token, counted by valgrind's callgrind: a figure that does
# not move with the machine's load, so two builds can be compared on a busy machine.
#
#   bench/instructions.sh [RS256|ES256] [--requests N] [--conns C]
#   BIN=/path/to/other/gatehouse NO_BUILD=1 bench/instructions.sh ES256    # another build
#
# Starts `gatehouse serve` under callgrind on a fresh data folder, creates a tenant with the chosen
# algorithm and a service principal, sends 200 warm-up requests, zeroes the counters, sends N
# requests over C keep-alive HTTPS connections (bench/instructions.py), dumps the counters and
# prints instructions per request. The dump stays in OUT (default a temporary folder) for
# `callgrind_annotate OUT/callgrind.out.*`; set OUT=folder to keep it.
set -euo pipefail
cd "$(dirname "$0")/.."
ALG=${1:-ES256}; shift || true
REQS=2000 CONNS=4
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) REQS=$2; shift 2;; --conns) CONNS=$2; shift 2;;
    *) echo "unknown argument: $1 (see the top of $0)" >&2; exit 2;;
  esac
done
command -v valgrind >/dev/null || { echo "installing valgrind..."; apt-get update -qq >/dev/null && apt-get install -y -qq valgrind >/dev/null; }
BIN=${BIN:-$PWD/target/release/gatehouse}
[ -n "${NO_BUILD:-}" ] || cargo build --release -p gatehouse
DIR=$(mktemp -d); KEEP=${OUT:-}; OUT=${OUT:-$DIR/out}; mkdir -p "$OUT"
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
rm -f "$OUT"/callgrind.out.*
valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind.out.%p" \
  "$BIN" serve --data-dir "$DIR/data" --listen 127.0.0.1:0 >"$DIR/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do grep -q "listening on" "$DIR/serve.log" && break; sleep 0.1; done
BASE=$(grep -o 'https://127.0.0.1:[0-9]*' "$DIR/serve.log" | tail -1)
[ -n "$BASE" ] || { echo "the server did not start: $(cat "$DIR/serve.log")" >&2; exit 1; }
NAME=bench$(date +%s)
"$BIN" tenant create --data-dir "$DIR/data" --name "$NAME" --signing-alg "$ALG" -o json >/dev/null
SP=$("$BIN" sp create-for-rbac --data-dir "$DIR/data" -n load --tenant "$NAME" -o json)
APP=$(echo "$SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["appId"])')
SECRET=$(echo "$SP" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
URL="$BASE/$NAME/oauth2/v2.0/token"
export CC_AUTH="Basic $(printf '%s:%s' "$APP" "$SECRET" | base64 -w0)"
export CC_BODY="grant_type=client_credentials&scope=https%3A%2F%2Fapps.azureiotcentral.com%2F.default"
python3 bench/instructions.py "$URL" 200 "$CONNS" >/dev/null
callgrind_control -z "$PID" >/dev/null
python3 bench/instructions.py "$URL" "$REQS" "$CONNS"
callgrind_control -d "$PID" >/dev/null
sleep 1
DUMP=$(ls "$OUT"/callgrind.out.*.1)   # the dump of the counted requests (.%p is written at exit)
TOTAL=$(grep -m1 '^summary:' "$DUMP" | awk '{print $2}')
echo "alg=$ALG requests=$REQS conns=$CONNS instructions=$TOTAL per_request=$((TOTAL / REQS))"
echo "dump: $DUMP${KEEP:+ (kept)}"
[ -n "$KEEP" ] || { callgrind_annotate "$DUMP" 2>/dev/null | sed -n '1,40p'; }
