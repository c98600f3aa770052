"""The data an exported train.py trains on, written out for convplay to compare with its own.

usage: train_py_data.py DIR

DIR holds an export (`train.py`, `model.py`) and `cases.json`: {"shapes": [[C, H, W, count, seed], …],
"digits_fitted": [[C, H, W], …]}. Writes shapes-K.npy (train.py's synthetic shapes, bytes as float32, labels
in shapes-K.labels.npy) and digits-fitted-K.npy (the shipped digits' training images as train.py feeds them to a
network of that input: grey ↔ RGB and resampled) and the digits' training and held-out labels, using train.py's
own functions.
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
print(f"wrote {len(cases['shapes'])} shape sets and {len(cases['digits_fitted'])} fitted digit sets")
