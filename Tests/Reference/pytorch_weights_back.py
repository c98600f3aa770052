#!/usr/bin/env python3
"""Stands in for training in PyTorch: changes an exported module's weights and saves them the way a user would.

usage: pytorch_weights_back.py FOLDER

FOLDER holds a convplay export (model.py, weights.safetensors) and input.npy. Every float tensor of the state_dict
is scaled by 1.25 and shifted by 0.01 (batch norm variances stay positive), saved with safetensors.torch.save_file
as FOLDER/trained.safetensors, and the module's output on input.npy with those weights as FOLDER/trained.npy.
"""
import importlib.util
import os
import sys

import numpy as np
import torch
from safetensors.torch import load_file, save_file


def main():
    folder = sys.argv[1]
    spec = importlib.util.spec_from_file_location("exported", os.path.join(folder, "model.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.Net()
    state = load_file(os.path.join(folder, "weights.safetensors"))
    trained = {k: (v * 1.25 + 0.01 if v.is_floating_point() else v + 1) for k, v in state.items()}
    model.load_state_dict(trained, strict=True)
    model.eval()
    save_file(model.state_dict(), os.path.join(folder, "trained.safetensors"))
    x = torch.from_numpy(np.load(os.path.join(folder, "input.npy")).astype(np.float32))[None]
    with torch.no_grad():
        np.save(os.path.join(folder, "trained.npy"), model(x)[0].numpy().astype(np.float32))
    print(f"saved {len(trained)} tensors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
