"""The data an exported train.py trains on, written out for convplay to compare with its own.

usage: train_py_data.py DIR

DIR holds an export (`train.py`, `model.py`) and `cases.json`: {"shapes": [[C, H, W, count, seed], …],
"digits_fitted": [[C, H, W], …]}. Writes shapes-K.npy (train.py's synthetic shapes, bytes as float32, labels
in shapes-K.labels.npy) and digits-fitted-K.npy (the shipped digits' training images as train.py feeds them to a
network of that input: grey ↔ RGB and resampled) and the digits' training and held-out labels, using train.py's
own functions. Then saves over old.safetensors with a save_file that fails halfway (as on a full disk) and writes
save-failure.json: whether the error came through, the old file is whole and no partial file is left beside it.
"""
import json
import os
import sys

import numpy as np

folder = sys.argv[1]
sys.path.insert(0, folder)
import train  # noqa: E402

with open(os.path.join(folder, "cases.json")) as f:
    cases = json.load(f)
for k, (channels, height, width, count, seed) in enumerate(cases["shapes"]):
    images, labels = train.shapes((channels, height, width), count, seed)
    np.save(os.path.join(folder, f"shapes-{k}.npy"), images.astype("<f4"))
    np.save(os.path.join(folder, f"shapes-{k}.labels.npy"), labels.astype("<f4"))
training, held_out = train.digits()
np.save(os.path.join(folder, "digits-training-labels.npy"), training[1].astype("<f4"))
np.save(os.path.join(folder, "digits-held-out-labels.npy"), held_out[1].astype("<f4"))
for k, shape in enumerate(cases["digits_fitted"]):
    values = train.Images(training, tuple(shape)).values.numpy()
    np.save(os.path.join(folder, f"digits-fitted-{k}.npy"), values.astype("<f4"))
old = os.path.join(folder, "old.safetensors")
with open(old, "wb") as f:
    f.write(b"the weights before")


def failing_save_file(state, path):
    with open(path, "wb") as f:
        f.write(b"half of the new weights")
    raise OSError(28, "No space left on device")


train.save_file = failing_save_file
try:
    train.save_atomically({}, old)
    raised = False
except OSError:
    raised = True
with open(old, "rb") as f:
    whole = f.read() == b"the weights before"
left = sorted(name for name in os.listdir(folder) if name.startswith("old.safetensors."))
with open(os.path.join(folder, "save-failure.json"), "w") as f:
    json.dump({"raised": raised, "old_whole": whole, "left": left}, f)
print(f"wrote {len(cases['shapes'])} shape sets and {len(cases['digits_fitted'])} fitted digit sets")
