#!/usr/bin/env bash
# Sign-ins per second (argon2id password checks on the blocking pool) and what they do to the
# token endpoint: the p50/p99 of client-credentials requests alone, then while sign-ins run.
#
#   bench/signin-load.sh [--seconds S] [--signin-conns C] [--cc-conns C]
#
# Builds the release binary, starts `gatehouse serve` on a fresh data folder pinned to CPU 0,
# creates a user, a public app and a service principal. Opens the authorize page once (curl) to
# get its `q`, then wrk posts the sign-in form with the right password (answer: the consent
# page) while a second wrk drives the v2 token endpoint (client credentials, RS256, keep-alive)
# with a few connections. Both wrk run on CPU 1. Reports, per phase: sign-ins/s, their p50/p99,
# token requests/s and p50/p99, server CPU seconds, and resident memory at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=10 SIGNIN_CONNS=16 CC_CONNS=4
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2;; --signin-conns) SIGNIN_CONNS=$2; shift 2;; --cc-conns) CC_CONNS=$2; shift 2;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "installing wrk..."; apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -p gatehouse
BIN=$PWD/target/release/gatehouse
DIR=$(mktemp -d); OUT=$DIR/out; mkdir -p "$OUT"
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
$BIN serve --data-dir "$DIR/data" --listen 127.0.0.1:0 >"$DIR/serve.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do grep -q "listening on" "$DIR/serve.log" && break; sleep 0.1; done
BASE=$(grep -o 'https://127.0.0.1:[0-9]*' "$DIR/serve.log" | tail -1)
taskset -apc 0 "$PID" >/dev/null # every thread; threads started later inherit it
J() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
TENANT=$($BIN tenant list --data-dir "$DIR/data" -o json | J '[0]["id"]')
# 16 users (bench0..bench15): signin.lua spreads the sign-ins over them, as many people would.
# (One account's password checks run one at a time by design, so one user would measure that.)
UPN=bench0@contoso.com PASSWORD='correct horse battery'
for i in $(seq 0 15); do
  $BIN user create --data-dir "$DIR/data" --user-principal-name "bench$i@contoso.com" --display-name "Bench $i" --password "$PASSWORD" -o json >/dev/null
done
REDIRECT=http://localhost:3000/callback
CLIENT=$($BIN app create --data-dir "$DIR/data" --name bench-spa --public --redirect-uri "$REDIRECT" -o json | J '["appId"]')
SP=$($BIN sp create-for-rbac --data-dir "$DIR/data" -n load -o json)
APP=$(echo "$SP" | J '["appId"]'); SECRET=$(echo "$SP" | J '["password"]')
sleep 1.5
echo "idle: $(grep -E 'VmRSS|Threads' /proc/$PID/status | tr '\n' ' ')"

# The sign-in form: q from the authorize page, a CSRF token of our own (cookie = field).
AUTH_URL="$BASE/$TENANT/oauth2/v2.0/authorize?$(python3 -c 'import sys,urllib.parse as u; print(u.urlencode({"client_id":sys.argv[1],"response_type":"code","redirect_uri":sys.argv[2],"scope":"https://graph.microsoft.com/User.Read openid","code_challenge":"0Tr0JG3Ig9WXSpARe94ybBS9LVWyUaE_mnHvY12iZ40","code_challenge_method":"S256","state":"bench"}))' "$CLIENT" "$REDIRECT")"
curl -sk -o "$OUT/page.html" "$AUTH_URL"
CSRF=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32)[:43].ljust(43, "A"))')
export SIGNIN_COOKIE="__Host-gh-csrf=$CSRF"
export SIGNIN_BODY=$(python3 - "$OUT/page.html" "$CSRF" "$UPN" "$PASSWORD" <<'EOF'
import html, re, sys, urllib.parse
page = open(sys.argv[1]).read()
q = re.search(r'name="q" value="([^"]*)"', page)
assert q, "no q on the authorize page:\n" + page
print(urllib.parse.urlencode({"csrf": sys.argv[2], "step": "signin", "q": html.unescape(q.group(1)),
                              "username": sys.argv[3], "password": sys.argv[4]}))
EOF
)
SIGNIN_URL="$BASE/$TENANT/oauth2/v2.0/authorize"
code=$(curl -sk -o "$OUT/consent.html" -w '%{http_code}' -H "Cookie: $SIGNIN_COOKIE" -d "$SIGNIN_BODY" "$SIGNIN_URL")
{ [ "$code" = 200 ] && grep -q 'name="step" value="consent"' "$OUT/consent.html"; } ||
  { echo "the sample sign-in answered $code, not the consent page" >&2; head -c 2000 "$OUT/consent.html" >&2; exit 1; }
