import Foundation

extension PyTorchExport {
    /// The text of `train.py`: this network's facts (its name, input, data set, seed and the final softmax the loss
    /// fuses), then the script every export shares.
    static func trainSource(network: Network, shapes: ShapeTable) -> String {
        let input = shapes.input
        let softmax = network.lossFusesFinalSoftmax ? network.moduleNames()[NodePath.top(network.nodes.count - 1)] : nil
        return """
            \"\"\"Trains \(network.name) (model.py) from weights.safetensors with DistributedDataParallel, on the data sets and
            with the options of `convplay train`, and saves the weights back. Written by `convplay export … --pytorch DIR`.

                torchrun --standalone --nproc_per_node=2 train.py --epochs 1

            README.md says how to run it on several machines.
            \"\"\"
            # This network, as convplay exported it
            PRESET = \(Python.string(network.name))
            INPUT_SHAPE = (\(input.channels), \(input.height), \(input.width))
            DEFAULT_DATA = \(network.trainingData.map { Python.string($0.description) } ?? "None")  # what --data defaults to
            SEED = \(network.initialization.seed)  # the preset's seed: the default --seed
            SCORES_SOFTMAX = \(softmax.map(Python.string) ?? "None")  # the final softmax, fused into the loss while training

            """ + trainScript
    }

    /// Everything in `train.py` after the network's facts: data sets, the training loop, saving.
    static let trainScript = #"""
        import argparse
        import io
        import math
        import os
        import stat
        import sys
        import time

        import numpy as np
        import torch
        import torch.distributed as dist
        import torch.nn as nn
        import torch.nn.functional as F
        from safetensors.torch import load, save_file
        from torch.nn.parallel import DistributedDataParallel
        from torch.utils.data import DataLoader, Dataset, DistributedSampler

        HERE = os.path.dirname(os.path.abspath(__file__))
        sys.path.insert(0, HERE)
        from model import Net  # noqa: E402


        def fail(message):
            """One sentence on stderr and exit status 2, as convplay does for bad input."""
            print(f"train.py: {message}", file=sys.stderr)
            sys.exit(2)


        # ---------------------------------------------------------------------------------------------------------------
        # Data: the same sets, held-out split and preprocessing as `convplay train --data …`.
        # A set is (uint8 images [N, C, H, W], labels [N], class names, scale): an input value is byte · scale.

        # Bytes the data set's images may take together (--data-cap), as convplay's own cap; what is read so far.
        DATA_BUDGET = {"cap": 2048 << 20, "used": 0}


        def take(path, size):
            """Counts `size` bytes of `path` against the data-set cap, refusing them when they would pass it."""
            if DATA_BUDGET["used"] + size > DATA_BUDGET["cap"]:
                fail(f"{path}: loading it takes {(DATA_BUDGET['used'] + size) / 2**20:.1f} MiB, over the "
                     f"{DATA_BUDGET['cap'] / 2**20:.1f} MiB data-set cap — use a smaller set or raise --data-cap")
            DATA_BUDGET["used"] += size


        def read_regular(path, what="check the path", counted=True):
            """A regular file's bytes (`counted`: within the data-set cap): opened without blocking, so a FIFO or a
            device is refused at once instead of waited on."""
            try:
                descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
            except OSError as error:
                fail(f"{path}: cannot be read ({error.strerror}) — {what}")
            with os.fdopen(descriptor, "rb") as f:
                info = os.fstat(f.fileno())
                if not stat.S_ISREG(info.st_mode):
                    fail(f"{path}: not a regular file — name a regular file")
                if counted:
                    take(path, info.st_size)
                return f.read(info.st_size + 1)


        def read_idx(path, dimensions):
            """An unsigned-byte IDX file (MNIST's format): its sizes and values, every size checked against the file."""
            data = read_regular(path)
            if len(data) < 4 or data[:3] != b"\0\0\x08" or data[3] != dimensions:
                fail(f"{path}: not an IDX file of unsigned bytes with {dimensions} dimension(s) (magic 00 00 08 0{dimensions})")
            header = 4 + 4 * dimensions
            if len(data) < header:
                fail(f"{path}: truncated: {len(data)} bytes, the header alone takes {header}")
            sizes = [int.from_bytes(data[4 + 4 * d : 8 + 4 * d], "big") for d in range(dimensions)]
            if len(data) != header + math.prod(sizes):
                fail(f"{path}: the header says {' × '.join(map(str, sizes))} values but the file holds {len(data) - header}")
            return sizes, np.frombuffer(data, dtype=np.uint8, offset=header)


