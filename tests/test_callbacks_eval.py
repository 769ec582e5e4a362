"""PeriodicEvaluation: metrics computed every N epochs land in fit's logs and history."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo import metrics
from ganzoo.callbacks import PeriodicEvaluation
from ganzoo.registry import get_test_config


def _cgan():
    return ganzoo.get("cgan", **get_test_config("cgan"))


def _kernel_mean(model):
    # Reads the current generator weights: on JAX this needs sync_state mid-fit.
    return float(np.mean(keras.ops.convert_to_numpy(model.generator.trainable_variables[0])))


def test_metrics_every_n_epochs_reach_history():
    model = _cgan()
    evaluation = PeriodicEvaluation({"kmean": _kernel_mean, "pair": lambda m: {"a": 1.0, "b": 2.0}}, every=2)
    history = model.fit(*model.example_data(8), batch_size=4, epochs=4, verbose=0, callbacks=[evaluation])
    assert sorted(evaluation.results) == [2, 4]
    assert history.history["kmean"] == [evaluation.results[2]["kmean"], evaluation.results[4]["kmean"]]
    assert history.history["pair_a"] == [1.0, 1.0] and history.history["pair_b"] == [2.0, 2.0]
    assert len(history.history["d_loss"]) == 4
    # The value at epoch 4 is the one of the final weights (JAX state synced first),
    # and the weights moved between epochs 2 and 4.
    assert evaluation.results[4]["kmean"] == pytest.approx(_kernel_mean(model), abs=1e-7)
    assert evaluation.results[2]["kmean"] != evaluation.results[4]["kmean"]


def test_model_checkpoint_monitors_the_metric(tmp_path):
    model = _cgan()
    values = iter([1.0, 2.0, 0.5])
    evaluation = PeriodicEvaluation({"fcd": lambda m: next(values)})
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "e{epoch}.weights.h5"), monitor="fcd", mode="min",
        save_best_only=True, save_weights_only=True)
    history = model.fit(*model.example_data(8), batch_size=4, epochs=3, verbose=0,
                        callbacks=[evaluation, checkpoint])
    assert history.history["fcd"] == [1.0, 2.0, 0.5]
    # Saved when fcd improved (epochs 1 and 3), not at 2: the checkpoint read the value.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e1.weights.h5", "e3.weights.h5"]


def test_digits_factory_matches_metrics():
    model = _cgan()  # 8x8, 3 classes
    clf = metrics.build_digits_classifier()  # random weights: a reference check, not quality
    evaluation = PeriodicEvaluation.digits(num_samples=30, classifier=clf, seed=5)
    history = model.fit(*model.example_data(8), batch_size=4, epochs=1, verbose=0, callbacks=[evaluation])
    got = evaluation.results[1]
    # Reference: the metrics called directly on the final model (1 epoch = the evaluated one).
    labels = (np.arange(30) % model.num_classes).astype("int32")
    fake = model.generate(30, labels=labels, seed=5)
    real = ganzoo.data.load("digits", split="test", image_size=8, shuffle=False)
    assert got["fcd"] == pytest.approx(metrics.frechet_classifier_distance(fake, real, clf), rel=1e-5)
    assert got["class_accuracy"] == pytest.approx(metrics.digits_class_accuracy(fake, labels, clf)["accuracy"])
    assert history.history["fcd"] == [got["fcd"]]


def test_digits_factory_unconditional_logs_fcd_only():
    model = ganzoo.get("dcgan", **get_test_config("dcgan"))
    evaluation = PeriodicEvaluation.digits(num_samples=20, classifier=metrics.build_digits_classifier())
    history = model.fit(model.example_data(8), batch_size=4, epochs=1, verbose=0, callbacks=[evaluation])
    assert np.isfinite(history.history["fcd"][0]) and "class_accuracy" not in history.history


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Received: every=0"):
        PeriodicEvaluation({"x": lambda m: 0.0}, every=0)
    with pytest.raises(ValueError, match=r"Received: metrics\['x'\]=3"):
        PeriodicEvaluation({"x": 3})
    with pytest.raises(ValueError, match=r"Received: metrics=\{\}"):
        PeriodicEvaluation({})