export CC_AUTH="Basic $(printf '%s:%s' "$APP" "$SECRET" | base64 -w0)"
export CC_BODY="grant_type=client_credentials&scope=https%3A%2F%2Fapps.azureiotcentral.com%2F.default"
TOKEN_URL="$BASE/$TENANT/oauth2/v2.0/token"
code=$(curl -sk -o "$OUT/sample.json" -w '%{http_code}' -H "Authorization: $CC_AUTH" -d "$CC_BODY" "$TOKEN_URL")
[ "$code" = 200 ] || { echo "a sample token request answered $code: $(cat "$OUT/sample.json")" >&2; exit 1; }

tick=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/"$PID"/stat; }
field() { # file -> "req/s p50 p99 errors"
  printf '%s %s %s %s' "$(awk '/Requests\/sec/ {print $2}' "$1")" "$(awk '$1=="50%" {print $2}' "$1")" \
    "$(awk '$1=="99%" {print $2}' "$1")" "$(grep -o 'errors=[0-9]*' "$1" | cut -d= -f2)"
}
taskset -c 1 wrk -t1 -c"$CC_CONNS" -d3s -s bench/cc.lua "$TOKEN_URL" >"$OUT/warmup.txt"

echo "phase,what,req_per_s,p50,p99,errors,server_cpu_s"
c0=$(cpu)
taskset -c 1 wrk -t1 -c"$CC_CONNS" -d"${SECS}s" --latency -s bench/cc.lua "$TOKEN_URL" >"$OUT/cc-alone.txt"
c1=$(cpu)
echo "alone,token (client credentials),$(field "$OUT/cc-alone.txt" | tr ' ' ','),$(awk -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN{printf "%.2f", (b-a)/t}')"

c0=$(cpu)
taskset -c 1 wrk -t1 -c"$SIGNIN_CONNS" -d"${SECS}s" --timeout 30s --latency -s bench/signin.lua "$SIGNIN_URL" >"$OUT/signin.txt" &
W=$!
sleep 1 # let the sign-ins fill the blocking pool first
taskset -c 1 wrk -t1 -c"$CC_CONNS" -d"$((SECS - 2))s" --latency -s bench/cc.lua "$TOKEN_URL" >"$OUT/cc-loaded.txt"
mid="$(grep -E 'VmRSS|Threads' /proc/$PID/status | tr '\n' ' ')"
wait $W
c1=$(cpu)
cpu_s=$(awk -v a="$c0" -v b="$c1" -v t="$tick" 'BEGIN{printf "%.2f", (b-a)/t}')
echo "loaded,sign-ins (argon2id),$(field "$OUT/signin.txt" | tr ' ' ','),$cpu_s"
echo "loaded,token (client credentials),$(field "$OUT/cc-loaded.txt" | tr ' ' ','),"
non2xx=$(awk '/Non-2xx/ {print $5}' "$OUT/signin.txt"); [ -z "$non2xx" ] || echo "sign-ins that were not 2xx: $non2xx"
echo "during sign-ins: $mid"
echo "after load: $(grep -E 'VmRSS|VmHWM|Threads' /proc/$PID/status | tr '\n' ' ')"
