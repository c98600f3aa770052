"""Seed corpora for the libFuzzer targets, made from the shipped files (Python standard library only).

usage: python3 Fuzz/seeds.py OUT_DIR CONVPLAY_BINARY

FuzzPreset         every presets/*.json
FuzzNetpbm         presets/chelsea.ppm, its luminance as PGM (P5), and small plain crops (P3, P2)
FuzzPNG            chelsea as PNG: RGB, grey, and a 16×12 crop with an alpha channel
FuzzNpy            the .npy files `convplay run mlpconv-1d --dump` writes
FuzzWeightsFolder  for each tensor of a dump of the target's own network: its manifest with every file
                   renamed t.npy, a NUL, then that tensor's .npy bytes (the target's input layout)
FuzzONNX           `convplay export --onnx` of the small shipped presets and of a network of every layer type
FuzzSafetensors    `convplay export --pytorch` weights of the same networks, and one file of every dtype read
FuzzIDX            the shipped digits' IDX files (labels whole, images cut to their first 40 images)
"""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_ppm(path):
    """(width, height, RGB bytes) of a binary P6 file with maxval 255 and comment lines."""
    data = open(path, "rb").read()
    tokens, i = [], 2
    while len(tokens) < 3:
        while data[i : i + 1].isspace():
            i += 1
        if data[i : i + 1] == b"#":
            while data[i : i + 1] not in (b"\n", b"\r"):
                i += 1
            continue
        start = i
        while not data[i : i + 1].isspace():
            i += 1
        tokens.append(int(data[start:i]))
    width, height, _ = tokens
    return width, height, data[i + 1 : i + 1 + width * height * 3]


