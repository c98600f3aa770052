#!/usr/bin/env python3
"""Two convplay runs on one preset, alternating processes (old, new, old, new, …): per node and in total, each side's
smallest per-process median (the undisturbed machine) and the median of the medians, and the ratios new / old.
The sides are two binaries, or one binary at two thread counts or instruction sets:
  bench/ab-nodes.py OLD_BIN NEW_BIN PRESET [--threads N] [--isa avx2]        two builds
  bench/ab-nodes.py BIN BIN resnet50 --new-threads 2 --ideal 0.5 --sort      where the second thread pays least
  bench/ab-nodes.py BIN BIN mobilenet-v2 --new-isa avx2 --sort --top 14      where AVX2 loses most against AVX-512
--sort orders the nodes by the time new loses against `ideal` × old (smallest per-process medians)."""
import argparse, json, statistics, subprocess

parser = argparse.ArgumentParser()
parser.add_argument("old"), parser.add_argument("new"), parser.add_argument("preset")
parser.add_argument("--threads", type=int, default=1, help="both sides' threads")
parser.add_argument("--new-threads", type=int, help="the new side's threads instead")
parser.add_argument("--isa", help="both sides' kernels capped at this instruction set (convplay bench --isa)")
parser.add_argument("--new-isa", help="the new side's instruction set instead")
parser.add_argument("--rounds", type=int, default=8)
parser.add_argument("--runs", type=int, default=30)
parser.add_argument("--min-ms", type=float, default=0.05, help="nodes faster than this on both sides are left out")
parser.add_argument("--ideal", type=float, default=1.0, help="the new / old ratio that loses nothing (0.5: 1 → 2 threads)")
parser.add_argument("--sort", action="store_true", help="nodes by time lost against the ideal, most first")
parser.add_argument("--top", type=int, help="only this many nodes")
args = parser.parse_args()
sides = {
    "old": (args.old, args.threads, args.isa),
    "new": (args.new, args.new_threads or args.threads, args.new_isa or args.isa),
}

times = {"old": [], "new": []}
for _ in range(args.rounds):
    for side, (binary, threads, isa) in sides.items():
        command = [binary, "bench", args.preset, "--threads", str(threads), "--runs", str(args.runs), "--json"]
        command += ["--isa", isa] if isa else []
        report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        row = {node["path"] + " " + node["name"]: node["median_ms"] for node in report["nodes"]}
        row["total"] = report["total"]["median_ms"]
        times[side].append(row)

def describe(side):
    binary, threads, isa = sides[side]
    return f"{side} {binary}, {threads} thread(s){', ' + isa if isa else ''}"

print(f"{args.preset}: {describe('old')} against {describe('new')}; {args.rounds} alternating processes a side of {args.runs} runs")
rows = []
for key in times["old"][0]:
    old = [row[key] for row in times["old"]]
    new = [row[key] for row in times["new"]]
    if key != "total" and max(min(old), min(new)) < args.min_ms:
        continue
    rows.append((key, min(old), min(new), statistics.median(old), statistics.median(new)))
nodes, total = [row for row in rows if row[0] != "total"], [row for row in rows if row[0] == "total"]
if args.sort:
    nodes.sort(key=lambda row: row[2] - args.ideal * row[1], reverse=True)
print(f"{'node':50} {'old min':>8} {'new min':>8} {'ratio':>6} {'old med':>8} {'new med':>8} {'ratio':>6} {'lost ms':>8}")
for key, mo, mn, do, dn in nodes[: args.top] + total:
    print(f"{key:50} {mo:8.3f} {mn:8.3f} {mn / mo:6.3f} {do:8.3f} {dn:8.3f} {dn / do:6.3f} {mn - args.ideal * mo:8.3f}")
