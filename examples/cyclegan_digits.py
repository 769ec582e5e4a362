"""CycleGAN: translate digits to a restyled rendering and back, without pairs.

Domain A holds sklearn's handwritten digits (white on black, 1 channel); domain B
holds *other* digits restyled (inverted, thickened, dark blue on cream, 3 channels).
No digit appears in both training domains, so the model learns the style mapping from
unpaired data. Runs on any Keras backend:

Run: KERAS_BACKEND=jax PYTHONPATH=. python examples/cyclegan_digits.py --epochs 12
"""
# Setup
import argparse
import os

import keras
import numpy as np

import ganzoo
from ganzoo.data.embedded_pairs import load_digit_domains
from ganzoo.plotting import save_image_grid

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=2)  # 12 (6 constant + 6 decay) give docs/models/cyclegan.md
parser.add_argument("--image-size", type=int, default=32)
parser.add_argument("--filters", type=int, default=16)  # the paper: 64
parser.add_argument("--blocks", type=int, default=6)
parser.add_argument("--num-train", type=int, default=None, help="Use only this many digits per domain.")
parser.add_argument("--out", default="runs/example-cyclegan")
args = parser.parse_args()
keras.utils.set_random_seed(0)

# Data: 750 plain digits (A) and 750 different, restyled digits (B), in [-1, 1].
a_train, b_train = load_digit_domains("train", image_size=args.image_size)
a_train, b_train = a_train[:args.num_train], b_train[:args.num_train]
a_test, b_test, labels_test, _ = load_digit_domains("test", image_size=args.image_size, labels=True)
print("A:", a_train.shape, "B:", b_train.shape)

# Model: the paper's CycleGAN (ResNet generators, PatchGAN discriminators, LSGAN, cycle
# weight 10, image pool 50, Adam 2e-4 / 0.5, constant then linearly decayed learning
# rate), narrowed for a CPU. A has 1 channel and B 3, so the identity loss (which needs
# equal channels) is off.
model = ganzoo.get(
    "cyclegan", image_shape=a_train.shape[1:], channels_b=3, filters=args.filters,
    disc_filters=args.filters, num_residual_blocks=args.blocks,
    constant_epochs=args.epochs // 2, decay_epochs=args.epochs - args.epochs // 2, seed=0,
)

# Train: unpaired, so B is reshuffled on its own every epoch and no (a, b) pairing is fixed.
rng = np.random.default_rng(0)
for epoch in range(args.epochs):
    model.fit(a_train, b_train[rng.permutation(len(b_train))], batch_size=4,
              epochs=epoch + 1, initial_epoch=epoch, verbose=2)
print("learning rate at the end:", float(keras.ops.convert_to_numpy(model.g_optimizer.learning_rate)))

# Look at the results: translate held-out digits, check the classifier still reads them.
fake_a = model.translate(b_test, direction="b_to_a")
predicted = np.argmax(ganzoo.metrics.get_digits_classifier().predict(fake_a, verbose=0), axis=-1)
print("label preservation B->A:", float(np.mean(predicted == labels_test)))
fake_b = model.translate(a_test[:10], direction="a_to_b")
reconstructed = model.translate(fake_b, direction="b_to_a")
print("cycle L1 on 10 test digits:", float(np.mean(np.abs(reconstructed - a_test[:10]))))
gray3 = lambda x: np.repeat(x, 3, axis=-1)  # noqa: E731
os.makedirs(args.out, exist_ok=True)
save_image_grid(np.concatenate([gray3(a_test[:10]), fake_b, gray3(reconstructed)]),
                os.path.join(args.out, "cyclegan_digits.png"), ncols=10, title="A / A->B / A->B->A")
model.save(os.path.join(args.out, "cyclegan.keras"))  # then: ganzoo translate ... --input DIR --out DIR
print("wrote", os.path.join(args.out, "cyclegan_digits.png"))
