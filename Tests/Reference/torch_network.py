"""A convplay network rebuilt in PyTorch from a dump folder's manifest.json alone (never from convplay's code).

Each node type follows the manifest's documented attributes: conv pads are [top, left, bottom, right]; pools
use Caffe's rounding (ceil adds a window, never one that starts in the end padding) and Caffe's average
divisor (the window clipped to the padded input); LRN is across channels with alpha divided by size; dropout
multiplies by the dumped mask (`drawn.mask`) over 1 − rate; batch norm runs in training mode (the batch's own
statistics) when the manifest's mode is "training".

`TorchNetwork(folder, dtype)` loads the parameters as leaf tensors (requires_grad) and `forward(x)` returns
every node's output by path. Used by torch_grad.py (autograd against convplay's gradients) and by
bench/torch_train.py (PyTorch's training throughput on the same network).
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from reference_forward import caffe_pool_extent


def caffe_average_divisor(h, w, kernel, stride, pad, oh, ow):
    """Caffe's divisor per output: the window clipped to the padded input, (y_end − y0)·(x_end − x0)."""
    divisor = np.zeros((oh, ow))
    for oy in range(oh):
        y0 = oy * stride[0] - pad[0]
        y1 = min(y0 + kernel[0], h + pad[0])
        for ox in range(ow):
            x0 = ox * stride[1] - pad[1]
            x1 = min(x0 + kernel[1], w + pad[1])
            divisor[oy, ox] = (y1 - y0) * (x1 - x0)
    return divisor


class TorchNetwork:
    def __init__(self, folder, dtype=torch.float64, training=None, random_dropout=False):
        with open(os.path.join(folder, "manifest.json")) as f:
            self.manifest = json.load(f)
        self.folder = folder
        self.dtype = dtype
        self.training = self.manifest.get("mode") == "training" if training is None else training
        self.params = {}  # (path, name) -> leaf tensor
        self.buffers = {}
        self.masks = {}
        self.random_dropout = random_dropout  # draw PyTorch's own masks (for timing a batch) instead of the dumped one
        for node in self.manifest["nodes"]:
            for name, entry in node.get("parameters", {}).items():
                tensor = torch.tensor(self.load(entry["file"]), dtype=dtype)
                if name in ("weight", "bias"):
                    tensor.requires_grad_(True)
                    self.params[(node["path"], name)] = tensor
                else:
                    self.buffers[(node["path"], name)] = tensor
            mask = node.get("drawn", {}).get("mask")
            if mask is not None:
                self.masks[node["path"]] = torch.tensor(self.load(mask["file"]), dtype=dtype)

    def load(self, file):
        return np.load(os.path.join(self.folder, file)).astype(np.float64)

    def input(self):
        return torch.tensor(self.load(self.manifest["input"]["file"]), dtype=self.dtype).unsqueeze(0)

    def forward(self, x):
        """Every node's output (batch axis first) by path, each computed from the reference's own results."""
        out = {"input": x}
        for node in self.manifest["nodes"]:
            out[node["path"]] = self.node(node, out)
        return out

    def node(self, node, out):
        kind, path, a = node["type"], node["path"], node["attributes"]
        if kind == "parallel":
            block_input = out[node["input"]]
            parts = [block_input if b == "input-of-block" else out[b] for b in a["branches"]]
            if a["merge"] == "concat":
                return torch.cat(parts, dim=1)
            total = parts[0]
            for part in parts[1:]:
                total = total + part
            return total
        x = out[node["input"]]
        w = self.params.get((path, "weight"))
        b = self.params.get((path, "bias"))
        if kind == "conv":
            top, left, bottom, right = a["pads"]
            xp = F.pad(x, (left, right, top, bottom))
            return F.conv2d(xp, w, b, stride=tuple(a["stride"]), dilation=tuple(a["dilation"]), groups=a["groups"])
        if kind == "pool":
            return self.pool(x, a)
        if kind == "global_avg_pool":
            return x.mean(dim=(2, 3), keepdim=True)
        if kind == "activation":
            k = a["kind"]
            if k == "relu":
                return F.relu(x)
            if k == "leaky_relu":
                return F.leaky_relu(x, a["slope"])
            if k == "sigmoid":
                return torch.sigmoid(x)
            if k == "tanh":
                return torch.tanh(x)
            if k == "clip":
                return F.hardtanh(x, a["min"], a["max"])
            if k == "hardswish":
                return F.hardswish(x)
            raise ValueError("unknown activation " + k)
        if kind == "batch_norm":
            mean = self.buffers[(path, "running_mean")].clone()
            var = self.buffers[(path, "running_var")].clone()
            return F.batch_norm(x, mean, var, w, b, training=self.training, momentum=0.1, eps=a["eps"])
        if kind == "lrn":
            return F.local_response_norm(x, a["size"], alpha=a["alpha"], beta=a["beta"], k=a["k"])
        if kind == "dropout":
            if not self.training or a["rate"] == 0:
                return x
            if self.random_dropout:
                return F.dropout(x, a["rate"], training=True)
            return x * self.masks[path].reshape(x.shape) / (1 - a["rate"])
        if kind == "flatten":
            return x.reshape(x.shape[0], -1, 1, 1)
        if kind == "dense":
            return F.linear(x.reshape(x.shape[0], -1), w, b).reshape(x.shape[0], -1, 1, 1)
        if kind == "lateral":
            return x + torch.einsum("ij,nihw->njhw", w, x)
        if kind == "softmax":
            return F.softmax(x, dim=1)
        raise ValueError("unknown node type " + kind)

    def pool(self, x, a):
        kernel, stride, pad = a["kernel"], a["stride"], a["pad"]
        h, w = x.shape[2], x.shape[3]
        oh = caffe_pool_extent(h, kernel[0], stride[0], pad[0], a["rounding"])
        ow = caffe_pool_extent(w, kernel[1], stride[1], pad[1], a["rounding"])
        # pad the end so that floor rounding over the padded extent gives Caffe's extent (crop when negative)
        bottom = (oh - 1) * stride[0] + kernel[0] - h - pad[0]
        right = (ow - 1) * stride[1] + kernel[1] - w - pad[1]
        if a["kind"] == "max":
            xp = F.pad(x, (pad[1], right, pad[0], bottom), value=-math.inf)
            return F.max_pool2d(xp, tuple(kernel), tuple(stride))
        xp = F.pad(x, (pad[1], right, pad[0], bottom))
        sums = F.avg_pool2d(xp, tuple(kernel), tuple(stride)) * (kernel[0] * kernel[1])
        divisor = torch.tensor(caffe_average_divisor(h, w, kernel, stride, pad, oh, ow), dtype=x.dtype)
        return sums / divisor
