#!/usr/bin/env bash
# Builds a big SQLite database through the CLI only and times it (the first half of the scale
# benchmark; bench/scale-load.sh is the second). Adapted from the project's shared
# side-by-side/scale-create.sh: same objects, same names, so both measure the same database.
#
#   bench/scale-create.sh WORKDIR [TENANTS] [SPS] [JOBS]      # defaults: 1000 20000 2
#
# WORKDIR/data gets TENANTS tenants (t0000..; even ones ES256, odd ones RS256) and SPS service
# principals (svc-00000..; SP i in tenant i % TENANTS), each one `gatehouse tenant create` /
# `gatehouse sp create-for-rbac` invocation, JOBS of them at a time (parallel shell loops; a
# failed invocation is retried up to 3 times and counted). Writes WORKDIR/creds.tsv
# (tenant, alg, tenantId, appId, password) and WORKDIR/create-summary.txt (objects per second,
# per phase and per block of 1,000).
set -euo pipefail
WORK=${1:?WORKDIR}; TENANTS=${2:-1000}; SPS=${3:-20000}; JOBS=${4:-2}
cd "$(dirname "$0")/.."
BIN=${BIN:-$PWD/target/release/gatehouse}
[ -n "${NO_BUILD:-}" ] || cargo build --release -p gatehouse
[ -x "$BIN" ] || { echo "no $BIN" >&2; exit 2; }
case "$WORK" in /*) ;; *) WORK=$OLDPWD/$WORK ;; esac
mkdir -p "$WORK"; DATA=$WORK/data; LOG=$WORK/create-log; mkdir -p "$LOG"
S=$WORK/create-summary.txt
echo "create: $TENANTS tenants, $SPS SPs, $JOBS at a time; $(date -u +%FT%TZ); load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$S"
now() { date +%s.%N; }

# One invocation with up to 3 retries; prints compact JSON; counts retries in $LOG/retries.J
try3() { # J cmd...
  local j=$1; shift; local out n
  for n in 1 2 3 4; do
    if out=$("$@" 2>>"$LOG/stderr.$j"); then printf '%s\n' "$(printf '%s' "$out" | tr -d '\n')"; return 0; fi
    echo 1 >>"$LOG/retries.$j"; sleep 0.2
  done
  echo "gave up: $*" >&2; return 1
}

# The first invocation creates the data folder and KEK alone (no race between jobs).
t0=$(now)
try3 0 "$BIN" tenant create --data-dir "$DATA" --name t0000 --signing-alg ES256 -o json >"$LOG/tenants.0"
tenant_job() { # J
  local j=$1 i alg
  for ((i = j; i < TENANTS; i += JOBS)); do
    [ "$i" -eq 0 ] && continue
    if ((i % 2 == 0)); then alg=ES256; else alg=RS256; fi
    try3 "$j" "$BIN" tenant create --data-dir "$DATA" --name "$(printf 't%04d' "$i")" --signing-alg "$alg" -o json >>"$LOG/tenants.$j"
  done
}
pids=()
for ((j = 0; j < JOBS; j++)); do tenant_job "$j" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
t1=$(now)
awk -v n="$TENANTS" -v a="$t0" -v b="$t1" -v j="$JOBS" 'BEGIN{printf "tenants: %d in %.1f s = %.1f tenants/s (%d at a time; %.0f ms per invocation)\n", n, b-a, n/(b-a), j, 1000*j*(b-a)/n}' | tee -a "$S"

sp_job() { # J
  local j=$1 i
  for ((i = j; i < SPS; i += JOBS)); do
    try3 "$j" "$BIN" sp create-for-rbac --data-dir "$DATA" -n "$(printf 'svc-%05d' "$i")" --tenant "$(printf 't%04d' $((i % TENANTS)))" -o json >>"$LOG/sps.$j"
    if (((i - j) % (1000 * JOBS) == 0)); then echo "$i $(now)" >>"$LOG/progress.$j"; fi
  done
  echo "$SPS $(now)" >>"$LOG/progress.$j"
}
t2=$(now)
pids=()
for ((j = 0; j < JOBS; j++)); do sp_job "$j" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p"; done
t3=$(now)
awk -v n="$SPS" -v a="$t2" -v b="$t3" -v j="$JOBS" 'BEGIN{printf "service principals: %d in %.1f s = %.1f SPs/s (%d at a time; %.0f ms per invocation)\n", n, b-a, n/(b-a), j, 1000*j*(b-a)/n}' | tee -a "$S"
echo "retried invocations: $(cat "$LOG"/retries.* 2>/dev/null | wc -l)" | tee -a "$S"
# rate per block of 1000 x JOBS SPs, from job 0's progress marks
awk 'NR>1 {printf "  SPs %5d..%5d: %.1f SPs/s\n", pi, $1, ($1-pi)/($2-pt)} {pi=$1; pt=$2}' "$LOG/progress.0" | tee -a "$S"

python3 - "$LOG" "$WORK/creds.tsv" "$TENANTS" <<'EOF'
import glob, json, sys
log, out, ntenants = sys.argv[1], sys.argv[2], int(sys.argv[3])
tenants = {}
for f in glob.glob(log + "/tenants.*"):
    for line in open(f):
        if line.strip():
            t = json.loads(line)
            tenants[t["id"]] = t
print("tenant json keys:", sorted(next(iter(tenants.values())).keys()))
def alg(t):
    for k in ("signingAlg", "signing_alg", "signingAlgorithm", "alg"):
        if k in t:
            return t[k]
    return "?"
def name(t):
    for k in ("name", "tenantName"):
        if k in t:
            return t[k]
    return "?"
n = 0
with open(out, "w") as w:
    for f in sorted(glob.glob(log + "/sps.*")):
        for line in open(f):
            if line.strip():
                s = json.loads(line)
                t = tenants.get(s["tenant"], {})
                w.write(f"{name(t)}\t{alg(t)}\t{s['tenant']}\t{s['appId']}\t{s['password']}\n")
                n += 1
print(f"{len(tenants)} tenants, {n} credentials in {out}")
EOF
du -sh "$DATA" | tee -a "$S"
ls -la "$DATA" | tee -a "$S"