        def idx_set(images, labels, classes, scale):
            sizes, pixels = read_idx(images, 3)
            (count,), values = read_idx(labels, 1)
            if count != sizes[0]:
                fail(f"{images} holds {sizes[0]} images but {labels} {count} labels — use the pair from one data set")
            if len(values) and int(values.max()) >= len(classes):
                fail(f"{labels}: label {int(values.max())} is out of range for {len(classes)} classes")
            return pixels.reshape(sizes[0], 1, sizes[1], sizes[2]), values.astype(np.int64), classes, scale


        def every_fifth(images, labels, classes, scale):
            """Every fifth image of each class (the 5th, 10th, … in file order) held out, as convplay does."""
            seen = np.zeros(max(len(classes), int(labels.max(initial=0)) + 1), dtype=np.int64)
            held = np.zeros(len(labels), dtype=bool)
            for i, label in enumerate(labels):
                seen[label] += 1
                held[i] = seen[label] % 5 == 0
            return (images[~held], labels[~held], classes, scale), (images[held], labels[held], classes, scale)


        def digits():
            """scikit-learn's 8×8 digits (values 0–16), written beside this file by `convplay export`."""
            folder = os.path.join(HERE, "data")
            if not os.path.exists(os.path.join(folder, "digits-images-idx3-ubyte")):
                fail(f"{folder}/digits-images-idx3-ubyte not found — convplay export writes the digits there for a preset whose "
                     "data is digits; or copy them from convplay's presets/data")
            data = idx_set(
                os.path.join(folder, "digits-images-idx3-ubyte"), os.path.join(folder, "digits-labels-idx1-ubyte"),
                [str(i) for i in range(10)], np.float32(1) / np.float32(16))
            return every_fifth(*data)


        def mnist(folder):
            classes = [str(i) for i in range(10)]
            scale = np.float32(1) / np.float32(255)
            return tuple(idx_set(os.path.join(folder, f"{part}-images-idx3-ubyte"), os.path.join(folder, f"{part}-labels-idx1-ubyte"),
                                 classes, scale) for part in ("train", "t10k"))


        CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


        def cifar10(folder):
            if not os.path.exists(os.path.join(folder, "test_batch.bin")) and os.path.exists(
                    os.path.join(folder, "cifar-10-batches-bin", "test_batch.bin")):
                folder = os.path.join(folder, "cifar-10-batches-bin")
            try:
                batches = sorted(f for f in os.listdir(folder) if f.startswith("data_batch_") and f.endswith(".bin"))
            except OSError:
                batches = []
            if not batches:
                fail(f"{folder}/data_batch_1.bin not found — a cifar10: folder holds data_batch_1.bin … and test_batch.bin")