def png(width, height, colour_type, rows):
    """A PNG of 8-bit rows (each a bytes object of one row's samples), filter 0."""

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main(out, binary):
    shutil.rmtree(out, ignore_errors=True)
    targets = ["FuzzPreset", "FuzzNetpbm", "FuzzPNG", "FuzzNpy", "FuzzWeightsFolder", "FuzzONNX", "FuzzSafetensors", "FuzzIDX"]
    for target in targets:
        os.makedirs(os.path.join(out, target))

    presets = os.path.join(ROOT, "presets")
    for name in sorted(os.listdir(presets)):
        if name.endswith(".json"):
            shutil.copy(os.path.join(presets, name), os.path.join(out, "FuzzPreset", name))

    width, height, rgb = read_ppm(os.path.join(presets, "chelsea.ppm"))
    grey = bytes((299 * rgb[3 * i] + 587 * rgb[3 * i + 1] + 114 * rgb[3 * i + 2]) // 1000 for i in range(width * height))
    netpbm = os.path.join(out, "FuzzNetpbm")
    shutil.copy(os.path.join(presets, "chelsea.ppm"), os.path.join(netpbm, "chelsea.ppm"))
    open(os.path.join(netpbm, "chelsea.pgm"), "wb").write(b"P5\n%d %d\n255\n" % (width, height) + grey)
    crop_w, crop_h = 8, 6
    crop_rgb = [rgb[3 * (y * width) : 3 * (y * width + crop_w)] for y in range(crop_h)]
    crop_grey = [grey[y * width : y * width + crop_w] for y in range(crop_h)]
    plain_rgb = "\n".join(" ".join(str(v) for v in row) for row in crop_rgb)
    plain_grey = "\n".join(" ".join(str(v) for v in row) for row in crop_grey)
    open(os.path.join(netpbm, "crop.p3.ppm"), "w").write("P3\n# chelsea crop\n%d %d\n255\n%s\n" % (crop_w, crop_h, plain_rgb))
    open(os.path.join(netpbm, "crop.p2.pgm"), "w").write("P2\n%d %d\n255\n%s\n" % (crop_w, crop_h, plain_grey))

    pngs = os.path.join(out, "FuzzPNG")
    rows = [rgb[3 * y * width : 3 * (y + 1) * width] for y in range(height)]
    open(os.path.join(pngs, "chelsea.png"), "wb").write(png(width, height, 2, rows))
    open(os.path.join(pngs, "chelsea-grey.png"), "wb").write(png(width, height, 0, [grey[y * width : (y + 1) * width] for y in range(height)]))
    rgba = [b"".join(row[3 * x : 3 * x + 3] + bytes([x * 16]) for x in range(16)) for row in rows[:12]]
    open(os.path.join(pngs, "crop-alpha.png"), "wb").write(png(16, 12, 6, rgba))

    with tempfile.TemporaryDirectory() as scratch:
        dump = os.path.join(scratch, "mlpconv")
        subprocess.run([binary, "run", "mlpconv-1d", "--dump", dump], check=True, stdout=subprocess.DEVNULL)
        for name in sorted(os.listdir(dump)):
            if name.endswith(".npy"):
                shutil.copy(os.path.join(dump, name), os.path.join(out, "FuzzNpy", name))

        # The network FuzzWeightsFolder loads into (its `template`), dumped so every tensor kind is there.
        preset = os.path.join(scratch, "fuzz.json")
        json.dump(
            {
                "format": 1,
                "name": "fuzz",
                "input": {"shape": [1, 4, 4]},
                "layers": [{"type": "conv", "out": 2, "kernel": 3}, {"type": "batchnorm"}, {"type": "dense", "out": 3}],
            },
            open(preset, "w"),
        )
        folder = os.path.join(scratch, "weights")
        subprocess.run([binary, "run", preset, "--dump", folder], check=True, stdout=subprocess.DEVNULL)
        manifest = json.load(open(os.path.join(folder, "manifest.json")))
        files = [entry["file"] for node in manifest["nodes"] for entry in node["parameters"].values()]
        for node in manifest["nodes"]:
            for entry in node["parameters"].values():
                entry["file"] = "t.npy"
        text = json.dumps(manifest).encode()
        for file in files:
            seed = text + b"\x00" + open(os.path.join(folder, file), "rb").read()
            open(os.path.join(out, "FuzzWeightsFolder", file), "wb").write(seed)

        # Small shipped presets and one network of every layer type and option (a few KB each: small inputs keep
        # libFuzzer fast), exported as ONNX and as PyTorch weights.
        every = os.path.join(scratch, "every-layer.json")
        json.dump(EVERY_LAYER, open(every, "w"))
        for name in SMALL_PRESETS + [every]:
            stem = os.path.splitext(os.path.basename(name))[0]
            onnx = os.path.join(out, "FuzzONNX", stem + ".onnx")
            subprocess.run([binary, "export", name, "--onnx", onnx], check=True, stdout=subprocess.DEVNULL)
            folder = os.path.join(scratch, "pytorch-" + stem)
            subprocess.run([binary, "export", name, "--pytorch", folder], check=True, stdout=subprocess.DEVNULL)
            shutil.copy(os.path.join(folder, "weights.safetensors"), os.path.join(out, "FuzzSafetensors", stem + ".safetensors"))
    open(os.path.join(out, "FuzzSafetensors", "dtypes.safetensors"), "wb").write(every_dtype())

    digits = os.path.join(presets, "data")
    labels = open(os.path.join(digits, "digits-labels-idx1-ubyte"), "rb").read()
    images = open(os.path.join(digits, "digits-images-idx3-ubyte"), "rb").read()
    open(os.path.join(out, "FuzzIDX", "labels-idx1"), "wb").write(labels)
    count, rows, cols = struct.unpack(">III", images[4:16])
    kept = 40
    open(os.path.join(out, "FuzzIDX", "images-idx3"), "wb").write(images[:4] + struct.pack(">III", kept, rows, cols) + images[16 : 16 + kept * rows * cols])

    for target in targets:
        print("%-18s %d seeds" % (target, len(os.listdir(os.path.join(out, target)))))


SMALL_PRESETS = ["mlpconv-1d", "one-by-one", "lateral", "edges", "tiny-inception-shapes"]

EVERY_LAYER = {
    "format": 1,
    "name": "every layer",
    "input": {"shape": [2, 6, 6]},
    "init": {"scheme": "he", "seed": 3},
    "layers": [
        {"type": "conv", "out": 4, "kernel": 3, "pad": 1, "groups": 2},
        {"type": "batchnorm"},
        {"type": "leaky_relu", "slope": 0.1},
        {"type": "avgpool", "kernel": 2, "stride": 1, "round": "ceil", "count_include_pad": False},
        {
            "type": "parallel",
            "merge": "add",
            "branches": [
                [{"type": "conv", "out": 4, "kernel": 1}, {"type": "sigmoid"}],
                [{"type": "conv", "out": 4, "kernel": 3, "pad": 2, "dilation": 2}, {"type": "tanh"}],
                [],
            ],
        },
        {"type": "parallel", "branches": [[{"type": "clip", "min": -1, "max": 2}], [{"type": "hardswish"}]]},
        {"type": "lateral"},
        {"type": "lrn", "size": 3},
        {"type": "maxpool", "kernel": 3, "stride": 2, "pad": 1, "round": "ceil_torch"},
        {"type": "dropout"},
        {"type": "flatten"},
        {"type": "dense", "out": 3},
        {"type": "softmax"},
    ],
}


def every_dtype():
    """A .safetensors file with one tensor of each dtype convplay reads and a __metadata__ entry."""
    tensors = [
        ("a.f32", "F32", [2], struct.pack("<2f", 1.5, -2.0)),
        ("b.f64", "F64", [1, 2], struct.pack("<2d", 0.25, 3.0)),
        ("c.f16", "F16", [3], struct.pack("<3e", 1.0, -0.5, 65504.0)),
        ("d.bf16", "BF16", [2], struct.pack("<2H", 0x3F80, 0xC000)),
        ("e.i64", "I64", [], struct.pack("<q", 7)),
        ("f.i32", "I32", [2], struct.pack("<2i", -1, 3)),
    ]
    header, offset, body = {"__metadata__": {"format": "pt"}}, 0, b""
    for name, dtype, shape, data in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        body += data
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
