#!/usr/bin/env python3
"""Independent numpy forward pass over a convplay dump folder.

Reads DUMP/manifest.json (written by `convplay run --dump DIR`), recomputes every node in float64 from the
reference's OWN previous results (never convplay's outputs) with plain numpy, and compares each node with
convplay's dumped output. Prints one line per node and a final `TENSOR OK, maxdiff = ...` line.
Exit status 1 when any node differs by more than TOLERANCE relative to the largest |value| of its
reference output (or when a shape differs).

usage: reference_forward.py DUMP_DIR [--tolerance 1e-4]
"""
import argparse
import json
import math
import os
import sys

import numpy as np


def conv2d(x, weight, bias, stride, pads, dilation, groups):
    """x (C, H, W), weight (K, C/groups, KH, KW) -> (K, OH, OW); pads = top, left, bottom, right."""
    c, h, w = x.shape
    k, cg, kh, kw = weight.shape
    top, left, bottom, right = pads
    xp = np.zeros((c, h + top + bottom, w + left + right))
    xp[:, top:top + h, left:left + w] = x
    oh = (h + top + bottom - ((kh - 1) * dilation[0] + 1)) // stride[0] + 1
    ow = (w + left + right - ((kw - 1) * dilation[1] + 1)) // stride[1] + 1
    out = np.zeros((k, oh, ow))
    kg = k // groups
    for g in range(groups):
        wg = weight[g * kg:(g + 1) * kg]
        xg = xp[g * cg:(g + 1) * cg]
        for ky in range(kh):
            for kx in range(kw):
                y0, x0 = ky * dilation[0], kx * dilation[1]
                patch = xg[:, y0:y0 + (oh - 1) * stride[0] + 1:stride[0], x0:x0 + (ow - 1) * stride[1] + 1:stride[1]]
                out[g * kg:(g + 1) * kg] += np.tensordot(wg[:, :, ky, kx], patch, axes=(1, 0))
    if bias is not None:
        out += bias[:, None, None]
    return out


