"""The `ganzoo` command line, end to end in a subprocess (the README's main job, tiny)."""
import os
import subprocess
import sys

import keras
import numpy as np
from PIL import Image

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
