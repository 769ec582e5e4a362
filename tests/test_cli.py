"""The `ganzoo` command line, end to end in a subprocess (the README's main job, tiny)."""
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import ganzoo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_cli(*args, check=True):
    env = dict(os.environ, KERAS_BACKEND=keras.config.backend(), PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-m", "ganzoo.cli", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)
    if check:
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_list_names_every_model():
    out = run_cli("list").stdout
    import ganzoo

    for name in ganzoo.list_models():
        assert name in out


def test_train_then_sample(tmp_path):
    out = tmp_path / "run"
    proc = run_cli("train", "dcgan", "--dataset", "digits", "--epochs", "2", "--image-size", "8",
                   "--batch-size", "64", "--set", "filters=4", "--set", "latent_dim=8",
                   "--out", str(out), "--verbose", "2")
    assert "d_loss" in proc.stdout + proc.stderr  # Keras progress printed
    grids = sorted(os.listdir(out / "samples"))
    assert grids == ["samples_epoch0001.png", "samples_epoch0002.png"]
    png = np.asarray(Image.open(out / "samples" / grids[-1]))
    assert png.ndim == 3 and png.shape[0] > 64 and png.std() > 0  # a real picture, not blank
    for name in ("model.keras", "generator.keras", "history.csv", "history.json"):
        assert (out / name).exists(), name

    model = keras.saving.load_model(out / "model.keras")
    assert model.generator.output.shape[1:] == (8, 8, 1)
    assert int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)) == 2 * -(-1500 // 64)  # 24 batches an epoch, the last one partial

    sample_png = tmp_path / "s.png"
    run_cli("sample", str(out / "model.keras"), "-n", "9", "--out", str(sample_png))
    assert Image.open(sample_png).size[0] > 0


def test_ring_dataset_trains_vector_gan(tmp_path):
    run_cli("train", "gan", "--dataset", "ring", "--epochs", "1", "--batch-size", "2000",
            "--set", "hidden_units=(8,)", "--out", str(tmp_path), "--verbose", "0")
    assert os.listdir(tmp_path / "samples") == ["samples_epoch0001.png"]


def test_unknown_model_is_a_clear_error(tmp_path):
    proc = run_cli("train", "dcgna", "--out", str(tmp_path), check=False)
    assert proc.returncode == 2
    assert "Did you mean: 'dcgan'" in proc.stderr and "Received: name='dcgna'" in proc.stderr


def test_backend_flag_switches_backend():
    other = "jax" if keras.config.backend() != "jax" else "tensorflow"
    out = run_cli("--backend", other, "list").stdout
    assert f"on the {other} backend" in out


# Image-to-image and super-resolution models train from the command line on their embedded
# datasets (tiny networks); the grids show input / output rows from held-out images.
TRAIN_CASES = {
    "pix2pix": (["--image-size", "16", "--batch-size", "256", "--set", "filters=4", "--set", "disc_filters=4"],
                (16, 16, 3), 2),
    "cyclegan": (["--image-size", "8", "--batch-size", "250", "--epochs", "2", "--set", "filters=4",
                  "--set", "disc_filters=4", "--set", "num_residual_blocks=1"], (8, 8, 1), 3),
    "srgan": (["--image-size", "16", "--batch-size", "4", "--steps-per-epoch", "3", "--set", "scale=2",
               "--set", "num_blocks=1", "--set", "filters=8", "--set", "d_filters=4", "--set", "dense_units=8",
               "--set", "content_loss=mse", "--set", "warmup_steps=2"], (8, 8, 3), 2),
}


@pytest.mark.parametrize("name", sorted(TRAIN_CASES))
def test_train_image_to_image_and_super_resolution(name, tmp_path):
    extra, input_shape, columns = TRAIN_CASES[name]
    out = tmp_path / name
    args = ["train", name, "--out", str(out), "--verbose", "0", *extra]
    if "--epochs" not in extra:
        args += ["--epochs", "1"]
    proc = run_cli(*args)
    assert f"training {name} on" in proc.stdout
    grids = sorted(os.listdir(out / "samples"))
    assert grids[-1].endswith(".png")
    png = np.asarray(Image.open(out / "samples" / grids[-1]))
    # One row per held-out input: input, output (and cyclegan's reconstruction) side by side.
    assert png.shape[0] > png.shape[1] and png.std() > 0
    model = ganzoo.load_model(out / "model.keras")
    first = getattr(model, model.network_names[0])
    shape = model.lr_shape if name == "srgan" else tuple(first.inputs[0].shape[1:])  # SR: fully convolutional
    assert shape == input_shape
    steps = int(keras.ops.convert_to_numpy(getattr(model, next(iter(model.optimizer_networks))).iterations))
    assert steps > 0
    if name == "cyclegan":
        # --epochs 2: the paper's schedule scaled to the run, constant 1 epoch then decay 1.
        assert (model.constant_epochs, model.decay_epochs) == (1, 1)
    images, ncols = model.preview(model.example_inputs(2))
    assert ncols == columns and images.shape[0] == 2 * columns


def test_train_rejects_a_dataset_the_model_cannot_use(tmp_path):
    proc = run_cli("train", "cyclegan", "--dataset", "digits", "--out", str(tmp_path / "x"), check=False)
    assert proc.returncode == 2
    assert "Received: --dataset 'digits'" in proc.stderr and "digit_domains" in proc.stderr
