"""The example scripts run top to bottom (tiny settings)."""
import os
import subprocess
import sys

import keras

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_example(script, *args):
    env = dict(os.environ, KERAS_BACKEND=keras.config.backend(), PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), *args],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_dcgan_digits_example(tmp_path):
    out = run_example("dcgan_digits.py", "--epochs", "1", "--image-size", "8", "--filters", "4",
                      "--out", str(tmp_path))
    assert "generated: (16, 8, 8, 1)" in out
    assert (tmp_path / "dcgan.keras").exists() and (tmp_path / "samples" / "samples_epoch0001.png").exists()


def test_gan_ring_example(tmp_path):
    out = run_example("gan_ring.py", "--steps", "20", "--out", str(tmp_path))
    assert "modes covered:" in out and (tmp_path / "ring.png").exists()
