#!/usr/bin/env bash
# The second half of the scale benchmark: token throughput and memory against the database that
# bench/scale-create.sh built (1,000 tenants, 20,000 service principals), with and without a
# directory change every 2 s. Adapted from the project's shared side-by-side/scale-load.sh
# (same rotation files, same load method), narrowed to what the caches decide:
#
#   bench/scale-load.sh WORKDIR [OUTDIR]     # RUNS=3 SECS=10 CONNS=32 ROT=2000 ROUNDS=0 TWINS=8
#
#  - rot: ROT ES256 clients spread over the ES256 tenants, rotating (no change);
#  - churn: the same rotation while `gatehouse app create` lands in tenant t0001 every 2 s
#    (each change now drops only what it names: nothing these clients use);
#  - churn-own: the same, the app created in the tenant of the first rotating client;
#  - ROUNDS paired rounds of rot, churn, churn-own and control (the same CLI invocations into a
#    data folder the server does not read), SECS s each, the order turning each round, whose
#    per-round ratios judge the targets without the machine's drift between phases;
#  - TWINS twin rounds: this server and a twin on a copy of the database loaded at once, the
#    changes landing only in this one's: the judge of the churn targets (see below);
#  - all: every ES256 client rotating (10,000 with the default database), then resident memory.
# Load method: wrk -t1 -cCONNS on CPU 1, every server thread on CPU 0, a 3 s warm-up (for
# rotating clients: the cold pass), then RUNS runs of SECS s; the server's CPU from /proc.
# Prints min/median/max per phase and the ratios the issue asks for.
set -euo pipefail
cd "$(dirname "$0")/.."
HERE=$PWD/bench
WORK=${1:?WORKDIR}; OUT=${2:-}
case "$WORK" in /*) ;; *) WORK=$OLDPWD/$WORK ;; esac
BIN=${BIN:-$PWD/target/release/gatehouse}
[ -n "${NO_BUILD:-}" ] || cargo build --release -p gatehouse
[ -x "$BIN" ] || { echo "no $BIN" >&2; exit 2; }
command -v wrk >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq wrk >/dev/null; }
RUNS=${RUNS:-3} SECS=${SECS:-10} CONNS=${CONNS:-32} ROT=${ROT:-2000} ROUNDS=${ROUNDS:-0} TWINS=${TWINS:-8}
TICK=$(getconf CLK_TCK)
DATA=$WORK/data CREDS=$WORK/creds.tsv
[ -f "$CREDS" ] || { echo "no $CREDS: run bench/scale-create.sh $WORK first" >&2; exit 2; }
SCRATCH=$(mktemp -d); OUT=${OUT:-$SCRATCH/out}; mkdir -p "$OUT"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${KEEP_SCRATCH:-}" ] || rm -rf "$SCRATCH"
}
trap cleanup EXIT
S=$OUT/summary.txt
echo "== sitting $(date -u +%FT%TZ); load: $(cut -d' ' -f1-3 /proc/loadavg); $(wc -l <"$CREDS") credentials; $(git rev-parse --short HEAD)" | tee "$S"
export CC_BODY="grant_type=client_credentials&scope=https%3A%2F%2Fapps.azureiotcentral.com%2F.default"

python3 - "$CREDS" "$OUT" "$ROT" <<'EOF'
import base64, collections, random, sys
creds, out, rot = sys.argv[1], sys.argv[2], int(sys.argv[3])
by = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(creds):
    name, alg, tid, app, pw = line.rstrip("\n").split("\t")
    by[alg][name].append((tid, app, pw))
def line(t):
    tid, app, pw = t
    return f"/{tid}/oauth2/v2.0/token\tBasic {base64.b64encode(f'{app}:{pw}'.encode()).decode()}\n"
random.seed(7)
tenants = by["ES256"]
names = sorted(tenants)
picked, j, most = [], 0, max(len(v) for v in tenants.values())
while len(picked) < rot and j < most:  # round-robin over the tenants
    for n in names:
        if j < len(tenants[n]) and len(picked) < rot:
            picked.append(tenants[n][j])
    j += 1
allc = [c for n in names for c in tenants[n]]
random.shuffle(allc)
open(f"{out}/rot.txt", "w").writelines(line(t) for t in picked)
open(f"{out}/all.txt", "w").writelines(line(t) for t in allc)
first = next(n for n in names if tenants[n] and tenants[n][0] == picked[0])
open(f"{out}/own-tenant.txt", "w").write(first + "\n")
print(f"ES256: {len(names)} tenants, {len(allc)} clients; rotation {len(picked)} clients over "
      f"{len(set(p[0] for p in picked))} tenants; own-tenant churn in {first}")
EOF

cpu_ticks() { awk '{print $14+$15}' /proc/"$1"/stat; }
mem() { echo "$1: rss_mb=$(awk '/^VmRSS/ {printf "%.1f", $2/1024}' /proc/$GH_PID/status) peak_mb=$(awk '/^VmHWM/ {printf "%.1f", $2/1024}' /proc/$GH_PID/status) anon_mb=$(awk '/^RssAnon/ {printf "%.1f", $2/1024}' /proc/$GH_PID/status) file_mb=$(awk '/^RssFile/ {printf "%.1f", $2/1024}' /proc/$GH_PID/status) threads=$(awk '/^Threads/ {print $2}' /proc/$GH_PID/status)" | tee -a "$S"; }
one_run() { # NAME RUN [PID URL]: one SECS-long wrk run over $ROT_FILE, a row of NAME.csv
  local name=$1 r=$2 pid=${3:-$GH_PID} url=${4:-$URL} f c0 c1
  f=$OUT/$name.run$r.txt
  c0=$(cpu_ticks "$pid")
  taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$HERE/rotate.lua" "$url" >"$f"
  c1=$(cpu_ticks "$pid")
  [ -f "$OUT/$name.csv" ] || echo "run,req_per_s,p50,p99,server_cpu_s,req_per_server_cpu_s,errors,non2xx" >"$OUT/$name.csv"
  awk -v r="$r" -v a="$c0" -v b="$c1" -v t="$TICK" '
    /Requests\/sec/ {rps=$2} /requests in/ {total=$1} $1=="50%" {p50=$2} $1=="99%" {p99=$2}
    /errors=/ {split($0, e, "="); errs=e[2]} /Non-2xx/ {non=$5}
    END {s=(b-a)/t; printf "%d,%s,%s,%s,%.2f,%s,%s,%d\n", r, rps, p50, p99, s, (s>0? sprintf("%.0f", total/s) : "n/a"), errs, non+0}' "$f" >>"$OUT/$name.csv"
}
measure() { # NAME ROT_FILE [warmup_secs]
  local name=$1 warm=${3:-3} c0 c1 r f
  export ROT_FILE=$2
  c0=$(cpu_ticks "$GH_PID")
  taskset -c 1 wrk -t1 -c"$CONNS" -d"${warm}s" --latency -s "$HERE/rotate.lua" "$URL" >"$OUT/$name.warmup.txt"
  c1=$(cpu_ticks "$GH_PID")
  echo "$name warmup: $(awk '/requests in/ {print $1}' "$OUT/$name.warmup.txt") requests, $(awk -v a="$c0" -v b="$c1" -v t="$TICK" 'BEGIN{printf "%.2f", (b-a)/t}') server-CPU-s" | tee -a "$S"
  rm -f "$OUT/$name.csv"
  for r in $(seq 1 "$RUNS"); do one_run "$name" "$r"; done
  python3 "$HERE/stats.py" "$name" "$OUT/$name.csv" | tee -a "$S"
}
median() { python3 - "$OUT/$1.csv" "$2" <<'EOF'
import csv, statistics, sys
def ms(v):
    for suf, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(suf):
            return float(v[: -len(suf)]) * f
    return float(v)
rows = list(csv.DictReader(open(sys.argv[1])))
print(statistics.median(ms(r[sys.argv[2]]) for r in rows))
EOF
}

# The twin: a copy of the database made before anything runs, served by a second server that
# no change reaches (see the twin rounds below).
TWIN=$SCRATCH/twin
[ "$TWINS" -eq 0 ] || cp -a "$DATA" "$TWIN"
# serve_on DATA_DIR LOG: a server on a free port, every thread on CPU 0; sets SERVED_PID and
# SERVED_URL (wrk needs a URL; the rotation script sets each path).
serve_on() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$BIN" serve --data-dir "$1" --listen "127.0.0.1:$port" >"$2" 2>&1 &
  SERVED_PID=$!; PIDS+=("$SERVED_PID")
  for _ in $(seq 1 600); do grep -q "listening on" "$2" && break; sleep 0.1; done
  grep -q "listening on" "$2" || { cat "$2" >&2; exit 1; }
  taskset -apc 0 "$SERVED_PID" >/dev/null
  SERVED_URL="https://127.0.0.1:$port/x"
}
serve_on "$DATA" "$OUT/serve.log"; GH_PID=$SERVED_PID; URL=$SERVED_URL
sleep 1.5; mem "idle"

measure rot "$OUT/rot.txt"; mem "after rot"
churn() { # TENANT [DATA_DIR]
  local k
  for k in $(seq 1 $(((SECS + 3) * RUNS / 2 + 10))); do
    sleep 2
    taskset -c 1 "$BIN" app create --data-dir "${2:-$DATA}" --name "churn-$k-$RANDOM" --tenant "$1" -o json >/dev/null 2>&1 || true
  done
}
churn t0001 & CH=$!; PIDS+=("$CH")
measure churn "$OUT/rot.txt"; kill "$CH" 2>/dev/null || true; mem "after churn"
churn "$(cat "$OUT/own-tenant.txt")" & CH=$!; PIDS+=("$CH")
measure churn-own "$OUT/rot.txt"; kill "$CH" 2>/dev/null || true; mem "after churn-own"
# Paired rounds: the machine's swings (±15% between sequential phases here) fall on every phase
# of a round alike. Each round runs rot, churn, churn-own and control for SECS s each, in an
# order that turns with the round, and its ratios compare phases of the same round. control is
# the same CLI invocation every 2 s on CPU 1, but into a data folder this server does not read:
# what the CLI process itself costs this 2-core machine, with no change for the server to follow.
stop_churn() { pkill -P "$CH" 2>/dev/null || true; kill "$CH" 2>/dev/null || true; wait "$CH" 2>/dev/null || true; }
export ROT_FILE=$OUT/rot.txt
CONTROL=$SCRATCH/control
[ "$ROUNDS" -eq 0 ] || "$BIN" tenant create --data-dir "$CONTROL" --name c0 -o json >/dev/null
phases=(rot churn churn-own control)
for r in $(seq 1 "$ROUNDS"); do
  for k in 0 1 2 3; do
    phase=${phases[$(((r + k) % 4))]}
    case $phase in
      rot) one_run pair-rot "$r" ;;
      churn) churn t0001 & CH=$!; PIDS+=("$CH"); one_run pair-churn "$r"; stop_churn ;;
      churn-own) churn "$(cat "$OUT/own-tenant.txt")" & CH=$!; PIDS+=("$CH"); one_run pair-churn-own "$r"; stop_churn ;;
      control) churn c0 "$CONTROL" & CH=$!; PIDS+=("$CH"); one_run pair-control "$r"; stop_churn ;;
    esac
  done
done
if [ "$ROUNDS" -gt 0 ]; then
  for phase in rot churn churn-own control; do python3 "$HERE/stats.py" "pair-$phase" "$OUT/pair-$phase.csv" | tee -a "$S"; done
  mem "after $ROUNDS paired rounds"
fi

# Twin rounds: the judge of the churn targets. This VM's speed swings ±20% between windows of
# a few seconds, more than the effect to measure, and the swings fall on whatever runs then.
# So two servers run at once, both on CPU 0, each loaded by its own wrk on CPU 1 with the same
# rotation: this one (A), whose database the changes land in, and a twin (B) on a copy of it,
# which no change reaches. The CLI's own cost to the machine falls on both loads alike. Each
# round runs three windows: quiet (no change anywhere: A against B with nothing between them),
# churn and churn-own (the changes into A's database). A round's ratio is A over B.
if [ "$TWINS" -gt 0 ]; then
  serve_on "$TWIN" "$OUT/serve-twin.log"; TWIN_PID=$SERVED_PID; URL_B=$SERVED_URL
  export ROT_FILE=$OUT/rot.txt
  taskset -c 1 wrk -t1 -c"$CONNS" -d3s -s "$HERE/rotate.lua" "$URL_B" >/dev/null   # the twin's cold pass
  twin() { # PHASE ROUND: A and B loaded at once
    one_run "twin-$1-A" "$2" "$GH_PID" "$URL" & local a=$!
    one_run "twin-$1-B" "$2" "$TWIN_PID" "$URL_B"
    wait "$a"
  }
  for r in $(seq 1 "$TWINS"); do
    twin quiet "$r"
    churn t0001 & CH=$!; PIDS+=("$CH"); twin churn "$r"; stop_churn
    churn "$(cat "$OUT/own-tenant.txt")" & CH=$!; PIDS+=("$CH"); twin churn-own "$r"; stop_churn
  done
  kill "$TWIN_PID" 2>/dev/null || true
  for phase in quiet churn churn-own; do
    for side in A B; do python3 "$HERE/stats.py" "twin-$phase-$side" "$OUT/twin-$phase-$side.csv" | tee -a "$S"; done
  done
  python3 "$HERE/rounds.py" twin "$OUT" | tee -a "$S"
fi

n=$(wc -l <"$OUT/all.txt")
measure "all$n" "$OUT/all.txt" 10; mem "after all$n (every ES256 client active)"

for phase in churn churn-own; do
  awk -v p="$phase" -v a="$(median "$phase" req_per_s)" -v b="$(median rot req_per_s)" \
      -v c="$(median "$phase" p99)" -v d="$(median rot p99)" \
      'BEGIN{printf "%s vs rot (sequential phases, medians): throughput %.3fx (target >= 0.95), p99 %.2fx (target <= 1.2)\n", p, a/b, c/d}' | tee -a "$S"
done
[ "$ROUNDS" -eq 0 ] || python3 "$HERE/rounds.py" paired "$OUT" | tee -a "$S"
echo "== end $(date -u +%FT%TZ); load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$S"
echo "results in $OUT"