def caffe_pool_extent(size, kernel, stride, pad, rounding):
    """The pooled output size. Caffe's ceil may add a window, never one that starts in the end padding (with
    padding); PyTorch's ceil ("ceil_torch") never one that starts at or past size + pad."""
    if rounding == "floor":
        return (size + 2 * pad - kernel) // stride + 1
    out = int(math.ceil((size + 2 * pad - kernel) / stride)) + 1
    if (pad > 0 or rounding == "ceil_torch") and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def pool2d(x, kind, kernel, stride, pad, rounding, count_include_pad=True):
    """Caffe pooling; the average divides by the window clipped to the padded input (padding counts) or, without
    count_include_pad, by the input values it holds. A window holding no input gives 0."""
    c, h, w = x.shape
    oh = caffe_pool_extent(h, kernel[0], stride[0], pad[0], rounding)
    ow = caffe_pool_extent(w, kernel[1], stride[1], pad[1], rounding)
    out = np.zeros((c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            hs, ws = i * stride[0] - pad[0], j * stride[1] - pad[1]
            he, we = min(hs + kernel[0], h + pad[0]), min(ws + kernel[1], w + pad[1])
            window = x[:, max(hs, 0):min(he, h), max(ws, 0):min(we, w)]
            divisor = (he - hs) * (we - ws) if count_include_pad else window.shape[1] * window.shape[2]
            if window.size == 0:
                out[:, i, j] = 0
            elif kind == "max":
                out[:, i, j] = window.max(axis=(1, 2))
            else:
                out[:, i, j] = window.sum(axis=(1, 2)) / divisor
    return out


def lrn(x, size, alpha, beta, k):
    """Caffe LRN across channels: x / (k + alpha/size * sum of squares over the size channels around c)^beta."""
    c = x.shape[0]
    squares = x * x
    out = np.empty_like(x)
    for ch in range(c):
        lo, hi = max(0, ch - size // 2), min(c - 1, ch + size // 2)
        out[ch] = x[ch] / (k + alpha / size * squares[lo:hi + 1].sum(axis=0)) ** beta
    return out


def load(folder, entry):
    return np.load(os.path.join(folder, entry["file"])).astype(np.float64)


def compute(node, x, results, folder):
    """One node's reference output from its input x (and, for a block, the branch results)."""
    kind, a = node["type"], node.get("attributes", {})
    p = {name: load(folder, entry) for name, entry in node.get("parameters", {}).items()}
    if kind == "conv":
        return conv2d(x, p["weight"], p.get("bias"), a["stride"], a["pads"], a["dilation"], a["groups"])
    if kind == "pool":
        return pool2d(x, a["kind"], a["kernel"], a["stride"], a["pad"], a["rounding"], a["count_include_pad"])
    if kind == "global_avg_pool":
        return x.mean(axis=(1, 2), keepdims=True)
    if kind == "activation":
        act = a["kind"]
        if act == "relu":
            return np.maximum(x, 0)
        if act == "leaky_relu":
            return np.where(x > 0, x, a["slope"] * x)
        if act == "sigmoid":
            return 1 / (1 + np.exp(-x))
        if act == "tanh":
            return np.tanh(x)
        if act == "clip":
            return np.clip(x, a["min"], a["max"])
        if act == "hardswish":
            return x * np.clip(x + 3, 0, 6) / 6
        raise ValueError(f"unknown activation {act}")
    if kind == "batch_norm":
        scale = p["weight"] / np.sqrt(p["running_var"] + a["eps"])
        return (x - p["running_mean"][:, None, None]) * scale[:, None, None] + p["bias"][:, None, None]
    if kind == "lrn":
        return lrn(x, a["size"], a["alpha"], a["beta"], a["k"])
    if kind == "dropout":
        return x
    if kind == "flatten":
        return x.reshape(-1, 1, 1)
    if kind == "dense":
        y = p["weight"] @ x.reshape(-1)
        if "bias" in p:
            y = y + p["bias"]
        return y.reshape(-1, 1, 1)
    if kind == "softmax":
        e = np.exp(x - x.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)
    if kind == "lateral":
        m = p["weight"]  # y_j = z_j + sum_i M[i, j] z_i
        return x + np.einsum("ij,ihw->jhw", m, x)
    if kind == "parallel":
        parts = [x if last == "input-of-block" else results[last] for last in a["branches"]]
        if a["merge"] == "concat":
            return np.concatenate(parts, axis=0)
        return sum(parts)
    raise ValueError(f"unknown node type {kind}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", help="folder with manifest.json and .npy files")
    parser.add_argument("--tolerance", type=float, default=1e-4, help="largest relative difference allowed")
    args = parser.parse_args()

    with open(os.path.join(args.dump, "manifest.json")) as f:
        manifest = json.load(f)
    results = {"input": load(args.dump, manifest["input"])}
    worst_abs, worst_rel, failures = 0.0, 0.0, 0
    for node in manifest["nodes"]:
        x = results[node["input"]]
        ours = np.load(os.path.join(args.dump, node["output"]["file"])).astype(np.float64)
        ref = compute(node, x, results, args.dump)
        results[node["path"]] = ref
        label = f'{node["path"]:<34} {node["name"]:<22} {node["type"]:<16}'
        if ref.shape != ours.shape:
            print(f"{label} SHAPE reference {list(ref.shape)} vs convplay {list(ours.shape)}")
            failures += 1
            continue
        diff = float(np.abs(ref - ours).max()) if ref.size else 0.0
        rel = diff / max(float(np.abs(ref).max()), 1e-30) if ref.size else 0.0
        status = "ok" if rel <= args.tolerance else "FAIL"
        failures += status == "FAIL"
        worst_abs, worst_rel = max(worst_abs, diff), max(worst_rel, rel)
        print(f"{label} {str(list(ref.shape)):<16} maxdiff {diff:.3e}  relative {rel:.3e}  {status}")
    nodes = len(manifest["nodes"])
    if failures:
        print(f"TENSOR MISMATCH in {failures} of {nodes} nodes, maxdiff = {worst_abs:.3e}, relative = {worst_rel:.3e}")
        return 1
    print(f"TENSOR OK, maxdiff = {worst_abs:.3e}, relative = {worst_rel:.3e} over {nodes} nodes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
