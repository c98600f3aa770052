#!/usr/bin/env python3
"""PyTorch autograd against a `convplay grad --dump` folder.

Rebuilds the network in float64 from manifest.json (torch_network.py), runs the dumped input through it in the
manifest's mode, takes softmax cross-entropy of the flattened class scores (the manifest's `scores` node)
against its `label`, and backpropagates. Compares the loss, every node's output, every parameter's gradient and
the input's gradient with convplay's files; prints one line per tensor and, per folder, a final
`TENSOR OK, maxdiff = ...` (several folders run in one process: PyTorch takes seconds to import).
Exit status 1 when any tensor differs by more than TOLERANCE relative to the largest |value| of the reference,
taken as at least 1e-4: a gradient that is zero in exact arithmetic (a conv's bias before batch norm in training
mode) is float32 rounding noise in convplay's. Deep networks with batch norm in training mode on one image are
ill-conditioned in float32: there a tensor also passes when convplay is no further from the float64 reference
than twice what PyTorch's own float32 autograd of the same network is (the `f32` column, computed in the
same run): two float32 computations that sum in different orders.

usage: torch_grad.py DUMP_DIR... [--tolerance 1e-3]
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_network import TorchNetwork  # noqa: E402


def autograd(folder, dtype):
    """The network of a dump folder rebuilt in `dtype`, its input, every node's output and the loss, backpropagated."""
    net = TorchNetwork(folder, dtype=dtype)
    x = net.input().requires_grad_(True)
    outputs = net.forward(x)
    scores = outputs[net.manifest["scores"]].reshape(1, -1)
    loss = F.cross_entropy(scores, torch.tensor([net.manifest["label"]]))
    loss.backward()
    return net, x, outputs, loss


def check_folder(folder, tolerance):
    """Compares one dump folder; prints its lines and returns True when every tensor is within tolerance."""
    net, x, outputs, loss = autograd(folder, torch.float64)
    manifest = net.manifest
    net32, x32, outputs32, loss32 = autograd(folder, torch.float32)

    failures = 0
    worst = 0.0

    def numpy(value, shape):
        return value.detach().double().numpy().reshape(shape) if torch.is_tensor(value) else value

    def check(label, ours, reference, reference32):
        nonlocal failures, worst
        reference = numpy(reference, ours.shape)
        scale = max(float(np.abs(reference).max()) if reference.size else 0.0, 1e-4)
        diff = float(np.abs(ours - reference).max()) if reference.size else 0.0
        diff32 = float(np.abs(numpy(reference32, ours.shape) - reference).max()) if reference.size else 0.0
        relative, relative32 = diff / scale, diff32 / scale
        worst = max(worst, relative)
        ok = relative <= max(tolerance, 2 * relative32)
        failures += 0 if ok else 1
        print(
            f"{label:48s} max|ref| {scale:10.3e}  maxdiff {diff:10.3e}  rel {relative:9.2e}  f32 {relative32:9.2e}  "
            + ("ok" if ok else "FAIL"))

    def grad(model, node, name):
        tensor = model.params[(node["path"], name)]
        return tensor.grad if tensor.grad is not None else torch.zeros_like(tensor)

    check("loss", np.array([manifest["loss"]["value"]]), np.array([loss.item()]), np.array([loss32.item()]))
    for node in manifest["nodes"]:
        check(node["path"] + " output", net.load(node["output"]["file"]), outputs[node["path"]][0], outputs32[node["path"]][0])
        for name, entry in node.get("gradients", {}).items():
            check(
                f"{node['path']} {node['name']} {name} grad", net.load(entry["file"]), grad(net, node, name),
                grad(net32, node, name))
    check("input grad", net.load(manifest["input_gradient"]["file"]), x.grad[0], x32.grad[0])
    if failures:
        print(f"{failures} tensor(s) FAIL, maxdiff = {worst:.3e}")
        return False
    print(f"TENSOR OK, maxdiff = {worst:.3e}")
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dumps", nargs="+")
    parser.add_argument("--tolerance", type=float, default=1e-3)
    args = parser.parse_args()
    results = []
    for folder in args.dumps:
        if len(args.dumps) > 1:
            print(f"== {folder}")
        results.append(check_folder(folder, args.tolerance))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
