#!/usr/bin/env python3
"""Checks convplay's PyTorch exports: each module builds with no arguments, its state_dict keys are exactly the
tensors of weights.safetensors (load_state_dict strict), and in eval mode its output equals convplay's.

usage: check_pytorch.py FOLDER [--tolerance 1e-4]

Every subfolder CASE of FOLDER holds model.py, weights.safetensors, input.npy (C, H, W) and expected.npy (convplay's
output, C, H, W). Prints one line per case, `TENSOR OK, maxdiff = ...`, then how many failed; exit status 1 when
any did (relative difference over the largest |value| of convplay's output above TOLERANCE).
"""
import argparse
import importlib.util
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file


def check(folder, tolerance):
    spec = importlib.util.spec_from_file_location(f"convplay_export_{os.path.basename(folder)}", os.path.join(folder, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.Net()
    weights = load_file(os.path.join(folder, "weights.safetensors"))
    own = set(model.state_dict())
    if own != set(weights):
        print(f"STATE DICT MISMATCH: only in model.py {sorted(own - set(weights))[:5]}, only in the file {sorted(set(weights) - own)[:5]}")
        return 1
    model.load_state_dict(weights, strict=True)
    model.eval()
    x = torch.from_numpy(np.load(os.path.join(folder, "input.npy")).astype(np.float32))[None]
    with torch.no_grad():
        y = model(x)[0].double().numpy()
    expected = np.load(os.path.join(folder, "expected.npy")).astype(np.float64)
    y = y.reshape(expected.shape) if y.size == expected.size else y
    if y.shape != expected.shape:
        print(f"SHAPE MISMATCH: torch {list(y.shape)} vs convplay {list(expected.shape)}")
        return 1
    diff = float(np.abs(y - expected).max())
    rel = diff / max(float(np.abs(expected).max()), 1e-30)
    verdict = "TENSOR OK" if rel <= tolerance else "TENSOR MISMATCH"
    print(f"{verdict}, maxdiff = {diff:.3e}, relative = {rel:.3e}, {len(weights)} tensors")
    return 0 if rel <= tolerance else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    torch.set_num_threads(2)
    failed = 0
    for case in sorted(os.listdir(args.folder)):
        print(f"{case}: ", end="", flush=True)
        try:
            failed += check(os.path.join(args.folder, case), args.tolerance) != 0
        except Exception as error:  # a module that does not build or run is a failed case, reported as such
            print(f"ERROR {type(error).__name__}: {error}")
            failed += 1
    print(f"{failed} of the modules failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
