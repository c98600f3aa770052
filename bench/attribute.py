#!/usr/bin/env python3
"""Per-node attribution: where convplay loses time against onnxruntime on one network.

Reads `convplay bench PRESET --json` (per-node medians, in execution order) and `ort_time.py --profile` (per-node
kernel medians of onnxruntime's optimised graph) and matches the two graphs. onnxruntime fuses nodes (conv with
its batch norm and activation, layout reorders around NCHWc convs) and names a fused node by the output value it
writes, which `convplay export` names by node path, or by the first node's name (`name@path` when not unique);
a node exported as several ONNX nodes names them NAME/PART.
So each onnxruntime node is matched to one of ours, and each of our nodes it swallowed joins that group: a node
with MACs (conv, dense) waits for the node that ends its chain, anything else (batch norm, ReLU, clip, add, dropout) joins the group of
the node before it. onnxruntime nodes with no counterpart (layout reorders) form one group of their own, with
convplay's own reorders between layouts (its rows marked "reorder").

Prints the groups where convplay's time exceeds onnxruntime's the most.

usage: attribute.py CONVPLAY_JSON ORT_JSON [--top N]
"""
import argparse
import json


def match(ort_name: str, paths: set, by_name: dict):
    """The convplay node path an onnxruntime node name refers to, or None."""
    for suffix in ("_nchwc", ""):
        base = ort_name[: -len(suffix)] if suffix and ort_name.endswith(suffix) else ort_name
        if base in paths:
            return base
        if "@" in base and base.split("@", 1)[1] in paths:
            return base.split("@", 1)[1]
        if base in by_name:
            return by_name[base]
    # a node exported as several ONNX nodes (a dense layer: NAME/flatten, NAME/gemm, then NAME) is named NAME/PART
    if "/" in ort_name:
        return match(ort_name.rsplit("/", 1)[0], paths, by_name)
    return None


def groups(ours: list, theirs: list) -> list:
    """[(convplay nodes, convplay ms, onnxruntime nodes, onnxruntime ms)] covering both graphs once."""
    reorders = [n for n in ours if n.get("reorder")]
    ours = [n for n in ours if not n.get("reorder")]
    paths = {n["path"] for n in ours}
    names = [n["name"] for n in ours]
    by_name = {n["name"]: n["path"] for n in ours if names.count(n["name"]) == 1}
    ort_at = {}
    unmatched = []
    for node in theirs:
        path = match(node["name"], paths, by_name)
        if path is None:
            unmatched.append(node)
        else:
            ort_at.setdefault(path, []).append(node)
    result, pending = [], []
    for node in ours:
        if node["path"] in ort_at:
            result.append([pending + [node], ort_at[node["path"]]])
            pending = []
        elif pending or not result or node["macs"] > 0:
            pending.append(node)
        else:
            result[-1][0].append(node)
    if pending:
        result.append([pending, []])
    if unmatched or reorders:
        result.append([reorders, unmatched])
    return [
        (g_ours, sum(n["median_ms"] for n in g_ours), g_theirs, sum(n["median_ms"] for n in g_theirs))
        for g_ours, g_theirs in result
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("convplay")
    parser.add_argument("ort")
    parser.add_argument("--top", type=int, default=6)
    args = parser.parse_args()
    with open(args.convplay) as f:
        ours = json.load(f)
    with open(args.ort) as f:
        theirs = json.load(f)
    rows = groups(ours["nodes"], theirs["nodes"])
    cp_sum = sum(r[1] for r in rows)
    ort_sum = sum(r[3] for r in rows)
    print(f"{ours['preset']} · {ours['threads']} thread(s) · node sums: convplay {cp_sum:.3f} ms, "
          f"onnxruntime {ort_sum:.3f} ms (profiled kernels)")
    print(f"  {'convplay nodes':<44} {'onnxruntime nodes':<30} {'convplay ms':>11} {'ort ms':>8} {'lost ms':>8} {'ratio':>6}")
    for g_ours, cp_ms, g_theirs, ort_ms in sorted(rows, key=lambda r: r[3] - r[1])[: args.top]:
        left = " + ".join(n["name"] for n in g_ours) or "(onnxruntime only)"
        right = " + ".join(f"{n['op']}" for n in g_theirs) or "(none)"
        ratio = f"{cp_ms / ort_ms:.2f}" if ort_ms > 0 else "–"
        print(f"  {left[:44]:<44} {right[:30]:<30} {cp_ms:>11.3f} {ort_ms:>8.3f} {cp_ms - ort_ms:>8.3f} {ratio:>6}")


if __name__ == "__main__":
    main()
