"""Embedded offline data (ganzoo/data/embedded.py): digits and the 2-D mixtures."""
import numpy as np
import pytest

import ganzoo.data as gdata


def test_digits_shapes_range_and_labels():
    x, y = gdata.load("digits", labels=True)
    assert x.shape == (1500, 8, 8, 1)
    assert x.dtype == np.float32
    assert x.min() == -1.0 and x.max() == 1.0
    assert y.shape == (1500,) and y.dtype == np.int32
    assert set(np.unique(y)) == set(range(10))
    # 17 gray levels 0..16 mapped linearly to [-1, 1].
    np.testing.assert_allclose(np.unique(x), np.linspace(-1, 1, 17), atol=1e-6)
    gdata.check_images(x, image_shape=(8, 8, 1))


def test_digits_labels_match_images():
    from sklearn.datasets import load_digits

    ref = load_digits()
    x, y = gdata.load("digits", split="all", labels=True, shuffle=False)
    np.testing.assert_allclose(x[..., 0], ref.images / 8.0 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(y, ref.target)


def _rows(x):
    return {row.tobytes() for row in x.reshape(len(x), -1)}


def test_digits_split_sizes_and_disjointness():
    train = gdata.load("digits", "train", shuffle=False)
    test = gdata.load("digits", "test", shuffle=False)
    full = gdata.load("digits", "all", shuffle=False)
    assert (len(train), len(test), len(full)) == (1500, 297, 1797)
    # The splits are disjoint as index sets: together they give all 1797.
    ref_all = np.concatenate([train, test])
    assert _rows(ref_all) == _rows(full)
    # The split is fixed: independent of shuffle and seed.
    shuffled = gdata.load("digits", "test", seed=123)
    assert _rows(shuffled) == _rows(test)


def test_digits_shuffle_is_reproducible():
    a = gdata.load("digits", labels=True)
    b = gdata.load("digits", labels=True)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    c = gdata.load("digits", labels=True, seed=1)
    assert not np.array_equal(a[1], c[1])
    assert sorted(a[1]) == sorted(c[1])


@pytest.mark.parametrize("size", [16, 32])
def test_digits_resize_bilinear(size):
    x = gdata.load("digits", image_size=size, channels=3, num_samples=50)
    assert x.shape == (50, size, size, 3)
    assert x.dtype == np.float32
    assert x.min() >= -1.0 and x.max() <= 1.0
    np.testing.assert_array_equal(x[..., 0], x[..., 2])
    # Bilinear interpolation creates values between the 17 original levels.
    levels = np.linspace(-1, 1, 17)
    off_level = np.min(np.abs(x[..., :1].reshape(-1, 1) - levels), axis=1) > 1e-4
    assert off_level.mean() > 0.1
    # Same digits, same order, as the native-resolution images.
    small = gdata.load("digits", num_samples=50)
    from skimage.transform import resize

    ref = resize(small[..., 0], (50, size, size), order=1, mode="edge", anti_aliasing=False)
    np.testing.assert_allclose(x[..., 0], ref, atol=1e-5)


def test_digits_num_samples_and_batch_size():
    assert len(gdata.load("digits", num_samples=10)) == 10
    x, y = gdata.load("digits", batch_size=64, labels=True)
    assert len(x) == len(y) == 1500 // 64 * 64


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"image_size": 30}, "image_size=30"),
        ({"image_size": 4}, "image_size=4"),
        ({"split": "validation"}, "split='validation'"),
        ({"channels": 2}, "channels=2"),
        ({"num_samples": 0}, "num_samples=0"),
        ({"num_samples": -3}, "num_samples=-3"),
        ({"seed": -1}, "seed=-1"),
        ({"batch_size": 5000}, "batch_size=5000"),
        ({"labels": "yes"}, "labels='yes'"),
    ],
)
def test_digits_bad_arguments(kwargs, needle):
    with pytest.raises(ValueError, match="Received") as info:
        gdata.load("digits", **kwargs)
    assert needle in str(info.value)


def test_ring_modes():
    modes = gdata.ring_modes()
    assert modes.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 1.0, atol=1e-6)
    # 8 distinct modes (the linspace(0, 2pi, 8) bug would give 7).
    dists = np.linalg.norm(modes[:, None] - modes[None], axis=-1)
    assert np.min(dists + np.eye(8) * 10) > 0.5
    assert len(np.unique(np.round(modes, 4), axis=0)) == 8


def test_grid_modes():
    modes = gdata.grid_modes()
    assert modes.shape == (25, 2)
    assert len(np.unique(modes, axis=0)) == 25
    assert set(np.unique(modes)) == {-4.0, -2.0, 0.0, 2.0, 4.0}


@pytest.mark.parametrize("name, n_modes", [("ring", 8), ("grid", 25)])
def test_mixture_samples(name, n_modes):
    x, y = gdata.load(name, labels=True, num_samples=20_000)
    assert x.shape == (20_000, 2) and x.dtype == np.float32
    assert y.shape == (20_000,) and y.dtype == np.int32
    modes = gdata.ring_modes() if name == "ring" else gdata.grid_modes()
    std = gdata.MIXTURE_STD[name]
    # Every mode is used, roughly uniformly.
    counts = np.bincount(y, minlength=n_modes)
    assert len(counts) == n_modes
    assert counts.min() > 0.7 * 20_000 / n_modes
    # Samples sit near their own mode, and nearest mode == label.
    dist = np.linalg.norm(x[:, None] - modes[None], axis=-1)
    np.testing.assert_array_equal(np.argmin(dist, axis=1), y)
    within = dist[np.arange(len(y)), y] < 3 * std * np.sqrt(2)
    assert within.mean() > 0.98
    # Per-coordinate std matches MIXTURE_STD.
    np.testing.assert_allclose(np.std(x - modes[y]), std, rtol=0.05)
    # Not scaled to [-1, 1]: grid reaches about +-4.
    if name == "grid":
        assert np.abs(x).max() > 3.9


def test_mixture_default_size_and_seed():
    assert gdata.load("grid").shape == (100_000, 2)
    a = gdata.load("ring", num_samples=100, seed=3)
    b = gdata.load("ring", num_samples=100, seed=3)
    c = gdata.load("ring", num_samples=100, seed=4)
    test = gdata.load("ring", "test", num_samples=100, seed=3)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, test)
    np.testing.assert_array_equal(gdata.load("ring", num_samples=5), gdata.load("ring", num_samples=5))


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"image_size": 8}, "image_size=8"),
        ({"channels": 1}, "channels=1"),
        ({"split": "all"}, "split='all'"),
        ({"num_samples": 0}, "num_samples=0"),
    ],
)
def test_mixture_bad_arguments(kwargs, needle):
    with pytest.raises(ValueError, match="Received") as info:
        gdata.load("ring", **kwargs)
    assert needle in str(info.value)
