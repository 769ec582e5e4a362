"""The offline digits classifier (ganzoo/metrics/digits_classifier.py) and its metrics."""
import os

import numpy as np
import pytest

from ganzoo.metrics import (
    digits_class_accuracy,
    frechet_classifier_distance,
    get_digits_classifier,
    load_digits_split,
)


@pytest.fixture(scope="module")
def digits_cache(tmp_path_factory):
    cache_dir = tmp_path_factory.mktemp("ganzoo_cache")
    model = get_digits_classifier(cache_dir=str(cache_dir))
    return str(cache_dir), model


def test_digits_split_is_fixed():
    x_tr, y_tr = load_digits_split("train")
    x_te, y_te = load_digits_split("test")
    assert x_tr.shape == (1500, 8, 8, 1) and x_te.shape == (297, 8, 8, 1)
    assert x_tr.min() == -1.0 and x_tr.max() == 1.0
    from sklearn.datasets import load_digits

    perm = np.random.default_rng(0).permutation(1797)
    np.testing.assert_array_equal(y_te, load_digits().target[perm[1500:]])


def test_digits_classifier_accuracy(digits_cache):
    _, model = digits_cache
    x, y = load_digits_split("test")
    out = digits_class_accuracy(x, y, classifier=model)
    assert out["accuracy"] >= 0.97
    assert set(out["per_label_accuracy"]) == set(range(10))
    # Upsampled RGB versions (as generators produce) are classified as well.
    x16 = np.repeat(np.repeat(x, 2, axis=1), 2, axis=2)
    x32rgb = np.repeat(np.repeat(np.repeat(x16, 2, axis=1), 2, axis=2), 3, axis=-1)
    for xs in (x16, x32rgb):
        assert digits_class_accuracy(xs, y, classifier=model)["accuracy"] >= 0.97


def test_digits_classifier_cache_reloads_equal_model(digits_cache):
    cache_dir, model = digits_cache
    assert os.path.exists(os.path.join(cache_dir, "digits_classifier_v1.keras"))
    loaded = get_digits_classifier(cache_dir=cache_dir)
    assert loaded is not model
    for w1, w2 in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w1, w2)
    x, _ = load_digits_split("test")
    np.testing.assert_allclose(
        loaded.predict(x[:16], verbose=0), model.predict(x[:16], verbose=0), atol=1e-6
    )


def test_frechet_classifier_distance(digits_cache):
    _, model = digits_cache
    x_tr, _ = load_digits_split("train")
    x_te, _ = load_digits_split("test")
    noise = np.random.default_rng(0).uniform(-1, 1, x_te.shape).astype("float32")
    real_real = frechet_classifier_distance(x_tr, x_te, classifier=model)
    real_noise = frechet_classifier_distance(x_te, noise, classifier=model)
    assert real_real < 0.1 * real_noise


def test_digits_bad_input(digits_cache):
    _, model = digits_cache
    with pytest.raises(ValueError, match=r"labels\.shape=\(3,\)"):
        digits_class_accuracy(np.zeros((2, 8, 8, 1)), [0, 1, 2], classifier=model)
    with pytest.raises(ValueError, match=r"split='val'"):
        load_digits_split("val")
