"""Conditional GAN on the sklearn digits: ask for a digit, get that digit. Offline, any backend.

Run: KERAS_BACKEND=jax python examples/cgan_digits.py --epochs 40
(40 epochs with --filters 32 give the numbers of docs/evaluation.md.)
"""
# Setup
import argparse
import os

import keras
import numpy as np

import ganzoo

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--image-size", type=int, default=16)
parser.add_argument("--filters", type=int, default=32)
parser.add_argument("--discriminator", default="concat", choices=("concat", "projection"))
parser.add_argument("--eval-every", type=int, default=5)
parser.add_argument("--out", default="runs/example-cgan")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: 1,500 real digits with their labels 0-9, scaled to [-1, 1].
x, y = ganzoo.data.load("digits", split="train", image_size=args.image_size, labels=True)
print("data:", x.shape, y.shape, "labels", sorted(set(y.tolist())))

# Model: DCGAN networks; G sees concat(z, embed(label)), D sees the label too
# (an extra image channel, or the projection term with --discriminator projection).
gan = ganzoo.get("cgan", image_shape=x.shape[1:], num_classes=10, filters=args.filters,
                 discriminator=args.discriminator, seed=0)

# Train: PeriodicEvaluation logs the digits classifier's accuracy on generated digits and
# the Fréchet classifier distance into the history every few epochs; SampleGrid writes
# a grid with one row per label.
evaluation = ganzoo.callbacks.PeriodicEvaluation.digits(every=args.eval_every, num_samples=200)
grids = ganzoo.callbacks.SampleGrid(os.path.join(args.out, "samples"), every=args.eval_every, num_samples=100)
history = gan.fit(x, y, batch_size=64, epochs=args.epochs, callbacks=[evaluation, grids], verbose=2)

# Look at the results
print("class accuracy of generated digits:", history.history.get("class_accuracy"))
print("Frechet classifier distance:", history.history.get("fcd"))
sevens = gan.generate(8, labels=7, seed=1)
print("generated sevens:", sevens.shape, float(sevens.min()), float(sevens.max()))
gan.save(os.path.join(args.out, "cgan.keras"))
ganzoo.plotting.save_image_grid(gan.generate(100, seed=0), os.path.join(args.out, "one_row_per_label.png"), ncols=10)
print("grids:", grids.paths)
