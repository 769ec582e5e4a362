"""Image-pair data (ganzoo/data/image2image.py, embedded_pairs.py): domains, photo pairs, folders."""
import os
from pathlib import Path

import keras
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------ data
def test_digit_domains_are_unpaired_and_restyled():
    from ganzoo.data.embedded_pairs import load_digit_domains

    a, b, ya, yb = load_digit_domains("train", image_size=16, labels=True)
    assert a.shape == (750, 16, 16, 1) and b.shape == (750, 16, 16, 3)
    assert a.min() >= -1 and a.max() <= 1 and b.min() >= -1 and b.max() <= 1
    assert np.mean(a) < -0.3 and np.mean(b) > 0.0  # dark paper vs cream paper
    at, bt, yt, ybt = load_digit_domains("test", image_size=16, labels=True)
    assert len(at) == len(bt) == 297 and np.array_equal(yt, ybt)
    assert not any(np.allclose(x, y) for x in a[:50] for y in at[:50])  # held out


def test_photo_pairs_hold_out_test_photos():
    from ganzoo.data.embedded_pairs import load_photo_pairs

    a, b = load_photo_pairs("deblur", "train", image_size=16, num_crops=32)
    assert a.shape == b.shape == (32, 16, 16, 3)
    # Blurred input has less high-frequency energy than the sharp target.
    grad = lambda x: np.mean(np.abs(np.diff(x, axis=2)))  # noqa: E731
    assert grad(a) < grad(b)
    ga, gb = load_photo_pairs("colorize", "test", image_size=16, num_crops=8)
    assert ga.shape == (8, 16, 16, 1) and gb.shape == (8, 16, 16, 3)
    with pytest.raises(ValueError, match="task='sketch'"):
        load_photo_pairs("sketch")


def _write_png(path, array):
    from PIL import Image

    Image.fromarray(array).save(path)


def test_folder_loaders(tmp_path):
    from ganzoo.data.image2image import (
        load_paired_folder,
        load_paired_folders,
        load_unpaired_folders,
    )

    rng = np.random.default_rng(0)
    for d in ("a", "b", "pairs", "b_bad"):
        os.makedirs(tmp_path / d)
    for i in range(4):
        _write_png(tmp_path / "a" / f"{i}.png", rng.integers(0, 256, (20, 20, 3), dtype=np.uint8))
        _write_png(tmp_path / "b" / f"{i}.png", rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
        _write_png(tmp_path / "b_bad" / f"x{i}.png", rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
        side = np.concatenate([np.zeros((16, 16, 3), np.uint8), np.full((16, 16, 3), 255, np.uint8)], axis=1)
        _write_png(tmp_path / "pairs" / f"{i}.png", side)

    a, b = next(iter(load_unpaired_folders(tmp_path / "a", tmp_path / "b", image_size=16, channels_b=1,
                                           batch_size=2)))
    assert tuple(a.shape) == (2, 16, 16, 3) and tuple(b.shape) == (2, 16, 16, 1)
    # Side by side: A is the black left half, B the white right half, after jitter too.
    a, b = next(iter(load_paired_folder(tmp_path / "pairs", image_size=8, batch_size=4)))
    np.testing.assert_allclose(np.asarray(a), -1.0, atol=1e-5)
    np.testing.assert_allclose(np.asarray(b), 1.0, atol=1e-5)
    a, b = next(iter(load_paired_folders(tmp_path / "a", tmp_path / "b", image_size=16, jitter=False,
                                         shuffle=False, batch_size=4)))
    assert tuple(a.shape) == tuple(b.shape) == (4, 16, 16, 3)
    with pytest.raises(ValueError, match="same image names"):
        load_paired_folders(tmp_path / "a", tmp_path / "b_bad")
    with pytest.raises(ValueError, match="Received: directory="):
        load_paired_folder(tmp_path / "missing")


@pytest.mark.skipif(keras.config.backend() != "jax", reason="backend-independent: runs once, under jax")
def test_data_loaders_check_arguments_before_tensorflow(tmp_path):
    """Bad arguments fail before TensorFlow is imported; without TensorFlow, the error names the loader."""
    import subprocess
    import sys

    os.makedirs(tmp_path / "a")
    _write_png(tmp_path / "a" / "0.png", np.zeros((8, 8, 3), np.uint8))
    code = f"""
import sys
sys.modules["tensorflow"] = None  # as if not installed: `import tensorflow` raises ImportError
import ganzoo.data as d
a = {str(tmp_path / "a")!r}
for call, needle in [
    (lambda: d.load_unpaired_folders(a, a, channels_b=2), "channels_b=2"),
    (lambda: d.load_unpaired_folders(a, a + "/missing"), "dir_b="),
    (lambda: d.load_paired_folder(a, channels=2), "channels=2"),
    (lambda: d.load_image_folder(a, channels=True), "channels=True"),
    (lambda: d.load_paired_folders(a, a, batch_size=0), "batch_size=0"),
    (lambda: d.load_image_folder(a, image_size=4), "image_size=4"),
    (lambda: d.load_cycle_gan(split="val"), "split='val'"),
    (lambda: d.load_div2k(scale=8), "scale=8"),
]:
    try:
        call()
    except ValueError as e:
        assert needle in str(e), (needle, e)
    else:
        raise AssertionError(needle)
try:
    d.load_image_folder(a)
except ImportError as e:
    assert "load_image_folder" in str(e) and "pip install tensorflow-cpu" in str(e), e
else:
    raise AssertionError("no ImportError")
"""
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_zip_unpaired_shuffles_sides_independently_and_repeats_the_shorter():
    import tensorflow as tf

    from ganzoo.data.image2image import zip_unpaired

    ds = zip_unpaired(tf.data.Dataset.range(10), tf.data.Dataset.range(4), seed=3)
    pairs = [(int(a), int(b)) for a, b in ds]
    assert len(pairs) == 10  # one epoch covers the longer side
    assert sorted(a for a, _ in pairs) == list(range(10))
    assert set(b for _, b in pairs) == set(range(4))
    assert [a for a, _ in pairs] != list(range(10))  # shuffled
