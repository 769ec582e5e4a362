"""Pix2Pix deblurring on held-out photo crops, offline, on any Keras backend.

Run: KERAS_BACKEND=jax python examples/pix2pix_photos.py --epochs 4
(docs/models/pix2pix.md has the measured runs and their benchmark commands.)
"""
# Setup
import argparse
import os

import keras
import numpy as np

import ganzoo

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--image-size", type=int, default=32)
parser.add_argument("--filters", type=int, default=16)  # the paper: 64
parser.add_argument("--num-crops", type=int, default=512)
parser.add_argument("--out", default="runs/example-pix2pix")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: blurred (A) -> sharp (B) crops of photos that ship with scikit-image; the test
# split comes from two held-out photos.
a, b = ganzoo.data.load_photo_pairs("deblur", "train", image_size=args.image_size, num_crops=args.num_crops)
a_test, b_test = ganzoo.data.load_photo_pairs("deblur", "test", image_size=args.image_size, num_crops=8)
print("pairs:", a.shape, b.shape)

# Model: U-Net generator, 70x70-style PatchGAN conditioned on A, GAN loss + 100 * L1.
model = ganzoo.get("pix2pix", image_shape=a.shape[1:], filters=args.filters, disc_filters=args.filters, seed=0)

# Train: SampleGrid shows, for the same held-out inputs each epoch, input | translation.
grids = ganzoo.callbacks.SampleGrid(os.path.join(args.out, "samples"), num_samples=8, inputs=a_test)
model.fit(a, b, batch_size=16, epochs=args.epochs, callbacks=[grids], verbose=2)

# Look at the results: L1 to the sharp crops, for the blurred input and the translation.
fake = model.translate(a_test)
print("translated:", fake.shape, float(fake.min()), float(fake.max()))
print(f"mean |input - sharp| = {np.abs(a_test - b_test).mean():.4f}, "
      f"mean |pix2pix - sharp| = {np.abs(fake - b_test).mean():.4f}")
model.save(os.path.join(args.out, "pix2pix.keras"))
print("grids:", grids.paths)
