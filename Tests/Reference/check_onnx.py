#!/usr/bin/env python3
"""Checks a convplay ONNX export: the onnx checker, then onnxruntime's output against convplay's.

usage: check_onnx.py MODEL.onnx INPUT.npy EXPECTED.npy [--tolerance 1e-4]
       check_onnx.py --folder DIR [--tolerance 1e-4]

With --folder, every DIR/NAME.onnx is checked against DIR/NAME.input.npy and DIR/NAME.expected.npy, one line each
(one process for many models: onnxruntime is imported once).

INPUT.npy is the network input (C, H, W); EXPECTED.npy is convplay's output (C, H, W). Prints the model's
opset and node count, then `TENSOR OK, maxdiff = ...`. Exit status 1 when the checker fails, the shapes
differ, or the largest difference exceeds TOLERANCE relative to the largest |value| of onnxruntime's output.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?")
    parser.add_argument("input", nargs="?")
    parser.add_argument("expected", nargs="?")
    parser.add_argument("--folder")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    if args.folder:
        failed = 0
        for name in sorted(f[:-5] for f in os.listdir(args.folder) if f.endswith(".onnx")):
            base = os.path.join(args.folder, name)
            print(f"{name}: ", end="")
            failed += check(base + ".onnx", base + ".input.npy", base + ".expected.npy", args.tolerance) != 0
        print(f"{failed} of the models failed")
        return 1 if failed else 0
    return check(args.model, args.input, args.expected, args.tolerance)


def check(model_path, input_path, expected_path, tolerance):
    model = onnx.load(model_path)
    onnx.checker.check_model(model, full_check=True)
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
    print(f"checker ok: ir_version {model.ir_version}, opset {opsets}, {len(model.graph.node)} nodes")

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    x = np.load(input_path).astype(np.float32)
    (y,) = session.run(["output"], {"input": x[None]})
    y = y[0].astype(np.float64)
    expected = np.load(expected_path).astype(np.float64)
    if y.shape != expected.shape:
        print(f"SHAPE MISMATCH: onnxruntime {list(y.shape)} vs convplay {list(expected.shape)}")
        return 1
    diff = float(np.abs(y - expected).max())
    rel = diff / max(float(np.abs(y).max()), 1e-30)
    verdict = "TENSOR OK" if rel <= tolerance else "TENSOR MISMATCH"
    print(f"{verdict}, maxdiff = {diff:.3e}, relative = {rel:.3e}, output {list(y.shape)}")
    return 0 if rel <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
