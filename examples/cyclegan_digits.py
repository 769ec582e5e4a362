"""CycleGAN: translate digits to a restyled rendering and back, without pairs.

Domain A holds sklearn's handwritten digits (white on black, 1 channel); domain B
holds *other* digits restyled (inverted, thickened, dark blue on cream, 3 channels).
No digit appears in both training domains, so the model must learn the style mapping
from unpaired data. Runs on any Keras backend:

    KERAS_BACKEND=jax PYTHONPATH=. python examples/cyclegan_digits.py
"""
# --- Setup -------------------------------------------------------------------------
import numpy as np
import keras

import ganzoo
from ganzoo.data.embedded_pairs import load_digit_domains
from ganzoo.plotting import save_image_grid

keras.utils.set_random_seed(0)

# --- Data --------------------------------------------------------------------------
# 750 plain digits (A) and 750 different, restyled digits (B), 32x32, in [-1, 1].
a_train, b_train = load_digit_domains("train", image_size=32)
a_test, b_test = load_digit_domains("test", image_size=32)
print("A:", a_train.shape, "B:", b_train.shape)

# --- Model -------------------------------------------------------------------------
# The paper's CycleGAN (ResNet generators, PatchGAN discriminators, LSGAN, cycle 10,
# image pool 50, Adam 2e-4 / 0.5), narrowed for a CPU. A has 1 channel and B 3, so the
# identity loss (which needs equal channels) is off.
EPOCHS = 2  # the measured run in docs/models/cyclegan.md used 12 (6 constant + 6 decay)
model = ganzoo.get(
    "cyclegan", image_shape=(32, 32, 1), channels_b=3, filters=16, disc_filters=16,
    constant_epochs=EPOCHS // 2, decay_epochs=EPOCHS - EPOCHS // 2, seed=0,
)

# --- Train -------------------------------------------------------------------------
# Unpaired: shuffle B on its own every epoch so no (a, b) pairing is ever fixed.
rng = np.random.default_rng(0)
for epoch in range(EPOCHS):
    model.fit(a_train, b_train[rng.permutation(len(b_train))], batch_size=4,
              epochs=epoch + 1, initial_epoch=epoch)
print("learning rate at the end:", float(keras.ops.convert_to_numpy(model.g_optimizer.learning_rate)))

# --- Look at the results -----------------------------------------------------------
fake_b = model.translate(a_test[:10], direction="a_to_b")
reconstructed = model.translate(fake_b, direction="b_to_a")
print("cycle L1 on 10 test digits:", float(np.mean(np.abs(reconstructed - a_test[:10]))))
gray3 = lambda x: np.repeat(x, 3, axis=-1)  # noqa: E731
save_image_grid(np.concatenate([gray3(a_test[:10]), fake_b, gray3(reconstructed)]),
                "cyclegan_digits.png", ncols=10, title="A / A->B / A->B->A")
model.save("cyclegan_digits.keras")  # then: ganzoo translate cyclegan_digits.keras --input DIR --out DIR
print("wrote cyclegan_digits.png and cyclegan_digits.keras")
