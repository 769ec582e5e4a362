"""The vanilla GAN on the 8-Gaussian ring, scored by the PacGAN mode-coverage protocol.

Run: KERAS_BACKEND=jax python examples/gan_ring.py --steps 5000
"""
# Setup
import argparse
import os

import keras

import ganzoo

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=5000)
parser.add_argument("--g-loss", default="non_saturating", choices=["non_saturating", "minimax"])
parser.add_argument("--out", default="runs/example-gan-ring")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: 8 Gaussians of std 0.01 on the unit circle.
batch_size = 100
x = ganzoo.data.load("ring", num_samples=args.steps * batch_size, seed=0)

# Model: MLP generator and discriminator.
gan = ganzoo.get("gan", g_loss=args.g_loss, seed=0)

# Train: one pass over the samples is `steps` updates of each network.
gan.fit(x, batch_size=batch_size, epochs=1, verbose=2)

# Look at the results: a sample is high-quality within 3 std of a mode; a mode is covered
# when it is the nearest mode of at least one high-quality sample.
samples = gan.generate(2500, seed=1)
score = ganzoo.metrics.mode_coverage(samples, ganzoo.data.ring_modes(), ganzoo.data.MIXTURE_STD["ring"])
print(f"modes covered: {score['modes_covered']}/8, high-quality: {100 * score['high_quality_fraction']:.1f} %")
path = ganzoo.plotting.save_scatter(samples, os.path.join(args.out, "ring.png"),
                                    modes=ganzoo.data.ring_modes(), lim=1.5)
print("scatter plot:", path)
