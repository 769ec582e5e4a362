"""The example scripts (examples/) run top to bottom with tiny settings: all of them, here.

Slow tier: each is a fresh process that imports Keras and compiles its models.
"""
import os
import subprocess
import sys

import keras
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_example(script, *args):
    env = dict(os.environ, KERAS_BACKEND=keras.config.backend(), PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), *args],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
def test_dcgan_mnist_example(tmp_path):
    out = run_example("dcgan_mnist.py", "--epochs", "1", "--filters", "4", "--num-train", "64",
                      "--eval-samples", "0", "--out", str(tmp_path))
    assert "data: (64, 32, 32, 1)" in out and "generated: (16, 32, 32, 1)" in out
    assert (tmp_path / "dcgan.keras").exists() and (tmp_path / "samples" / "samples_epoch0001.png").exists()


@pytest.mark.slow
def test_gan_ring_example(tmp_path):
    out = run_example("gan_ring.py", "--steps", "20", "--out", str(tmp_path))
    assert "modes covered:" in out and (tmp_path / "ring.png").exists()


@pytest.mark.slow
def test_cgan_mnist_example_on_digits(tmp_path):
    # The MNIST classifier takes minutes to train on a fresh machine: the tiny run uses the
    # example's --dataset digits path (the same code, the digits classifier).
    out = run_example("cgan_mnist.py", "--epochs", "2", "--dataset", "digits", "--image-size", "8",
                      "--filters", "4", "--eval-every", "1", "--eval-samples", "40", "--num-train", "64",
                      "--out", str(tmp_path))
    assert "data: (64, 8, 8, 1) (64,)" in out and "generated sevens: (8, 8, 8, 1)" in out
    line = next(l for l in out.splitlines() if l.startswith("class accuracy of generated digits:"))
    accuracies = eval(line.split(":", 1)[1])  # a list of two floats, one per epoch
    assert len(accuracies) == 2 and all(0.0 <= a <= 1.0 for a in accuracies)
    assert (tmp_path / "cgan.keras").exists() and (tmp_path / "one_row_per_label.png").exists()


@pytest.mark.slow
def test_srgan_photos_example(tmp_path):
    out = run_example("srgan_photos.py", "--epochs", "2", "--steps", "2", "--blocks", "1", "--filters", "8",
                      "--out", str(tmp_path))
    assert "bicubic  RGB PSNR on astronaut" in out and "SRGAN    RGB PSNR on astronaut" in out
    assert (tmp_path / "srgan_astronaut.png").exists()


@pytest.mark.slow
def test_pix2pix_photos_example(tmp_path):
    out = run_example("pix2pix_photos.py", "--epochs", "1", "--image-size", "16", "--filters", "4",
                      "--num-crops", "32", "--out", str(tmp_path))
    assert "translated: (8, 16, 16, 3)" in out and "mean |pix2pix - sharp|" in out
    assert (tmp_path / "pix2pix.keras").exists() and (tmp_path / "samples" / "samples_epoch0001.png").exists()


@pytest.mark.slow
def test_cyclegan_mnist_digits_example(tmp_path):
    out = run_example("cyclegan_mnist_digits.py", "--epochs", "1", "--filters", "4", "--blocks", "1",
                      "--num-train", "8", "--mnist-classifier", "0", "--out", str(tmp_path))
    assert "A: (8, 16, 16, 1) B: (8, 16, 16, 1)" in out and "label preservation A->B" in out
    assert (tmp_path / "cyclegan_mnist_digits.png").exists() and (tmp_path / "cyclegan.keras").exists()


@pytest.mark.slow
def test_stylegan2_mnist_example(tmp_path):
    out = run_example("stylegan2_mnist.py", "--epochs", "1", "--channel-max", "4",
                      "--num-samples", "64", "--out", str(tmp_path))
    assert "generated: (16, 32, 32, 1)" in out
    for name in ("stylegan2.keras", "truncation.png", "mixing.png", "samples/samples_epoch0001.png"):
        assert (tmp_path / name).exists(), name


@pytest.mark.slow
def test_progan_mnist_example(tmp_path):
    out = run_example("progan_mnist.py", "--epochs", "1", "--filters", "4",
                      "--phase-steps", "1", "--num-samples", "64", "--out", str(tmp_path))
    # 4 updates of one step per phase: 4x4, the fade to 8x8, 8x8, the fade to 16x16.
    assert "generated: (16, 32, 32, 1)" in out and "growth at the end: {'step': 4, 'resolution': 16" in out
    assert (tmp_path / "progan.keras").exists() and (tmp_path / "samples" / "samples_epoch0001.png").exists()
