#!/usr/bin/env bash
# Requests/s and CPU per request through `gatehouse proxy` versus straight to the upstream (and,
# with --haproxy, versus HAProxy's own JWT check), in the same run.
#
#   bench/proxy-load.sh [--seconds S] [--conns C] [--runs R] [--python-upstream]
#                       [--distinct-tokens N] [--cache-capacity N] [--haproxy]
#
# Starts the release server (tokens), a minimal upstream (gatehouse-guard's bench_upstream
# example), and `gatehouse proxy` in front of it requiring an app role; then wrk (-t1, C
# connections) drives the upstream directly and through the proxy with a valid bearer token.
# Everything shares the machine's cores, the load tool included.
#
# --python-upstream   Python's http.server (HTTP/1.0: one connection per request) as the upstream.
# --distinct-tokens N also mints N distinct valid tokens (client credentials of one service
#                     principal: each has its own uti) and drives the proxy rotating over them in
#                     turn (bench/bearer.lua with TOKENS_FILE), so the verified-token cache sees N
#                     different live tokens.
# --cache-capacity N  passed to `gatehouse proxy --cache-capacity` (default: the proxy's own, 10000).
# --haproxy           HAProxy (Debian's, installed if missing) in front of the same upstream,
#                     checking what ../shared/bench/side-by-side/proxy-vs-haproxy.sh checks:
#                     alg RS256, the signature (jwt_verify with the tenant's key as PEM), iss, aud,
#                     exp and roles[0], setting three X-Gatehouse-* headers. It gets the same
#                     tokens (one, then N) and the same wrk.
#
# Every target is run RUNS times (default 1), interleaved run by run after a warm-up. For each
# run: requests/s, p50, p99, errors + non-2xx answers, and the CPU time the proxy process used per
# request (utime + stime from /proc/PID/stat over the run, divided by the requests wrk counted).
# The CSV of every run stays in the printed results folder.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=10 CONNS=32 RUNS=1 PYUP=0 DISTINCT=0 CAPACITY= HAPROXY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2;; --conns) CONNS=$2; shift 2;; --runs) RUNS=$2; shift 2;;
    --python-upstream) PYUP=1; shift;;
    --distinct-tokens) DISTINCT=$2; shift 2;; --cache-capacity) CAPACITY=$2; shift 2;;
    --haproxy) HAPROXY=1; shift;;
    *) echo "unknown argument: $1" >&2; exit 2;;
  esac
done
install_pkg() { command -v "$1" >/dev/null || { echo "installing $2..."; apt-get update -qq >/dev/null && apt-get install -y -qq "$2" >/dev/null; }; }
install_pkg wrk wrk
[ "$HAPROXY" = 0 ] || install_pkg haproxy haproxy
cargo build --release -p gatehouse
cargo build --release -p gatehouse-guard --example bench_upstream
BIN=$PWD/target/release/gatehouse
TICK=$(getconf CLK_TCK)
DIR=$(mktemp -d); OUT=${OUT:-$DIR/out}; mkdir -p "$OUT"
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$DIR/data" "$DIR/www" "$DIR/tokens.txt"' EXIT
wait_for() { for _ in $(seq 1 100); do grep -q "$2" "$1" && return 0; sleep 0.1; done; echo "timed out waiting for $2 in $1" >&2; cat "$1" >&2; exit 1; }
J() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14+$15}' /proc/"$1"/stat; }
echo "== sitting $(date -u +%FT%TZ); load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs" | tee "$OUT/summary.txt"

