"""The unpaired MNIST (A) ↔ scikit-learn digits (B) domains (ganzoo/data/mnist_digits.py)."""
import numpy as np
import pytest

import ganzoo
from ganzoo.data import mnist_digits


def test_train_domains_are_two_real_datasets_with_balanced_labels():
    a, b, ya, yb = ganzoo.data.load_mnist_digits("train", image_size=16, labels=True)
    assert a.shape == (1500, 16, 16, 1) and b.shape == (1500, 16, 16, 1)
    assert a.dtype == b.dtype == np.float32
    for x in (a, b):
        assert -1.0 <= x.min() < -0.99 and 0.5 < x.max() <= 1.0
    np.testing.assert_array_equal(np.bincount(ya), [150] * 10)
    assert np.bincount(yb, minlength=10).min() > 100
    # A is MNIST (its train split, halved), B is scikit-learn's digits: not the same images.
    x32, y32 = ganzoo.data.load("mnist", split="train", image_size=32, labels=True, shuffle=False)
    halved = x32.reshape(-1, 16, 2, 16, 2, 1).mean(axis=(2, 4))
    rows = {r.tobytes() for r in halved.astype("float32")}
    assert all(r.tobytes() in rows for r in a)
    digits = ganzoo.data.load("digits", split="train", image_size=16, shuffle=False)
    np.testing.assert_array_equal(b, digits)
    # MNIST keeps its empty border (a digit centred in a frame); sklearn digits fill theirs.
    assert a[:, 0].mean() < -0.99 and b[:, :, :2].mean() > a[:, :, :2].mean()


def test_test_split_is_held_out_at_both_sizes():
    a, b, ya, yb = ganzoo.data.load_mnist_digits("test", image_size=32, labels=True)
    assert a.shape == (1000, 32, 32, 1) and b.shape == (297, 32, 32, 1)
    np.testing.assert_array_equal(a, ganzoo.data.load("mnist", split="test", image_size=32, shuffle=False))
    assert len(ya) == 1000 and len(yb) == 297


@pytest.mark.parametrize("kwargs, shown", [({"split": "all"}, "split='all'"),
                                           ({"image_size": 28}, "image_size=28")])
def test_bad_arguments_name_the_value(kwargs, shown):
    with pytest.raises(ValueError, match=f"Received: {shown}"):
        mnist_digits.load_mnist_digits(**kwargs)


def test_cli_data_kind_unpaired():
    td = ganzoo.data.load_for_training("unpaired", "mnist_digits")
    a, b = td.data
    assert td.info == {"image_shape": (16, 16, 1), "channels_b": 1}
    assert len(a) == len(b) == 1500 and td.preview.shape == (8, 16, 16, 1)
    with pytest.raises(ValueError, match="mnist_digits"):
        ganzoo.data.load_for_training("unpaired", "mnist_digit")