            def read(files):
                records = []
                for name in files:
                    path = os.path.join(folder, name)
                    data = np.frombuffer(read_regular(path), dtype=np.uint8)
                    if len(data) == 0 or len(data) % 3073:
                        fail(f"{path}: truncated: {len(data)} bytes is not a whole number of 3,073-byte records")
                    records.append(data.reshape(-1, 3073))
                records = np.concatenate(records)
                if len(records) and int(records[:, 0].max()) >= 10:
                    fail(f"{folder}: a label above 9 — not CIFAR-10's binary version")
                images, labels = records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].astype(np.int64)
                return images, labels, CIFAR10_CLASSES, np.float32(1) / np.float32(255)

            return read(batches), read(["test_batch.bin"])


        def image_folder(folder, shape):
            """One subfolder of PNG/PPM/PGM images per class (sorted names), each fitted to the input and stored as bytes."""
            from PIL import Image

            if not os.path.isdir(folder):
                fail(f"{folder} not found — folder:DIR takes a folder with one subfolder per class")
            classes = sorted(e for e in os.listdir(folder) if not e.startswith(".") and os.path.isdir(os.path.join(folder, e)))
            if len(classes) < 2:
                fail(f"{folder} has {len(classes)} class folder(s) — give one subfolder of images per class, at least two")
            images, labels = [], []
            for label, name in enumerate(classes):
                files = sorted(f for f in os.listdir(os.path.join(folder, name))
                               if not f.startswith(".") and f.lower().rsplit(".", 1)[-1] in ("png", "ppm", "pgm"))
                if not files:
                    fail(f"{os.path.join(folder, name)} holds no PNG, PPM or PGM image — add images or remove the folder")
                for file in files:
                    path = os.path.join(folder, name, file)
                    encoded = read_regular(path)
                    try:
                        with Image.open(io.BytesIO(encoded)) as image:
                            if image.mode.startswith("I;16") or image.mode == "I":
                                samples = np.asarray(image, dtype=np.float32)[None] / np.float32(65535)
                            elif image.mode in ("1", "L", "LA"):
                                samples = np.asarray(image.convert("L"), dtype=np.float32)[None] / np.float32(255)
                            else:
                                samples = np.asarray(image.convert("RGB"), dtype=np.float32).transpose(2, 0, 1) / np.float32(255)
                    except Exception as error:  # PIL raises many kinds
                        fail(f"{path}: not a readable PNG, PPM or PGM image ({error})")
                    take(path, -len(encoded) + int(np.prod(shape)))  # kept: the fitted bytes, not the file
                    fitted = fit(samples, shape)
                    images.append(np.round(np.clip(fitted, 0, 1) * np.float32(255)).astype(np.uint8))
                    labels.append(label)
            return every_fifth(np.stack(images), np.array(labels, dtype=np.int64), classes, np.float32(1) / np.float32(255))


        # The synthetic shapes, drawn exactly as convplay draws them (SplitMix64; doubles for geometry, float32 for values),
        # so `shapes` gives the same images byte for byte without shipping them.
        SHAPE_CLASSES = ["circle", "square", "triangle", "cross", "ring", "bar"]
        MASK64 = (1 << 64) - 1
        GAMMA = 0x9E3779B97F4A7C15


        def splitmix(seeds, draws):
            """The first `draws` outputs of SplitMix64 for each seed: [len(seeds), draws] uint64."""
            with np.errstate(over="ignore"):
                state = seeds[:, None] + np.arange(1, draws + 1, dtype=np.uint64)[None, :] * np.uint64(GAMMA)
                z = (state ^ (state >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
                z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
                return z ^ (z >> np.uint64(31))


        def unit(draw, low, high):
            """SplitMix64.nextUnit(in: low...high): 53 random bits."""
            return low + (draw >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 * (high - low)


        def shapes(shape, count, seed):
            """`count` images of `shape` (uint8 [count, C, H, W]) and their labels (i mod 6), image i from seed ^ i·0xD1B5…."""
            channels, height, width = shape
            h, w = float(height), float(width)
            header = 7 + channels
            images = np.empty((count, channels, height, width), dtype=np.uint8)
            ys, xs = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64), indexing="ij")
            offsets = [(sy, sx) for sy in (0.25, 0.75) for sx in (0.25, 0.75)]
            root3 = math.sqrt(3.0)
            log, cos = np.frompyfunc(math.log, 1, 1), np.frompyfunc(math.cos, 1, 1)
            for start in range(0, count, 256):
                index = np.arange(start, min(start + 256, count), dtype=np.uint64)
                with np.errstate(over="ignore"):
                    seeds = np.uint64(seed) ^ (index * np.uint64(0xD1B54A32D192ED03))
                draws = splitmix(seeds, header + 2 * height * width * channels)
                n = len(index)
                radius = min(h, w) * unit(draws[:, 0], 0.22, 0.42)
                cx = np.array([unit(draws[k, 1], min(r, w / 2), max(w - r, w / 2)) for k, r in enumerate(radius)])
                cy = np.array([unit(draws[k, 2], min(r, h / 2), max(h - r, h / 2)) for k, r in enumerate(radius)])
                turn = unit(draws[:, 3], 0.0, 2 * math.pi)
                cosine = np.array([math.cos(t) for t in turn])
                sine = np.array([math.sin(t) for t in turn])
                background = unit(draws[:, 4:4 + channels], 0.2, 0.8).astype(np.float32)
                contrast = unit(draws[:, 4 + channels], 0.25, 0.6).astype(np.float32)
                contrast = np.where(draws[:, 5 + channels] >> np.uint64(63) == 0, contrast, -contrast)
                foreground = background + contrast[:, None]
                noise = unit(draws[:, 6 + channels], 0.0, 0.2).astype(np.float32)
                kind = (index % np.uint64(6)).astype(np.int64)
                covered = np.zeros((n, height, width), dtype=np.int64)
                for sy, sx in offsets:
                    dx = (xs + sx)[None] - cx[:, None, None]
                    dy = (ys + sy)[None] - cy[:, None, None]
                    c, s, r = cosine[:, None, None], sine[:, None, None], radius[:, None, None]
                    u = (c * dx + s * dy) / r
                    v = (-s * dx + c * dy) / r
                    inside = np.select(
                        [kind[:, None, None] == k for k in range(5)],
                        [u * u + v * v <= 1,
                         (np.abs(u) <= 0.75) & (np.abs(v) <= 0.75),
                         (v >= -0.5) & (root3 * u + v <= 1) & (-root3 * u + v <= 1),
                         ((np.abs(u) <= 0.28) & (np.abs(v) <= 1)) | ((np.abs(v) <= 0.28) & (np.abs(u) <= 1)),
                         (u * u + v * v <= 1) & (u * u + v * v >= 0.36)],
                        (np.abs(u) <= 1) & (np.abs(v) <= 0.25))
                    covered += inside
                coverage = covered.astype(np.float32) / np.float32(4)
                # two draws per value, in (y, x, c) order: Box–Muller, the second value discarded
                pairs = draws[:, header:].reshape(n, height, width, channels, 2)
                u1 = np.maximum((pairs[..., 0] >> np.uint64(11)).astype(np.float64) / 2.0 ** 53, 1e-300)
                u2 = (pairs[..., 1] >> np.uint64(11)).astype(np.float64) / 2.0 ** 53
                normal = (np.sqrt(-2 * log(u1).astype(np.float64)) * cos(2 * math.pi * u2).astype(np.float64)).astype(np.float32)
                normal = normal.transpose(0, 3, 1, 2)  # (n, C, H, W)
                span = (foreground - background)[:, :, None, None]
                values = background[:, :, None, None] + span * coverage[:, None] + noise[:, None, None, None] * normal
                scaled = np.minimum(np.maximum(values, np.float32(0)), np.float32(1)) * np.float32(255)
                whole = np.floor(scaled)
                images[start:start + n] = (whole + (scaled - whole >= np.float32(0.5))).astype(np.uint8)
            return images, np.arange(count, dtype=np.int64) % 6


        def shapes_split(shape, count, seed):
            """`count` training shapes and a fifth as many held out, drawn from `seed` and its complement."""
            scale = np.float32(1) / np.float32(255)
            training = shapes(shape, count, seed)
            held_out = shapes(shape, max(count // 5, 1), seed ^ MASK64)
            return (*training, SHAPE_CLASSES, scale), (*held_out, SHAPE_CLASSES, scale)


        def resampling(source, target, scale):
            """The [target, source] weights convplay resamples an axis with: area averaging when shrinking, bilinear
            (pixel centres, edges clamped) when enlarging; the picture is centred."""
            matrix = np.zeros((target, source), dtype=np.float32)
            footprint = 1 / scale
            origin = (source - target * footprint) / 2
            for i in range(target):
                start = origin + i * footprint
                end = start + footprint
                if footprint >= 1:
                    taps, total = [], 0.0
                    for s in range(max(0, math.floor(start)), min(source - 1, math.ceil(end) - 1) + 1):
                        overlap = min(end, s + 1) - max(start, s)
                        if overlap > 1e-9:
                            taps.append((s, np.float32(overlap)))
                            total += overlap
                    if not taps:
                        matrix[i, min(max(0, int(start)), source - 1)] = 1
                    for s, weight in taps:
                        matrix[i, s] = weight / np.float32(total)
                else:
                    centre = min(max((start + end) / 2 - 0.5, 0), source - 1)
                    lower = math.floor(centre)
                    upper = min(lower + 1, source - 1)
                    t = np.float32(centre - lower)
                    if t == 0 or lower == upper:
                        matrix[i, lower] = 1
                    else:
                        matrix[i, lower] += 1 - t
                        matrix[i, upper] += t
            return matrix


        def fit(samples, shape):
            """Float images [C, H, W] (or [N, C, H, W]) in [0, 1] fitted to `shape` as convplay fits an image input:
            grey ↔ RGB (BT.601 luminance), then resampled so the picture covers the target, centred."""
            channels, height, width = shape
            if samples.shape[-3] != channels:
                if channels == 1:
                    r, g, b = samples[..., 0:1, :, :], samples[..., 1:2, :, :], samples[..., 2:3, :, :]
                    samples = np.float32(0.299) * r + np.float32(0.587) * g + np.float32(0.114) * b
                else:
                    samples = np.repeat(samples, 3, axis=-3)
            source_h, source_w = samples.shape[-2:]
            if (source_h, source_w) == (height, width):
                return samples
            scale = max(height / source_h, width / source_w)
            rows, columns = resampling(source_h, height, scale), resampling(source_w, width, scale)
            return np.clip(rows @ (samples @ columns.T), 0, 1).astype(np.float32)


        def load_data(source, shape, seed):
            """(training, held_out) for a `--data` spelling."""
            kind, _, argument = source.partition(":")
            if kind == "digits" and not argument:
                return digits()
            if kind == "shapes":
                if argument and not (argument.isdigit() and int(argument) > 0):
                    fail(f"--data {source}: the count after shapes: must be a whole number above 0")
                count = int(argument) if argument else 3000
                take(f"shapes:{count}", (count + max(count // 5, 1)) * int(np.prod(shape)))
                return shapes_split(shape, count, seed)
            if kind == "mnist" and argument:
                return mnist(argument)
            if kind == "cifar10" and argument:
                return cifar10(argument)
            if kind == "folder" and argument:
                return image_folder(argument, shape)
            fail(f"--data {source}: use digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR")


        class Images(Dataset):
            """A set as network inputs: bytes · scale, fitted to the input when their shapes differ (once, up front)."""

            def __init__(self, split, shape):
                images, labels, self.classes, scale = split
                values = images.astype(np.float32) * scale
                if tuple(images.shape[1:]) != tuple(shape):
                    values = fit(np.minimum(values, np.float32(1)), shape)
                self.values = torch.from_numpy(np.ascontiguousarray(values))
                self.labels = torch.from_numpy(labels)

            def __len__(self):
                return len(self.labels)

            def __getitem__(self, i):
                return self.values[i], self.labels[i]


        # ---------------------------------------------------------------------------------------------------------------
        # Training: torch.optim's SGD, Adam and AdamW (what convplay's optimisers follow), convplay's schedules per step.


        def learning_rate(args, step, total_steps, steps_per_epoch, warmup_steps):
            base = args.lr
            if step < warmup_steps:
                return base * (step + 1) / warmup_steps
            kind, _, rest = args.schedule.partition(":")
            if kind == "step":
                epochs, _, factor = rest.partition(":")
                return base * float(factor or 0.1) ** (step // max(steps_per_epoch, 1) // max(int(epochs), 1))
            if kind == "cosine":
                progress = (step - warmup_steps) / max(total_steps - warmup_steps, 1)
                return base * 0.5 * (1 + math.cos(math.pi * min(progress, 1)))
            return base


        def valid_schedule(text):
            kind, _, rest = text.partition(":")
            if text in ("constant", "cosine"):
                return text
            if kind == "step":
                epochs, _, factor = rest.partition(":")
                try:
                    if int(epochs) > 0 and (not factor or (float(factor) > 0 and math.isfinite(float(factor)))):
                        return text
                except ValueError:
                    pass
            raise argparse.ArgumentTypeError(f"{text}: use constant, cosine, step:EPOCHS or step:EPOCHS:FACTOR (e.g. step:10:0.1)")


        def at_least(minimum, kind=int):
            def parse(text):
                value = kind(text)
                if not value >= minimum or not math.isfinite(value):
                    raise argparse.ArgumentTypeError(f"{text} must be at least {minimum}")
                return value
            return parse


        def arguments():
            parser = argparse.ArgumentParser(
                description=f"Train {PRESET} (model.py) from weights.safetensors with DistributedDataParallel; run it with "
                            "torchrun (see README.md) or plainly with python for one process. Options as `convplay train`.")
            parser.add_argument("--data", default=DEFAULT_DATA, required=DEFAULT_DATA is None,
                                help=f"digits, shapes[:COUNT], mnist:DIR, cifar10:DIR or folder:DIR (default: {DEFAULT_DATA})")
            parser.add_argument("--epochs", type=at_least(1), default=10, help="passes over the training images")
            parser.add_argument("--batch", type=at_least(1), default=32, help="images per step, over all processes")
            parser.add_argument("--lr", type=at_least(1e-30, float),
                                help="base learning rate (default 0.05 for sgd, 0.001 for adam and adamw)")
            parser.add_argument("--optimizer", choices=["sgd", "adam", "adamw"], default="sgd")
            parser.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (0 for none)")
            parser.add_argument("--nesterov", action="store_true", help="Nesterov momentum (SGD)")
            parser.add_argument("--weight-decay", type=at_least(0.0, float), default=0.0,
                                help="L2 for sgd and adam, decoupled for adamw")
            parser.add_argument("--schedule", type=valid_schedule, default="constant", help="constant, step:EPOCHS[:FACTOR] or cosine")
            parser.add_argument("--warmup", type=at_least(0.0, float), default=0.0, help="epochs of linear learning-rate warm-up")
            parser.add_argument("--flip", action="store_true", help="mirror training images left to right at random")
            parser.add_argument("--no-shuffle", action="store_true", help="keep the training images in file order")
            parser.add_argument("--seed", type=at_least(0), default=SEED,
                                help=f"seeds the data order, flips, dropout and the shapes (default {SEED})")
            parser.add_argument("--data-cap", type=at_least(1), default=2048,
                                help="MiB the data set's training and held-out images may take together (default 2048)")
            parser.add_argument("--weights", default=os.path.join(HERE, "weights.safetensors"),
                                help="the state_dict to start from and to save to (default: weights.safetensors here)")
            args = parser.parse_args()
            if not 0 <= args.momentum < 1:
                parser.error("--momentum must be at least 0 and below 1")
            if args.lr is None:
                args.lr = 0.05 if args.optimizer == "sgd" else 0.001
            return args


        def save_atomically(state, path):
            """Writes the state_dict beside `path`, flushes it to disk and renames it over `path`."""
            partial = f"{path}.partial-{os.getpid()}"
            try:
                save_file({k: v.detach().cpu().contiguous() for k, v in state.items()}, partial)
                with open(partial, "rb") as f:
                    os.fsync(f.fileno())
                os.replace(partial, path)
            except BaseException:
                # a failed save (disk full, interrupted) leaves the old file whole and no partial one beside it
                try:
                    os.remove(partial)
                except OSError:
                    pass
                raise
            folder = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)


        def evaluate(net, data, device):
            """Accuracy and mean loss at inference over a whole set, in batches of 256."""
            net.eval()
            correct, total = 0, 0.0
            with torch.no_grad():
                for start in range(0, len(data), 256):
                    x = data.values[start:start + 256].to(device)
                    y = data.labels[start:start + 256].to(device)
                    scores = net(x).flatten(1)
                    total += F.cross_entropy(scores, y, reduction="sum").item()
                    correct += int((scores.argmax(1) == y).sum())
            net.train()
            return correct, total / max(len(data), 1)


        def main():
            args = arguments()
            distributed = "RANK" in os.environ and "WORLD_SIZE" in os.environ  # started by torchrun
            cuda = torch.cuda.is_available()
            if distributed:
                dist.init_process_group("nccl" if cuda else "gloo")
                rank, world = dist.get_rank(), dist.get_world_size()
            else:
                rank, world = 0, 1
            local_rank = int(os.environ.get("LOCAL_RANK", 0))
            device = torch.device("cuda", local_rank) if cuda else torch.device("cpu")
            if cuda:
                torch.cuda.set_device(device)
            lead = rank == 0

            DATA_BUDGET["cap"] = args.data_cap << 20
            training_split, held_out_split = load_data(args.data, INPUT_SHAPE, args.seed)
            training, held_out = Images(training_split, INPUT_SHAPE), Images(held_out_split, INPUT_SHAPE)
            for name, images in (("training", training), ("held-out", held_out)):
                if len(images) == 0:
                    fail(f"--data {args.data}: the {name} set holds no images — give a data set with images in both sets")

            net = Net()
            try:
                # the state_dict is read like a data file (regular, never waited on), then parsed
                state = load(read_regular(args.weights, "export the preset again or name a .safetensors file", counted=False))
                net.load_state_dict(state)
            except SystemExit:
                raise
            except Exception as error:  # safetensors and torch raise many kinds
                fail(f"{args.weights}: not the state_dict of {PRESET} ({str(error).splitlines()[0] if str(error) else type(error).__name__})"
                     " — export the preset again")
            if SCORES_SOFTMAX is not None:
                setattr(net, SCORES_SOFTMAX, nn.Identity())  # the final softmax is fused into the loss, as convplay does
            net.to(device)
            net.eval()  # a training pass would move batch norm's running statistics
            with torch.no_grad():
                classes = net(training.values[:1].to(device)).flatten(1).shape[1]
            net.train()
            if classes != len(training.classes):
                fail(f"{PRESET} scores {classes} classes but {args.data} has {len(training.classes)} — "
                     f"pick a preset whose last layer has {len(training.classes)} outputs")
            model = DistributedDataParallel(net, device_ids=[local_rank] if cuda else None) if distributed else net

            per_rank = math.ceil(args.batch / world)
            sampler = DistributedSampler(training, num_replicas=world, rank=rank, shuffle=not args.no_shuffle,
                                         seed=args.seed % 2**63)
            loader = DataLoader(training, batch_size=per_rank, sampler=sampler)
            steps_per_epoch = len(loader)
            total_steps = steps_per_epoch * args.epochs
            warmup_steps = math.floor(args.warmup * steps_per_epoch + 0.5)
            if args.optimizer == "sgd":
                optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=args.momentum, nesterov=args.nesterov,
                                            weight_decay=args.weight_decay)
            elif args.optimizer == "adam":
                optimizer = torch.optim.Adam(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)
            else:
                optimizer = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=args.weight_decay)

            torch.manual_seed((args.seed * 1_000_003 + rank) % 2**63)  # dropout masks and flips, different on every process
            if lead:
                print(f"{PRESET} on {args.data}: {len(training)} training images, {len(held_out)} held out · {world} process(es) "
                      f"({'nccl' if cuda and distributed else 'gloo' if distributed else 'single'}, {device.type}) · batch "
                      f"{per_rank * world} ({per_rank} per process) · {args.optimizer} lr {args.lr:g} {args.schedule} · "
                      f"{args.epochs} epoch(s) of {steps_per_epoch} steps", flush=True)
            step, started = 0, time.perf_counter()
            for epoch in range(args.epochs):
                sampler.set_epoch(epoch)
                epoch_started = time.perf_counter()
                sums = [0.0, 0.0, 0.0]  # loss · images, correct, images
                for x, y in loader:
                    rate = learning_rate(args, step, total_steps, steps_per_epoch, warmup_steps)
                    for group in optimizer.param_groups:
                        group["lr"] = rate
                    if args.flip:
                        flipped = torch.rand(len(x)) < 0.5
                        x = torch.where(flipped[:, None, None, None], x.flip(-1), x)
                    x, y = x.to(device), y.to(device)
                    scores = model(x).flatten(1)
                    loss = F.cross_entropy(scores, y)
                    if not math.isfinite(loss.item()):
                        fail(f"the loss became {loss.item()} at step {step + 1} — lower --lr or check the weights for nan; "
                             f"{args.weights} is left as it was")
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    sums = [sums[0] + loss.item() * len(y), sums[1] + int((scores.argmax(1) == y).sum()), sums[2] + len(y)]
                    step += 1
                sums = torch.tensor(sums, dtype=torch.float64, device=device)  # on the GPU for NCCL
                if distributed:
                    dist.all_reduce(sums)
                sums = sums.tolist()
                if lead:
                    correct, held_loss = evaluate(net, held_out, device)
                    seconds = time.perf_counter() - epoch_started
                    print(f"epoch {epoch + 1}/{args.epochs} · loss {sums[0] / sums[2]:.4f} · accuracy {100 * sums[1] / sums[2]:.2f} % · "
                          f"held-out {100 * correct / len(held_out):.2f} % · lr {rate:.4g} · {sums[2] / seconds:,.0f} img/s · "
                          f"{seconds:.1f} s", flush=True)
            seconds = time.perf_counter() - started
            if lead:
                correct, held_loss = evaluate(net, held_out, device)
                if SCORES_SOFTMAX is not None:
                    setattr(net, SCORES_SOFTMAX, nn.Softmax(dim=1))
                save_atomically(net.state_dict(), args.weights)
                print(f"held-out accuracy {100 * correct / len(held_out):.2f} % ({correct}/{len(held_out)}) · loss {held_loss:.4f} · "
                      f"{step} steps, {seconds:.1f} s training")
                print(f"saved {args.weights} — open it in convplay: convplay preset.json, or convplay evaluate preset.json")
            if distributed:
                del model  # DDP's reducer holds gloo work: freed while its process group is still there
                dist.barrier()
                dist.destroy_process_group()
                # Gloo's threads can still abort the interpreter's own teardown ("terminate called without an active
                # exception", seen once in a few hundred runs): everything is saved and printed, so the process ends here.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(0)


        if __name__ == "__main__":
            main()
        """#
}
