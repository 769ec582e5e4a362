"""Callbacks (ganzoo/callbacks.py): SampleGrid and PeriodicEvaluation."""
import keras
import numpy as np
import pytest
from PIL import Image

import ganzoo
from ganzoo import metrics
from ganzoo.callbacks import PeriodicEvaluation
from ganzoo.registry import get_test_config


def test_sample_grid_every_n_epochs_reflects_training(tmp_path):
    gan = ganzoo.get("dcgan", image_shape=(8, 8, 1), filters=4, latent_dim=8, seed=0)
    x = ganzoo.data.load("digits", num_samples=64)
    grids = ganzoo.callbacks.SampleGrid(tmp_path, every=2, num_samples=16, seed=3)
    gan.fit(x, batch_size=16, epochs=4, verbose=0, callbacks=[grids])
    assert [p.split("/")[-1] for p in grids.paths] == ["samples_epoch0002.png", "samples_epoch0004.png"]
    first, last = (np.asarray(Image.open(p).convert("L"), "float32") for p in grids.paths)
    assert first.shape == last.shape and first.std() > 0
    assert np.abs(first - last).mean() > 0  # the generator changed between the two grids


def test_sample_grid_scatter_for_vectors(tmp_path):
    gan = ganzoo.get("gan", data_shape=(2,), hidden_units=(8,))
    grids = ganzoo.callbacks.SampleGrid(tmp_path, num_samples=8)
    gan.fit(ganzoo.data.load("ring", num_samples=256), batch_size=64, epochs=1, verbose=0, callbacks=[grids])
    assert Image.open(grids.paths[0]).size == (400, 400)


def test_sample_grid_rejects_bad_every():
    with pytest.raises(ValueError, match="Received: every=0"):
        ganzoo.callbacks.SampleGrid("x", every=0)


def test_sample_grid_rows_of_input_translation_reconstruction(tmp_path):
    import keras

    from ganzoo.registry import get_test_config

    model = ganzoo.get("cyclegan", **get_test_config("cyclegan"))  # 16x16x3 A and B
    a, b = model.example_data(4)
    grids = ganzoo.callbacks.SampleGrid(tmp_path, num_samples=3, inputs=a)
    model.fit(a, b, batch_size=2, epochs=1, verbose=0, callbacks=[grids])
    images, ncols = model.preview(a[:3])
    assert ncols == 3 and images.shape == (9, 16, 16, 3)
    # Row i: the input, its translation, and the translation translated back.
    np.testing.assert_array_equal(images[0], a[0])
    np.testing.assert_allclose(images[1], model.translate(a[:1])[0], atol=1e-5)
    np.testing.assert_allclose(images[2], model.translate(model.translate(a[:1]), "b_to_a")[0], atol=1e-5)
    png = np.asarray(Image.open(grids.paths[0]))
    assert png.shape[0] > png.shape[1]  # 3 rows of 3: taller than wide with the title
    # Without fixed inputs there is nothing to show: refused before any training.
    fresh = ganzoo.get("cyclegan", **get_test_config("cyclegan"))
    with pytest.raises(ValueError, match="Received: inputs=None"):
        fresh.fit(a, b, batch_size=2, epochs=1, verbose=0, callbacks=[ganzoo.callbacks.SampleGrid(tmp_path)])
    assert int(keras.ops.convert_to_numpy(fresh.g_optimizer.iterations)) == 0


def test_sample_grid_for_super_resolution(tmp_path):
    from ganzoo.registry import get_test_config

    model = ganzoo.get("srgan", **get_test_config("srgan"))  # x2, LR 8x8
    lr, hr = model.example_data(4)
    images, ncols = model.preview(lr[:2])
    assert ncols == 2 and images.shape == (4, 16, 16, 3)
    np.testing.assert_array_equal(images[0], np.repeat(np.repeat(lr[0], 2, axis=0), 2, axis=1))
    np.testing.assert_allclose(images[1], model.upscale(lr[:1])[0], atol=1e-5)


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


def test_mnist_factory_matches_metrics():
    # A 32x32 cgan (10 classes) and the MNIST classifier's network with random weights: a
    # reference check of what is logged, not of quality.
    model = ganzoo.get("cgan", image_shape=(32, 32, 1), num_classes=10, latent_dim=8, filters=4, embed_dim=4)
    clf = metrics.build_mnist_classifier()
    evaluation = PeriodicEvaluation.mnist(num_samples=40, classifier=clf, seed=5)
    history = model.fit(*model.example_data(4), batch_size=4, epochs=1, verbose=0, callbacks=[evaluation])
    got = evaluation.results[1]
    labels = (np.arange(40) % 10).astype("int32")
    fake = model.generate(40, labels=labels, seed=5)
    real = ganzoo.data.load("mnist", split="test", image_size=32, shuffle=False)
    assert real.shape == (1000, 32, 32, 1)
    assert got["fcd"] == pytest.approx(metrics.mnist_frechet_distance(fake, real, clf), rel=1e-5)
    assert got["class_accuracy"] == pytest.approx(metrics.mnist_class_accuracy(fake, labels, clf)["accuracy"])
    assert got["confident"] == pytest.approx(metrics.mnist_confident_fraction(fake, clf)["confident_fraction"])
    assert history.history["confident"] == [got["confident"]]
    # The next evaluation draws again from the trained model (not the cached first draw).
    model.fit(*model.example_data(4), batch_size=4, epochs=1, verbose=0)
    again = evaluation.evaluate()
    fake2 = model.generate(40, labels=labels, seed=5)
    assert not np.allclose(fake, fake2)
    assert again["fcd"] == pytest.approx(metrics.mnist_frechet_distance(fake2, real, clf), rel=1e-5)


def test_mnist_factory_bad_size_and_count():
    with pytest.raises(ValueError, match=r"Received: num_samples=0"):
        PeriodicEvaluation.mnist(num_samples=0)
    model = ganzoo.get("dcgan", image_shape=(16, 16, 1), filters=4, latent_dim=8)
    evaluation = PeriodicEvaluation.mnist(num_samples=8, classifier=metrics.build_mnist_classifier())
    with pytest.raises(ValueError, match=r"image_size=16"):
        model.fit(model.example_data(4), batch_size=4, epochs=1, verbose=0, callbacks=[evaluation])


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Received: every=0"):
        PeriodicEvaluation({"x": lambda m: 0.0}, every=0)
    with pytest.raises(ValueError, match=r"Received: metrics\['x'\]=3"):
        PeriodicEvaluation({"x": 3})
    with pytest.raises(ValueError, match=r"Received: metrics=\{\}"):
        PeriodicEvaluation({})
