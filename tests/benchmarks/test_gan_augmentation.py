"""benchmarks/gan_augmentation.py: exact update counts and the per-class draw of the k digits."""
import importlib.util
import os

import keras
import numpy as np

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "gan_augmentation.py")
_spec = importlib.util.spec_from_file_location("gan_augmentation", _PATH)
ga = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ga)


def test_passes_gives_exact_rows_each_seen_evenly():
    idx = ga.passes(7 * 32, 50, seed=3)  # 224 rows of 50: 4 whole passes and 24 of a fifth
    assert len(idx) == 7 * 32
    counts = np.bincount(idx, minlength=50)
    assert set(counts) == {4, 5} and (counts == 5).sum() == 24
    assert sorted(idx[:50]) == list(range(50))  # the first pass is a permutation
    assert not np.array_equal(idx[:50], np.arange(50))  # shuffled
    np.testing.assert_array_equal(idx, ga.passes(7 * 32, 50, seed=3))


def test_stratified_subset_is_per_class_and_seeded():
    y = np.repeat(np.arange(10), 30)
    a, b = ga.stratified_subset(y, 50, 0), ga.stratified_subset(y, 50, 1)
    assert np.bincount(y[a], minlength=10).tolist() == [5] * 10
    assert len(set(a)) == 50 and not np.array_equal(a, b)


def test_train_classifier_runs_exactly_the_asked_updates():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(20, 32, 32, 1)).astype("float32")
    y = np.arange(20) % 10
    clf = ga.train_classifier(x, y, updates=3, seed=0, batch_size=16)  # 100 shifted rows: 48 used
    assert int(keras.ops.convert_to_numpy(clf.optimizer.iterations)) == 3  # 7 before: whole epochs


def test_within_label_spread_is_zero_for_one_digit_per_label():
    rng = np.random.default_rng(0)
    protos = rng.uniform(-1, 1, size=(3, 4, 4, 1))
    y = np.repeat(np.arange(3), 5)
    assert ga.within_label_spread(protos[y], y) < 1e-6  # collapsed: each label one image
    noisy = protos[y] + rng.normal(0, 0.1, size=(15, 4, 4, 1))
    assert 0.05 < ga.within_label_spread(noisy, y) < 0.15
    # spread between labels does not count: 3 labels of 5 distinct digits each vs one label
    assert ga.within_label_spread(protos[y], np.zeros(15, int)) > 0.3
