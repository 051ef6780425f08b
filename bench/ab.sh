#!/usr/bin/env bash
# Two builds side by side on a noisy machine: both servers run at once (each on a fresh data
# folder, a tenant with the chosen algorithm and one service principal), and short wrk runs
# alternate between them, A B B A A B ..., so that the machine's slow swings hit both alike.
# Every pair of neighbouring runs gives one ratio of tokens per server-CPU-second (B over A);
# the script prints each run, then the median of each build and the median of the ratios.
#
#   bench/ab.sh A_BIN B_BIN [--alg ES256] [--rounds 12] [--seconds 4] [--conns 32] [--split] [--together]
#   bench/ab.sh /tmp/gatehouse-927404c target/release/gatehouse --rounds 16 --together
#
# --split also prints, per run, user and system CPU per token, minor page faults and context
# switches (summed over the server's threads). --together loads both servers at the same time
# (both on CPU 0, two wrk on CPU 1) instead of one after the other: each round's ratio then sees
# the same machine for both, at the price of the two sharing one core's caches.
#
# Both servers are pinned to CPU 0 (the idle one uses none), wrk to CPU 1.
set -euo pipefail
cd "$(dirname "$0")/.."
A=${1:?A_BIN (the baseline binary)}; B=${2:?B_BIN (the binary measured against it)}; shift 2
ALG=ES256 ROUNDS=12 SECS=4 CONNS=32 SPLIT=0 TOGETHER=0
while [ $# -gt 0 ]; do
  case "$1" in
    --alg) ALG=$2; shift 2;; --rounds) ROUNDS=$2; shift 2;; --seconds) SECS=$2; shift 2;;
    --conns) CONNS=$2; shift 2;; --split) SPLIT=1; shift;;
    --together) TOGETHER=1; shift;;
    *) echo "unknown argument: $1 (see the top of $0)" >&2; exit 2;;
  esac
done
command -v wrk >/dev/null || { echo "installing wrk..."; apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
DIR=$(mktemp -d)
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; rm -rf "$DIR"' EXIT
TICK=$(getconf CLK_TCK)

# split_counts PID: user ticks, system ticks, minor faults, voluntary and forced context
# switches, summed over the process's threads (with --split each run prints them per token).
split_counts() {
  local u s f
  read -r u s f < <(awk '{print $14, $15, $10}' "/proc/$1/stat")
  awk -v u="$u" -v s="$s" -v f="$f" '/^voluntary_ctxt_switches/ {v+=$2} /^nonvoluntary_ctxt_switches/ {n+=$2}
    END {print u, s, f, v, n}' /proc/"$1"/task/*/status
}

# start NAME BIN: a server, its tenant and client; sets URL_NAME, AUTH_NAME, PID_NAME.
start() {
  local name=$1 bin=$2 d=$DIR/$1
  mkdir -p "$d"
  "$bin" serve --data-dir "$d/data" --listen 127.0.0.1:0 >"$d/serve.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do grep -q "listening on" "$d/serve.log" && break; sleep 0.1; done
  local base
  base=$(grep -o 'https://127.0.0.1:[0-9]*' "$d/serve.log" | tail -1)
  [ -n "$base" ] || { echo "$name did not start: $(cat "$d/serve.log")" >&2; exit 1; }
  taskset -apc 0 "$pid" >/dev/null
  "$bin" tenant create --data-dir "$d/data" --name "ab$name" --signing-alg "$ALG" -o json >/dev/null
  local sp app secret
  sp=$("$bin" sp create-for-rbac --data-dir "$d/data" -n load --tenant "ab$name" -o json)
  app=$(echo "$sp" | python3 -c 'import json,sys; print(json.load(sys.stdin)["appId"])')
  secret=$(echo "$sp" | python3 -c 'import json,sys; print(json.load(sys.stdin)["password"])')
  printf -v "URL_$name" '%s' "$base/ab$name/oauth2/v2.0/token"
  printf -v "AUTH_$name" '%s' "Basic $(printf '%s:%s' "$app" "$secret" | base64 -w0)"
  printf -v "PID_$name" '%s' "$pid"
}

# run NAME SECONDS: one wrk run; prints tokens per server-CPU-second.
run() {
  local name=$1 secs=$2 url auth pid
  url=URL_$name; auth=AUTH_$name; pid=PID_$name
  local c0 c1 total s0 s1
  c0=$(awk '{print $14+$15}' "/proc/${!pid}/stat")
  s0=$(split_counts "${!pid}")
  CC_AUTH=${!auth} CC_BODY="grant_type=client_credentials&scope=https%3A%2F%2Fapps.azureiotcentral.com%2F.default" \
    taskset -c 1 wrk -t1 -c"$CONNS" -d"${secs}s" -s bench/cc.lua "${!url}" >"$DIR/wrk-$name.txt"
  c1=$(awk '{print $14+$15}' "/proc/${!pid}/stat")
  s1=$(split_counts "${!pid}")
  grep -q "Non-2xx" "$DIR/wrk-$name.txt" && { echo "$name answered errors: $(cat "$DIR/wrk-$name.txt")" >&2; exit 1; }
  total=$(awk '/requests in/ {print $1}' "$DIR/wrk-$name.txt")
  [ "$SPLIT" = 1 ] && awk -v n="$total" -v t="$TICK" -v name="$name" -v a="$s0" -v b="$s1" 'BEGIN{
    split(a, x, " "); split(b, y, " ");
    printf "  %s per token: user %.1f us, system %.1f us, minor faults %.3f, switches %.3f voluntary %.3f forced\n",
      name, (y[1]-x[1])/t*1e6/n, (y[2]-x[2])/t*1e6/n, (y[3]-x[3])/n, (y[4]-x[4])/n, (y[5]-x[5])/n }' >&2
  awk -v n="$total" -v a="$c0" -v b="$c1" -v t="$TICK" 'BEGIN{ s=(b-a)/t; if (s>0) printf "%.0f", n/s; else print 0 }'
}

start A "$A"
start B "$B"
sleep 1.5
run A 3 >/dev/null
run B 3 >/dev/null
echo "alg=$ALG rounds=$ROUNDS seconds=$SECS conns=$CONNS"
echo "round,A_per_cpu_s,B_per_cpu_s,ratio"
RATIOS=() AS=() BS=()
for r in $(seq 1 "$ROUNDS"); do
  if [ "$TOGETHER" = 1 ]; then
    # Both loaded at once, sharing CPU 0: every swing of the machine falls on both.
    run A "$SECS" >"$DIR/a.out" & pid_a=$!; run B "$SECS" >"$DIR/b.out"; wait "$pid_a"
    a=$(cat "$DIR/a.out"); b=$(cat "$DIR/b.out")
  # Alternate which goes first, so neither always runs on the warmer side of a swing.
  elif [ $((r % 2)) -eq 1 ]; then a=$(run A "$SECS"); b=$(run B "$SECS"); else b=$(run B "$SECS"); a=$(run A "$SECS"); fi
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN{ printf "%.3f", b/a }')
  echo "$r,$a,$b,$ratio"
  RATIOS+=("$ratio"); AS+=("$a"); BS+=("$b")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
echo "median A=$(median "${AS[@]}") B=$(median "${BS[@]}") ratio(B/A)=$(median "${RATIOS[@]}")"
