#!/usr/bin/env python3
"""Checks a convplay ONNX export: the onnx checker, then onnxruntime's output against convplay's.

usage: check_onnx.py MODEL.onnx INPUT.npy EXPECTED.npy [--tolerance 1e-4]

INPUT.npy is the network input (C, H, W); EXPECTED.npy is convplay's output (C, H, W). Prints the model's
opset and node count, then `TENSOR OK, maxdiff = ...`. Exit status 1 when the checker fails, the shapes
differ, or the largest difference exceeds TOLERANCE relative to the largest |value| of onnxruntime's output.
"""
import argparse
import sys

import numpy as np
import onnx
import onnxruntime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("input")
    parser.add_argument("expected")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()

    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    opsets = ", ".join(f"{o.domain or 'ai.onnx'} {o.version}" for o in model.opset_import)
    print(f"checker ok: ir_version {model.ir_version}, opset {opsets}, {len(model.graph.node)} nodes")

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(args.model, options, providers=["CPUExecutionProvider"])
    x = np.load(args.input).astype(np.float32)
    (y,) = session.run(["output"], {"input": x[None]})
    y = y[0].astype(np.float64)
    expected = np.load(args.expected).astype(np.float64)
    if y.shape != expected.shape:
        print(f"SHAPE MISMATCH: onnxruntime {list(y.shape)} vs convplay {list(expected.shape)}")
        return 1
    diff = float(np.abs(y - expected).max())
    rel = diff / max(float(np.abs(y).max()), 1e-30)
    verdict = "TENSOR OK" if rel <= args.tolerance else "TENSOR MISMATCH"
    print(f"{verdict}, maxdiff = {diff:.3e}, relative = {rel:.3e}, output {list(y.shape)}")
    return 0 if rel <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
