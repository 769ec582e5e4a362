"""Super-resolution ×4 with SRResNet and SRGAN on the embedded photos, with `model.fit`.

Runs offline on any Keras backend: `KERAS_BACKEND=jax python examples/srgan_photos.py`.
"""
# ------------------------------------------------------------------------------ Setup
import argparse
import os

import numpy as np
import keras

import ganzoo
from ganzoo.data import super_resolution as sr_data

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=3)  # real: 12 epochs of 200 steps (docs/models/srgan.md)
parser.add_argument("--steps", type=int, default=20, help="Batches per epoch.")
parser.add_argument("--blocks", type=int, default=8)  # the paper: 16 blocks of 64 filters
parser.add_argument("--filters", type=int, default=32)
parser.add_argument("--out", default="runs/example-srgan-photos")
args = parser.parse_args()
keras.utils.set_random_seed(0)
SCALE = 4

# ------------------------------------------------------------------------------- Data
# 13 training photos and 4 held-out ones that ship with scikit-image / scikit-learn / matplotlib.
# Every batch holds fresh random 96×96 HR crops and their bicubic 24×24 LR versions.
train_photos = sr_data.load_photos("train")
test_photos = sr_data.load_photos("test")
data = sr_data.CropPairs(train_photos, batch_size=16, steps_per_epoch=args.steps, hr_size=96, scale=SCALE)

# ------------------------------------------------------------------------------ Model
# No VGG19 weights on this machine: choose the pixel content loss explicitly (the paper's
# SRGAN-MSE). With VGG19 weights, pass content_loss="vgg54", vgg_weights="/path/to.h5".
# The paper's generator has 16 blocks of 64 filters; a smaller one trains fast on a CPU.
model = ganzoo.get("srgan", lr_size=24, scale=SCALE, num_blocks=args.blocks, filters=args.filters, d_filters=16,
                   dense_units=128, content_loss="mse", warmup_steps=2 * args.steps)

# ------------------------------------------------------------------------------ Train
# Epochs 1-2: the MSE warm-up (SRResNet); epoch 3 onwards: SRGAN (content + 1e-3 adversarial).
# The measured run of docs/models/srgan.md used 2000 warm-up and 400 adversarial steps.
model.fit(data, epochs=args.epochs, verbose=2)

# ------------------------------------------------------------------ Look at the results
name = "astronaut"
hr = sr_data.modcrop(test_photos[name], SCALE)
lr = sr_data.to_unit_range(sr_data.bicubic_downsample(hr, SCALE))
sr = model.upscale(lr, tile=64)  # tiles keep memory bounded on large photos
bicubic = sr_data.bicubic_upsample(lr[None], SCALE)[0]
hr = sr_data.to_unit_range(hr)
for label, image in (("bicubic", bicubic), ("SRGAN", sr)):
    mse = np.mean((image[SCALE:-SCALE, SCALE:-SCALE] - hr[SCALE:-SCALE, SCALE:-SCALE]) ** 2) / 4  # [0,1] units
    print(f"{label:8s} RGB PSNR on {name}: {10 * np.log10(1 / mse):.2f} dB")
path = ganzoo.plotting.save_image_grid(
    np.stack([bicubic[100:228, 200:328], sr[100:228, 200:328], hr[100:228, 200:328]]),
    os.path.join(args.out, "srgan_astronaut.png"), ncols=3)
print("bicubic | SRGAN | HR crops:", path)
