"""The offline MNIST classifier (ganzoo/metrics/mnist_classifier.py), its scores, and the
training/caching machinery it shares with the digits classifier (_classifiers.py).

The full classifier takes about two CPU-minutes to train, so the fast tier checks the
machinery on a classifier trained for two epochs on 256 digits; the slow tier trains the
real one into a temporary cache and checks its accuracy, its cache and its FCD.
"""
import os

import numpy as np
import pytest

import ganzoo.data
from ganzoo.metrics import (
    CenterCropToGray,
    get_mnist_classifier,
    mnist_class_accuracy,
    mnist_confident_fraction,
    mnist_frechet_distance,
    train_mnist_classifier,
)
from ganzoo.metrics import _classifiers
from ganzoo.metrics.mnist_classifier import shifted_copies


@pytest.fixture(scope="module")
def tiny_classifier():
    return train_mnist_classifier(epochs=2, num_samples=256)


def _test_digits(n=200, size=28):
    return ganzoo.data.load("mnist", split="test", labels=True, shuffle=False, image_size=size)[0][:n], \
        ganzoo.data.load("mnist", split="test", labels=True, shuffle=False)[1][:n]


def test_center_crop_to_gray_undoes_the_padding():
    x28 = ganzoo.data.load("mnist", split="test", num_samples=8)
    x32 = ganzoo.data.load("mnist", split="test", num_samples=8, image_size=32, channels=3)
    layer = CenterCropToGray()
    out28, out32 = np.asarray(layer(x28)), np.asarray(layer(x32))
    assert out32.shape == (8, 28, 28, 1)
    np.testing.assert_allclose(out32, x28, atol=1e-6)
    np.testing.assert_allclose(out28, x28, atol=1e-6)


def test_shifted_copies():
    x = ganzoo.data.load("mnist", split="test", num_samples=3)
    out = shifted_copies(x, 2)
    assert out.shape == (15, 28, 28, 1)
    np.testing.assert_array_equal(out[:3], x)
    np.testing.assert_array_equal(out[3:6, 2:], x[:, :-2])   # moved down by 2
    np.testing.assert_array_equal(out[6:9, :-2], x[:, 2:])   # moved up
    np.testing.assert_array_equal(out[9:12, :, 2:], x[:, :, :-2])  # moved right
    assert np.all(out[3:6, :2] == -1.0)  # the vacated rows are background


def test_training_is_repeatable_and_learns(tiny_classifier):
    again = train_mnist_classifier(epochs=2, num_samples=256)
    for w1, w2 in zip(tiny_classifier.get_weights(), again.get_weights()):
        np.testing.assert_allclose(w1, w2, atol=1e-5)
    x, y = _test_digits()
    # Two epochs of 10 batches (256 digits and their shifted copies) beat chance (0.1) by far.
    assert mnist_class_accuracy(x, y, classifier=tiny_classifier)["accuracy"] > 0.4


def test_scores_on_padded_and_native_digits_agree(tiny_classifier):
    x28, y = _test_digits(100)
    x32, _ = _test_digits(100, size=32)
    a28 = mnist_class_accuracy(x28, y, classifier=tiny_classifier)
    a32 = mnist_class_accuracy(np.repeat(x32, 3, axis=-1), y, classifier=tiny_classifier)
    assert a28 == a32
    assert set(a28["per_label_accuracy"]) == set(np.unique(y).tolist())
    c = mnist_confident_fraction(x32, classifier=tiny_classifier, threshold=0.5)
    probs = tiny_classifier.predict(x28, verbose=0)
    assert c["confident_fraction"] == pytest.approx(np.mean(probs.max(-1) >= 0.5))
    assert sum(c["confident_per_class"]) == round(c["confident_fraction"] * 100) and c["num_images"] == 100
    assert mnist_frechet_distance(x28, x32, classifier=tiny_classifier) == pytest.approx(0.0, abs=1e-3)


def test_frechet_distance_orders_real_above_noise(tiny_classifier):
    train = ganzoo.data.load("mnist", split="train", num_samples=500)
    test = ganzoo.data.load("mnist", split="test", num_samples=500, image_size=32)
    noise = np.random.default_rng(0).uniform(-1, 1, test.shape).astype("float32")
    real_real = mnist_frechet_distance(train, test, classifier=tiny_classifier)
    assert real_real < 0.2 * mnist_frechet_distance(test, noise, classifier=tiny_classifier)


def test_bad_input(tiny_classifier):
    x, y = _test_digits(3)
    with pytest.raises(ValueError, match=r"labels\.shape=\(2,\)"):
        mnist_class_accuracy(x, y[:2], classifier=tiny_classifier)
    with pytest.raises(ValueError, match=r"images\.shape=\(2, 16, 16, 1\)"):
        mnist_confident_fraction(np.zeros((2, 16, 16, 1)), classifier=tiny_classifier)
    with pytest.raises(ValueError, match=r"images_b\.shape=\(0, 28, 28, 1\)"):
        mnist_frechet_distance(x, np.zeros((0, 28, 28, 1)), classifier=tiny_classifier)
    with pytest.raises(ValueError, match="threshold=1.5"):
        mnist_confident_fraction(x, classifier=tiny_classifier, threshold=1.5)


def test_cached_classifier_saves_reloads_and_retrains(tmp_path):
    calls = []

    def train():
        calls.append(1)
        return train_mnist_classifier(epochs=1, num_samples=64, seed=len(calls))

    first, trained = _classifiers.cached_classifier("clf.keras", train, cache_dir=tmp_path)
    assert trained and os.listdir(tmp_path) == ["clf.keras"]  # no temporary file left
    loaded, trained = _classifiers.cached_classifier("clf.keras", train, cache_dir=tmp_path)
    assert not trained and len(calls) == 1
    for w1, w2 in zip(first.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(w1, w2)
    retrained, trained = _classifiers.cached_classifier("clf.keras", train, cache_dir=tmp_path, retrain=True)
    assert trained and len(calls) == 2
    assert not np.array_equal(retrained.get_weights()[0], first.get_weights()[0])


@pytest.mark.slow  # trains the real classifier: about two CPU-minutes
@pytest.mark.long  # 4 minutes in the slow tier; CI deselects it (`pytest --run-slow -m long`)
def test_real_classifier_accuracy_cache_and_floor(tmp_path, capsys):
    model = get_mnist_classifier(cache_dir=tmp_path)
    printed = capsys.readouterr().out
    assert "accuracy on the 1,000 test digits" in printed
    x, y = ganzoo.data.load("mnist", split="test", labels=True, image_size=32)
    accuracy = mnist_class_accuracy(x, y, classifier=model)["accuracy"]
    assert accuracy >= 0.97
    assert f"{accuracy:.4f}" in printed
    assert mnist_confident_fraction(x, classifier=model)["confident_fraction"] >= 0.9
    loaded = get_mnist_classifier(cache_dir=tmp_path)
    assert capsys.readouterr().out == ""  # loaded, not trained again
    np.testing.assert_allclose(loaded.predict(x[:16], verbose=0), model.predict(x[:16], verbose=0), atol=1e-6)
    train = ganzoo.data.load("mnist", split="train")
    noise = np.random.default_rng(0).uniform(-1, 1, x.shape).astype("float32")
    assert mnist_frechet_distance(train, x, classifier=model) < 0.05 * mnist_frechet_distance(x, noise, classifier=model)
