"""The occluded, noisy MNIST restoration task of benchmarks/pix2pix_mnist.py.

The trainings are the benchmark itself (docs/models/pix2pix.md, "Measured: restoring
occluded, noisy MNIST digits"); here the degradation, the pairs and the PSNR, and (slow
tier) a 2-update run of the script.
"""
import importlib.util
import json
import os

import numpy as np
import pytest

import ganzoo

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "pix2pix_mnist.py")
_spec = importlib.util.spec_from_file_location("pix2pix_mnist", _PATH)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def _digits(n=6, size=32):
    x = -np.ones((n, size, size, 1), "float32")
    x[:, 10:22, 14:18] = 1.0  # a bar through the centre, where the occluder goes
    return x


def test_occlude_and_noise_shape_range_and_determinism():
    x = _digits()
    d = ganzoo.data.occlude_and_noise(x, mask_size=(12, 16), noise_std=0.3, seed=3)
    assert d.shape == x.shape and d.dtype == np.float32
    assert d.min() >= -1.0 and d.max() <= 1.0
    np.testing.assert_array_equal(d, ganzoo.data.occlude_and_noise(x, mask_size=(12, 16), noise_std=0.3, seed=3))
    assert not np.array_equal(d, ganzoo.data.occlude_and_noise(x, mask_size=(12, 16), noise_std=0.3, seed=4))
    np.testing.assert_array_equal(x, _digits())  # the input is not modified


def test_occluder_without_noise_is_one_square_of_fill_near_the_centre():
    x = _digits(n=20)
    d = ganzoo.data.occlude_and_noise(x, mask_size=(12, 16), noise_std=0.0, fill=0.0, seed=0)
    for img in d[..., 0]:
        rows, cols = np.nonzero(img == 0.0)
        side = rows.max() - rows.min() + 1
        assert 12 <= side <= 16 and cols.max() - cols.min() + 1 == side and len(rows) == side * side
        assert 8 - side // 2 <= rows.min() and rows.max() < 24 + side // 2 + 1
    assert np.all((d == 0.0) | (d == x))  # everything outside the square unchanged


def test_occlude_and_noise_makes_the_input_worse():
    x = _digits(n=50)
    d = ganzoo.data.occlude_and_noise(x, seed=1)
    assert bench.psnr(x, x) > 90 and bench.psnr(d, x) < 20


@pytest.mark.parametrize("kwargs, message", [
    ({"mask_size": 33}, "mask_size=33"),
    ({"mask_size": (16, 12)}, r"mask_size=\(16, 12\)"),
    ({"mask_size": (0, 4)}, r"mask_size=\(0, 4\)"),
    ({"mask_size": "big"}, "mask_size='big'"),
    ({"noise_std": -0.1}, "noise_std=-0.1"),
    ({"fill": 1.5}, "fill=1.5"),
    ({"seed": -1}, "seed=-1"),
    ({"seed": 1.5}, "seed=1.5"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ganzoo.data.occlude_and_noise(_digits(n=1), **kwargs)
    with pytest.raises(ValueError, match="images.shape"):
        ganzoo.data.occlude_and_noise(np.zeros((4, 32, 32), "float32"))


def test_training_pairs_fresh_degradation_every_pass():
    x = _digits(n=4) * np.linspace(0.5, 1.0, 4)[:, None, None, None].astype("float32")
    a, b = bench.training_pairs(x, steps=3, batch_size=3, seed=0, mask_size=(12, 16), noise_std=0.3)
    assert a.shape == b.shape == (9, 32, 32, 1)
    # Passes of 4 digits: every pass holds each clean digit once, degraded differently.
    assert sorted(b[:4, 16, 16, 0].tolist()) == sorted(x[:, 16, 16, 0].tolist())
    first = {float(v): i for i, v in enumerate(b[:4, 16, 16, 0])}
    second = {float(v): 4 + i for i, v in enumerate(b[4:8, 16, 16, 0])}
    k = next(iter(first))
    assert not np.array_equal(a[first[k]], a[second[k]])
    a2, _ = bench.training_pairs(x, steps=3, batch_size=3, seed=0, mask_size=(12, 16), noise_std=0.3)
    np.testing.assert_array_equal(a, a2)


@pytest.mark.slow
def test_script_two_update_smoke(tmp_path):
    out = tmp_path / "r.jsonl"
    grid = tmp_path / "g.png"
    bench.main(["--steps", "2", "--batch-size", "2", "--filters", "2", "--num-train", "8", "--num-test", "40",
                "--seeds", "0", "--out", str(out), "--images", str(grid)])
    row = json.loads(out.read_text().splitlines()[0])
    assert row["updates"] == 2 and row["train_pairs"] == 4 and row["test_digits"] == 40
    assert set(row["scores"]) == {"input", "pix2pix", "l1_only", "clean"}
    assert grid.exists()
