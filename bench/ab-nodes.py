#!/usr/bin/env python3
"""Two convplay binaries on one preset, alternating processes (old, new, old, new, …): per node and in total, each
side's smallest per-process median (the undisturbed machine) and the median of the medians, and the ratios new / old.
usage: bench/ab-nodes.py OLD_BIN NEW_BIN PRESET [--threads N] [--rounds N] [--runs N] [--min-ms X] [--isa avx2]"""
import argparse, json, statistics, subprocess

parser = argparse.ArgumentParser()
parser.add_argument("old"), parser.add_argument("new"), parser.add_argument("preset")
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--rounds", type=int, default=8)
parser.add_argument("--runs", type=int, default=30)
parser.add_argument("--min-ms", type=float, default=0.05, help="nodes faster than this on both sides are left out")
parser.add_argument("--isa", help="both sides' kernels capped at this instruction set (convplay bench --isa)")
args = parser.parse_args()

times = {"old": [], "new": []}
for _ in range(args.rounds):
    for side in ("old", "new"):
        command = [getattr(args, side), "bench", args.preset, "--threads", str(args.threads), "--runs", str(args.runs), "--json"]
        command += ["--isa", args.isa] if args.isa else []
        report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        row = {node["path"] + " " + node["name"]: node["median_ms"] for node in report["nodes"]}
        row["total"] = report["total"]["median_ms"]
        times[side].append(row)

print(f"{args.preset}, {args.threads} thread(s){', ' + args.isa if args.isa else ''}, {args.rounds} alternating processes a side of {args.runs} runs")
print(f"{'node':50} {'old min':>8} {'new min':>8} {'ratio':>6} {'old med':>8} {'new med':>8} {'ratio':>6}")
for key in times["old"][0]:
    old = [row[key] for row in times["old"]]
    new = [row[key] for row in times["new"]]
    if key != "total" and max(min(old), min(new)) < args.min_ms:
        continue
    mo, mn, do, dn = min(old), min(new), statistics.median(old), statistics.median(new)
    print(f"{key:50} {mo:8.3f} {mn:8.3f} {mn / mo:6.3f} {do:8.3f} {dn:8.3f} {dn / do:6.3f}")
