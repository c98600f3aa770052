#!/usr/bin/env python3
"""PyTorch's training throughput on a convplay network: forward, backward and SGD with momentum per batch.

The network is rebuilt in float32 from a `convplay grad --dump` folder's manifest by Tests/Reference/torch_network.py
(Caffe pools, LRN, lateral as there; dropout with PyTorch's own masks), fed random images and labels as
`convplay bench-train` is. Prints JSON: median step time and images/s over --steps steps after warm-up.

usage: torch_train.py DUMP_DIR --batch N --threads N [--steps N]
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Reference"))
from torch_network import TorchNetwork  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dump")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(7)

    net = TorchNetwork(args.dump, dtype=torch.float32, training=True, random_dropout=True)
    manifest = net.manifest
    shape = manifest["input"]["shape"]
    scores_path = manifest["scores"]
    parameters = list(net.params.values())
    optimizer = torch.optim.SGD(parameters, lr=0.01, momentum=0.9)
    classes = None
    times = []
    for step in range(args.steps + 2):
        x = torch.rand(args.batch, *shape)
        start = time.perf_counter()
        outputs = net.forward(x)
        scores = outputs[scores_path].reshape(args.batch, -1)
        if classes is None:
            classes = scores.shape[1]
        labels = torch.randint(0, classes, (args.batch,))
        loss = F.cross_entropy(scores, labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step >= 2:
            times.append(time.perf_counter() - start)
    times.sort()
    median = times[len(times) // 2]
    print(json.dumps({"median_step_ms": median * 1000, "images_per_second": args.batch / median,
                      "torch": torch.__version__, "threads": args.threads}))


if __name__ == "__main__":
    main()
