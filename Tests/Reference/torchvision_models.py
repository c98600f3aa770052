#!/usr/bin/env python3
"""Exports torchvision's GoogLeNet, SqueezeNet 1.0, MobileNetV2 and ResNet-50 to ONNX for the import tests.

usage: torchvision_models.py OUT_DIR [NAME ...]

Weights are torchvision's own random initialisation (seeded; pretrained downloads are out of reach here), with
every batch norm's statistics and affine parameters drawn too, so importing them is tested for real. Each model is
exported by torch.onnx (the TorchScript exporter, opset 17, batch norm kept as BatchNormalization) to
OUT_DIR/NAME.onnx; OUT_DIR/NAME.input.npy is a random input (3, 224, 224) and OUT_DIR/NAME.expected.npy is
onnxruntime's output for it (1000, 1, 1). OUT_DIR/NAME.json records torchvision's parameter count and the
torch, torchvision and onnxruntime versions.
"""
import json
import sys
import warnings

import numpy as np
import onnxruntime
import torch
import torchvision

MODELS = {
    "googlenet": lambda: torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=True),
    "squeezenet1_0": lambda: torchvision.models.squeezenet1_0(weights=None),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(weights=None),
    "resnet50": lambda: torchvision.models.resnet50(weights=None),
}


def randomise_batch_norms(model, generator):
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            c = module.num_features
            module.running_mean.copy_(torch.randn(c, generator=generator) * 0.1)
            module.running_var.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)
            module.weight.data.copy_(torch.rand(c, generator=generator) * 0.5 + 0.75)
            module.bias.data.copy_(torch.randn(c, generator=generator) * 0.1)


def main():
    out = sys.argv[1]
    names = sys.argv[2:] or list(MODELS)
    torch.set_num_threads(2)
    for index, name in enumerate(names):
        torch.manual_seed(index)
        generator = torch.Generator().manual_seed(100 + index)
        model = MODELS[name]().eval()
        with torch.no_grad():
            randomise_batch_norms(model, generator)
        x = torch.randn(1, 3, 224, 224, generator=generator)
        path = f"{out}/{name}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model, (x,), path, dynamo=False, opset_version=17, input_names=["input"], output_names=["output"],
                training=torch.onnx.TrainingMode.PRESERVE)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        session = onnxruntime.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        (y,) = session.run(None, {"input": x.numpy()})
        np.save(f"{out}/{name}.input.npy", x.numpy()[0].astype(np.float32))
        np.save(f"{out}/{name}.expected.npy", y.reshape(-1, 1, 1).astype(np.float32))
        facts = {
            "params": sum(p.numel() for p in model.parameters()),
            "torch": torch.__version__, "torchvision": torchvision.__version__, "onnxruntime": onnxruntime.__version__,
        }
        with open(f"{out}/{name}.json", "w") as f:
            json.dump(facts, f)
        print(f"{name}: exported, {facts['params']} params")
    return 0


if __name__ == "__main__":
    sys.exit(main())