$BIN serve --data-dir "$DIR/data" --listen 127.0.0.1:0 >"$DIR/serve.log" 2>&1 & PIDS+=($!)
wait_for "$DIR/serve.log" "listening on"
BASE=$(grep -o 'https://127.0.0.1:[0-9]*' "$DIR/serve.log" | tail -1)
TENANT=$($BIN tenant show default --data-dir "$DIR/data" -o json | J '["id"]')
$BIN api create --data-dir "$DIR/data" --name bench --identifier-uri api://bench --app-role Bench.Call -o json >/dev/null
SP=$($BIN sp create-for-rbac --data-dir "$DIR/data" -n caller -o json)
APP=$(echo "$SP" | J '["appId"]')
SECRET=$(echo "$SP" | J '["password"]')
$BIN app role grant --data-dir "$DIR/data" --app "$APP" --api api://bench --role Bench.Call -o json >/dev/null
sleep 1.2
ISSUER="$BASE/$TENANT/v2.0"
mint() { python3 bench/mint-tokens.py "$BASE/$TENANT/oauth2/v2.0/token" "$APP" "$SECRET" api://bench/.default "$1" 2 "$DIR/data/tls/ca.pem"; }
export BEARER; BEARER=$(mint 1)
if [ "$DISTINCT" -gt 0 ]; then
  t0=$(date +%s.%N)
  mint "$DISTINCT" >"$DIR/tokens.txt"
  echo "minted $DISTINCT distinct tokens in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s" | tee -a "$OUT/summary.txt"
fi

if [ "$PYUP" = 1 ]; then
  PORT=$(free_port)
  mkdir -p "$DIR/www/items"; echo ok >"$DIR/www/items/1"
  (cd "$DIR/www" && exec python3 -m http.server "$PORT" --bind 127.0.0.1) >"$DIR/up.log" 2>&1 & PIDS+=($!)
  UP="http://127.0.0.1:$PORT"
  for _ in $(seq 1 50); do curl -sf -o /dev/null "$UP/items/1" && break; sleep 0.1; done
else
  target/release/examples/bench_upstream 127.0.0.1:0 >"$DIR/up.log" 2>&1 & PIDS+=($!)
  wait_for "$DIR/up.log" "listening on"
  UP=$(grep -o 'http://127.0.0.1:[0-9]*' "$DIR/up.log")
fi
$BIN proxy --listen 127.0.0.1:0 --upstream "$UP" --issuer "$ISSUER" --audience api://bench \
  --ca-file "$DIR/data/tls/ca.pem" --require-role Bench.Call ${CAPACITY:+--cache-capacity "$CAPACITY"} \
  >"$DIR/proxy.log" 2>&1 & PIDS+=($!)
PROXY_PID=$!
wait_for "$DIR/proxy.log" "listening on"
PX=$(grep -o 'http://127.0.0.1:[0-9]*' "$DIR/proxy.log")
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BEARER" "$PX/items/1")
[ "$code" = 200 ] || { echo "a request through the proxy answered $code" >&2; exit 1; }
echo "gatehouse proxy (cache capacity ${CAPACITY:-default}) idle: $(grep VmRSS /proc/$PROXY_PID/status)" | tee -a "$OUT/summary.txt"

HX= HAP_PID=
if [ "$HAPROXY" = 1 ]; then
  HDR=$(python3 -c 'import base64,sys; t=sys.argv[1].split(".")[0]; print(base64.urlsafe_b64decode(t+"="*(-len(t)%4)).decode())' "$BEARER")
  [ "$(echo "$HDR" | J '["alg"]')" = RS256 ] || { echo "--haproxy needs an RS256 tenant (token header $HDR)" >&2; exit 1; }
  curl -s --cacert "$DIR/data/tls/ca.pem" "$BASE/$TENANT/discovery/v2.0/keys" \
    | python3 bench/jwk2pem.py "$(echo "$HDR" | J '["kid"]')" >"$DIR/pubkey.pem"
  HPORT=$(free_port)
  cat >"$DIR/haproxy.cfg" <<EOF
global
    maxconn 4000
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    option http-keep-alive
frontend fe
    bind 127.0.0.1:$HPORT
    http-request set-var(txn.bearer) http_auth_bearer
    http-request deny deny_status 401 unless { var(txn.bearer) -m found }
    http-request set-var(txn.jwt_alg) var(txn.bearer),jwt_header_query('\$.alg')
    http-request deny deny_status 401 unless { var(txn.jwt_alg) -m str RS256 }
    http-request deny deny_status 401 unless { var(txn.bearer),jwt_verify(txn.jwt_alg,"$DIR/pubkey.pem") -m int 1 }
    http-request set-var(txn.payload) var(txn.bearer),word(2,.),ub64dec
    http-request set-var(txn.iss) var(txn.payload),json_query('\$.iss')
    http-request deny deny_status 401 unless { var(txn.iss) -m str $ISSUER }
    http-request set-var(txn.aud) var(txn.payload),json_query('\$.aud')
    http-request deny deny_status 401 unless { var(txn.aud) -m str api://bench }
    http-request set-var(txn.exp) var(txn.payload),json_query('\$.exp','int')
    http-request set-var(txn.now) date()
    http-request deny deny_status 401 if { var(txn.exp),sub(txn.now) -m int lt 0 }
    http-request set-var(txn.role) var(txn.payload),json_query('\$.roles[0]')
    http-request deny deny_status 403 unless { var(txn.role) -m str Bench.Call }
    http-request del-header X-Gatehouse- -m beg
    http-request set-header X-Gatehouse-Tenant %[var(txn.payload),json_query('\$.tid')]
    http-request set-header X-Gatehouse-Object-Id %[var(txn.payload),json_query('\$.oid')]
    http-request set-header X-Gatehouse-App-Id %[var(txn.payload),json_query('\$.azp')]
    option forwardfor
    default_backend be
backend be
    http-reuse always
    server up ${UP#http://}
EOF
  haproxy -c -f "$DIR/haproxy.cfg" >"$DIR/haproxy-check.txt" 2>&1 || { cat "$DIR/haproxy-check.txt" >&2; exit 1; }
  haproxy -db -f "$DIR/haproxy.cfg" >"$DIR/haproxy.log" 2>&1 & HAP_PID=$!; PIDS+=("$HAP_PID")
  HX="http://127.0.0.1:$HPORT"
  for _ in $(seq 1 50); do curl -s -o /dev/null "$HX/" && break; sleep 0.1; done
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $BEARER" "$HX/items/1")
  [ "$code" = 200 ] || { echo "a request through HAProxy answered $code" >&2; exit 1; }
  echo "$(haproxy -v | head -1) idle: $(grep VmRSS /proc/$HAP_PID/status)" | tee -a "$OUT/summary.txt"
fi

CSV=$OUT/runs.csv
echo "target,tokens,run,req_per_s,p50,p99,requests,errors,non2xx,proxy_cpu_us_per_req" >"$CSV"
once() { # TARGET URL PROXY_PID|- TOKENS RUN SECONDS
  local t=$1 url=$2 pp=$3 tk=$4 r=$5 s=$6 f="$OUT/$1-$4-$5.txt" c0=0 c1=0
  [ "$pp" = - ] || c0=$(cpu_ticks "$pp")
  wrk -t1 -c"$CONNS" -d"${s}s" --latency -s bench/bearer.lua "$url/items/1" >"$f"
  [ "$pp" = - ] || c1=$(cpu_ticks "$pp")
  [ "$r" = warm ] && return 0
  local total non2xx per
  total=$(awk '/requests in/ {print $1}' "$f")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$f"); non2xx=${non2xx:-0}
  per=$([ "$pp" = - ] && echo "" || awk -v a="$c0" -v b="$c1" -v t="$TICK" -v n="$total" 'BEGIN{printf "%.1f", (b-a)/t*1e6/n}')
  echo "$t,$tk,$r,$(awk '/Requests\/sec/ {print $2}' "$f"),$(awk '$1=="50%" {print $2}' "$f"),$(awk '$1=="99%" {print $2}' "$f"),$total,$(grep -o 'errors=[0-9]*' "$f" | cut -d= -f2),$non2xx,$per" >>"$CSV"
}
TARGETS=(direct gatehouse-proxy) URLS=("$UP" "$PX") PP=(- "$PROXY_PID")
if [ -n "$HX" ]; then TARGETS+=(haproxy); URLS+=("$HX"); PP+=("$HAP_PID"); fi
sweep() { # TOKENS FROM_INDEX: warm-up, then RUNS interleaved runs of the targets from FROM_INDEX on
  local tk=$1 from=$2 r k
  for k in $(seq "$from" $((${#TARGETS[@]} - 1))); do once "${TARGETS[$k]}" "${URLS[$k]}" "${PP[$k]}" "$tk" warm 3; done
  for r in $(seq 1 "$RUNS"); do
    for k in $(seq "$from" $((${#TARGETS[@]} - 1))); do once "${TARGETS[$k]}" "${URLS[$k]}" "${PP[$k]}" "$tk" "$r" "$SECS"; done
  done
}
export TOKENS_FILE=
sweep 1 0
if [ "$DISTINCT" -gt 0 ]; then
  export TOKENS_FILE=$DIR/tokens.txt
  sweep "$DISTINCT" 1
fi
echo "gatehouse proxy after load: $(grep -E 'VmRSS|VmHWM' /proc/$PROXY_PID/status | tr -s ' \t\n' ' ')" | tee -a "$OUT/summary.txt"
python3 - "$CSV" <<'EOF' | tee -a "$OUT/summary.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
keys = []
for r in rows:
    k = (r["target"], r["tokens"])
    if k not in keys:
        keys.append(k)
def trio(xs, f="{:.0f}"):
    return "/".join(f.format(x) for x in (min(xs), statistics.median(xs), max(xs))) if xs else "-"
print("target tokens | req/s min/med/max | proxy CPU-us/req min/med/max | p50 | p99 | errors+non2xx")
for k in keys:
    rs = [r for r in rows if (r["target"], r["tokens"]) == k]
    cpu = [float(r["proxy_cpu_us_per_req"]) for r in rs if r["proxy_cpu_us_per_req"]]
    print(f"{k[0]} {k[1]} | {trio([float(r['req_per_s']) for r in rs])} | {trio(cpu, '{:.1f}')} | "
          f"{'/'.join(r['p50'] for r in rs)} | {'/'.join(r['p99'] for r in rs)} | "
          f"{sum(int(r['errors'] or 0) + int(r['non2xx'] or 0) for r in rs)}")
EOF
echo "results in $OUT"
