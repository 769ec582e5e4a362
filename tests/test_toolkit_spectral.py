"""Spectral normalisation of the discriminator (ganzoo/spectral.py, builders' `spectral_norm`)."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.spectral import SpectralNorm, spectral_layers
from tests.harness import numpy


def _kernel_matrix(layer):
    # The paper's reshape: one column per output unit (kh·kw·in, out) for a convolution.
    kernel = numpy(layer.layer.kernel)
    return kernel.reshape(-1, kernel.shape[-1])


def _normalize(v):
    return v / np.sqrt(np.sum(v ** 2) + 1e-12)


def test_one_power_iteration_per_training_step():
    # WGAN-GP calls its critic on real, fake, the interpolates (d_steps=2 times) and for the
    # generator: still exactly one power iteration per step, from the step's first kernel.
    keras.utils.set_random_seed(0)
    model = ganzoo.get("wgan_gp", data_shape=(2,), hidden_units=(6,), d_steps=2, spectral_norm=True, seed=0)
    wrapped = spectral_layers(model.discriminator)
    assert len(wrapped) == 2
    expected = []
    for layer in wrapped:
        w, u = _kernel_matrix(layer), numpy(layer.u)
        v = _normalize(w @ u)
        expected.append(_normalize(w.T @ v))
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    model.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for layer, want in zip(wrapped, expected):
        np.testing.assert_allclose(numpy(layer.u), want, rtol=1e-5, atol=1e-6)


def test_no_update_at_inference_and_the_call_uses_the_normalised_kernel():
    keras.utils.set_random_seed(0)
    model = ganzoo.get("gan", data_shape=(3,), hidden_units=(), spectral_norm=True, seed=0)
    (layer,) = spectral_layers(model.discriminator)
    u = numpy(layer.u)
    x = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    out = numpy(model.discriminator(x, training=True))
    numpy(model.discriminator(x, training=False))
    np.testing.assert_array_equal(numpy(layer.u), u)
    w = _kernel_matrix(layer)
    sigma = np.linalg.norm(w @ _normalize(u))
    np.testing.assert_allclose(out, x @ (w / sigma) + numpy(layer.layer.bias), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, kwargs", [
    ("dcgan", {"image_shape": (8, 8, 1), "latent_dim": 4, "filters": 4}),
    ("gan", {"data_shape": (2,), "latent_dim": 2, "hidden_units": (8, 8)}),
])
def test_largest_singular_value_is_one_after_training(name, kwargs):
    keras.utils.set_random_seed(0)
    model = ganzoo.get(name, spectral_norm=True, seed=0, **kwargs)
    wrapped = spectral_layers(model.discriminator)
    assert wrapped and not any(isinstance(l, (keras.layers.Dense, keras.layers.Conv2D))
                               for l in model.discriminator.layers)  # every kernel wrapped
    model.fit(model.example_data(8 * 40, seed=1), batch_size=8, epochs=1, verbose=0)
    raw = []
    for layer in wrapped:
        w, u = _kernel_matrix(layer), numpy(layer.u)
        sigma = np.linalg.norm(w @ _normalize(u))
        assert abs(np.linalg.svd(w / sigma, compute_uv=False)[0] - 1.0) < 0.05, layer.name
        np.testing.assert_allclose(numpy(layer.normalized_kernel()).reshape(w.shape), w / sigma, rtol=1e-5)
        raw.append(np.linalg.svd(w, compute_uv=False)[0])
    assert any(abs(s - 1.0) > 0.05 for s in raw)  # the kernels themselves are not normalised


def test_u_is_saved_and_loaded(tmp_path):
    keras.utils.set_random_seed(0)
    model = ganzoo.get("dcgan", image_shape=(8, 8, 1), latent_dim=4, filters=4, spectral_norm=True, seed=0)
    model.fit(model.example_data(8, seed=1), batch_size=4, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    for a, b in zip(spectral_layers(model.discriminator), spectral_layers(loaded.discriminator)):
        np.testing.assert_array_equal(numpy(a.u), numpy(b.u))
    x = model.example_data(3, seed=2)
    np.testing.assert_allclose(numpy(loaded.discriminator(x)), numpy(model.discriminator(x)), rtol=1e-5, atol=1e-6)


def test_bad_values_are_refused():
    with pytest.raises(ValueError, match="Received: spectral_norm='yes'"):
        ganzoo.get("gan", spectral_norm="yes")
    with pytest.raises(TypeError, match="Received: layer=BatchNormalization"):
        SpectralNorm(keras.layers.BatchNormalization())
