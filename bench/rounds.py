#!/usr/bin/env python3
"""The per-round ratios of bench/scale-load.sh's rounds (runs.csv files written by its one_run).

    rounds.py twin OUTDIR     twin rounds: this server (A) over its twin (B), per window
    rounds.py paired OUTDIR   paired rounds of one server: each phase over rot, and over control
"""
import csv
import statistics
import sys


def ms(v):
    for suf, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(suf):
            return float(v[: -len(suf)]) * f
    return float(v)


def rows(out, name):
    return {int(r["run"]): r for r in csv.DictReader(open(f"{out}/{name}.csv"))}


def trio(xs):
    return "/".join(f"{x:.3f}" for x in (min(xs), statistics.median(xs), max(xs)))


def ratios(a, b, column, value=float):
    both = [k for k in sorted(a) if k in b]
    return [value(a[k][column]) / value(b[k][column]) for k in both]


def twin(out):
    for phase in ("quiet", "churn", "churn-own"):
        a, b = rows(out, f"twin-{phase}-A"), rows(out, f"twin-{phase}-B")
        tp = ratios(a, b, "req_per_s")
        cpu = ratios(a, b, "req_per_server_cpu_s")
        p99 = ratios(a, b, "p99", ms)
        what = "(A/A: no change anywhere)" if phase == "quiet" else "(target >= 0.95)"
        print(f"twin {phase}, A over B, {len(tp)} rounds (min/median/max): throughput {trio(tp)}x {what}, "
              f"tokens per server-CPU-s {trio(cpu)}x, p99 {trio(p99)}x" + ("" if phase == "quiet" else " (target <= 1.2)"))


def paired(out):
    rot, ctl = rows(out, "pair-rot"), rows(out, "pair-control")
    for phase in ("churn", "churn-own", "control"):
        ch = rows(out, f"pair-{phase}")
        tp = ratios(ch, rot, "req_per_s")
        p99 = ratios(ch, rot, "p99", ms)
        what = "(no change for the server: the CLI process's own cost)" if phase == "control" else "(target >= 0.95)"
        print(f"{phase} vs rot, paired over {len(tp)} rounds (min/median/max of the rounds' ratios): "
              f"throughput {trio(tp)}x {what}, p99 {trio(p99)}x (target <= 1.2)")
        if phase != "control":
            print(f"  {phase} vs control (what following the changes costs the server): "
                  f"throughput {trio(ratios(ch, ctl, 'req_per_s'))}x")


if __name__ == "__main__":
    {"twin": twin, "paired": paired}[sys.argv[1]](sys.argv[2])
