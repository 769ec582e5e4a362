"""cgan (ganzoo/models/cgan.py): labels in fit and generate, per-label generation, projection D, tf.data."""
import numpy as np
import pytest

import ganzoo
from ganzoo.registry import get_test_config
from tests.harness import numpy


def _tiny(**kw):
    config = dict(get_test_config("cgan"))
    config.update(kw)
    return ganzoo.get("cgan", **config)


def test_fit_rejects_bad_labels_before_training():
    model = _tiny()
    x, y = model.example_data(8)
    before = [numpy(v) for v in model.trainable_variables]
    with pytest.raises(ValueError, match=r"labels in \[0, 2\].*Received: a label y=3"):
        model.fit(x, np.full(8, 3, "int32"), batch_size=4, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"\(images, labels\) pairs.*Received: a batch of type ndarray"):
        model.fit(x, batch_size=4, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"Received: x with shape \(8, 16, 16, 1\)"):
        model.fit(np.zeros((8, 16, 16, 1), "float32"), y, batch_size=4, epochs=1, verbose=0)
    assert int(numpy(model.d_optimizer.iterations)) == 0
    for a, b in zip(before, model.trainable_variables):
        np.testing.assert_array_equal(a, numpy(b))


def test_generate_rejects_bad_labels():
    model = _tiny()
    with pytest.raises(ValueError, match=r"Received: a label labels=5"):
        model.generate(2, labels=5)
    with pytest.raises(ValueError, match=r"expected 4.*Received: labels.shape=\(3,\)"):
        model.generate(4, labels=[0, 1, 2])


def test_generate_per_label():
    model = _tiny()
    model.fit(*model.example_data(8), batch_size=4, epochs=1, verbose=0)
    labels = np.array([0, 1, 2, 2, 1, 0], "int32")
    images = model.generate(6, labels=labels, seed=3)
    assert images.shape == (6, 8, 8, 1)
    # Reference: the generator itself on the same noise and labels.
    z = np.random.default_rng(3).standard_normal((6, model.latent_dim)).astype("float32")
    np.testing.assert_allclose(images, model.generator.predict([z, labels], verbose=0), atol=1e-6)
    # The label changes the image for the same noise, and an int label means all of it.
    per_class = [model.generate(6, labels=k, seed=3) for k in range(3)]
    assert not np.allclose(per_class[0], per_class[1])
    for i, k in enumerate(labels):
        np.testing.assert_allclose(images[i], per_class[k][i], atol=1e-6)
    # Default labels: every class in order, in equal blocks (one grid row per label).
    assert model.default_labels(9).tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]


def test_projection_discriminator_trains():
    model = _tiny(discriminator="projection")
    assert model.discriminator.get_layer("label_projection") is not None
    x, y = model.example_data(8, seed=1)
    proj = model.discriminator.get_layer("label_projection").embeddings
    before = numpy(proj)
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])
    assert not np.allclose(before, numpy(proj))
    assert int(numpy(model.g_optimizer.iterations)) == 2


def test_bad_discriminator_kind():
    with pytest.raises(ValueError, match=r"Received: discriminator='proj'"):
        _tiny(discriminator="proj")


def test_tf_data_of_images_and_labels():
    import tensorflow as tf

    model = _tiny()
    x, y = model.example_data(8, seed=2)
    ds = tf.data.Dataset.from_tensor_slices((x, y.astype("int64"))).batch(4)
    history = model.fit(ds, epochs=1, verbose=0)
    assert int(numpy(model.d_optimizer.iterations)) == 2
    assert np.isfinite(history.history["g_loss"][0])
    bad = tf.data.Dataset.from_tensor_slices((x, y.astype("float32"))).batch(4)
    with pytest.raises(ValueError, match=r"integer class labels.*Received: y.dtype=float32"):
        model.fit(bad, epochs=1, verbose=0)
    unlabeled = tf.data.Dataset.from_tensor_slices(x).batch(4)
    with pytest.raises(ValueError, match=r"\(images, labels\) pairs"):
        model.fit(unlabeled, epochs=1, verbose=0)
