"""DCGAN on the sklearn digits, offline, on any Keras backend.

Run: KERAS_BACKEND=jax python examples/dcgan_digits.py --epochs 60
"""
# Setup
import argparse
import os

import keras

import ganzoo

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=5)  # 60 epochs of batch 32 give docs/models/dcgan.md
parser.add_argument("--image-size", type=int, default=16)
parser.add_argument("--filters", type=int, default=64)
parser.add_argument("--out", default="runs/example-dcgan")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: 1,500 real 8x8 digits from scikit-learn, resized (bilinear) and scaled to [-1, 1].
x = ganzoo.data.load("digits", split="train", image_size=args.image_size)
print("data:", x.shape, x.dtype, float(x.min()), float(x.max()))

# Model: the paper's networks, N(0, 0.02) init, Adam(2e-4, beta_1=0.5) for both networks.
gan = ganzoo.get("dcgan", image_shape=x.shape[1:], filters=args.filters, seed=0)
gan.generator.summary()

# Train: one fit call; SampleGrid writes a PNG of the same 64 noise vectors each epoch.
grids = ganzoo.callbacks.SampleGrid(os.path.join(args.out, "samples"))
history = gan.fit(x, batch_size=32, epochs=args.epochs, callbacks=[grids])

# Look at the results
print("last losses:", {k: round(v[-1], 4) for k, v in history.history.items()})
print("sample grids:", grids.paths)
gan.save(os.path.join(args.out, "dcgan.keras"))
images = gan.generate(16, seed=1)
print("generated:", images.shape, float(images.min()), float(images.max()))
