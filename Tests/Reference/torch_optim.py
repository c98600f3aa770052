#!/usr/bin/env python3
"""torch.optim's SGD, Adam and AdamW over a given sequence of gradients, for convplay's optimiser tests.

Reads a JSON list from stdin, each item {"kind": "sgd"|"adam"|"adamw", "lr": [rate per step], "momentum", "nesterov",
"weight_decay", "weight": [...], "bias": [...], "gradients": [{"weight": [...], "bias": [...]}, ...]} and
prints a list of {"weight": [...], "bias": [...]}, one per item, after one step per gradient, in float32.
"""
import json
import sys

import torch

def run(spec):
    weight = torch.tensor(spec["weight"], dtype=torch.float32, requires_grad=True)
    bias = torch.tensor(spec["bias"], dtype=torch.float32, requires_grad=True)
    params = [weight, bias]
    kind, decay = spec["kind"], spec["weight_decay"]
    if kind == "sgd":
        optimizer = torch.optim.SGD(params, lr=spec["lr"][0], momentum=spec["momentum"], nesterov=spec["nesterov"],
                                    weight_decay=decay)
    elif kind == "adam":
        optimizer = torch.optim.Adam(params, lr=spec["lr"][0], weight_decay=decay)
    else:
        optimizer = torch.optim.AdamW(params, lr=spec["lr"][0], weight_decay=decay)
    for rate, gradient in zip(spec["lr"], spec["gradients"]):
        for group in optimizer.param_groups:
            group["lr"] = rate
        weight.grad = torch.tensor(gradient["weight"], dtype=torch.float32)
        bias.grad = torch.tensor(gradient["bias"], dtype=torch.float32)
        optimizer.step()
    return {"weight": weight.detach().tolist(), "bias": bias.detach().tolist()}


print(json.dumps([run(spec) for spec in json.load(sys.stdin)]))
