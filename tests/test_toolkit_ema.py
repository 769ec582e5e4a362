"""Generator EMA (ganzoo/gan.py: `ema_decay`, `ema_start`, `generator_ema`, `generate(use_ema=)`)."""
import keras
import numpy as np
import pytest

import ganzoo
from tests.harness import numpy


def _gan(**kwargs):
    keras.utils.set_random_seed(0)
    return ganzoo.get("gan", data_shape=(2,), latent_dim=3, hidden_units=(8,), seed=0, **kwargs)


def _data(n, seed=1):
    return np.random.default_rng(seed).normal(size=(n, 2)).astype("float32")


def _weights(net):
    return [numpy(v) for v in net.weights]


def _trainable_mask(net):
    return [v.trainable for v in net.weights]


def test_average_follows_the_formula_after_each_generator_update():
    gan = _gan(ema_decay=0.75)
    live0 = _weights(gan.generator)
    np.testing.assert_array_equal(_weights(gan.generator_ema)[0], live0[0])  # starts as a copy
    average = live0
    for step in range(2):
        gan.fit(_data(8, seed=step), batch_size=8, epochs=1, verbose=0, shuffle=False)
        live = _weights(gan.generator)
        average = [0.75 * a + 0.25 * w if t else w
                   for a, w, t in zip(average, live, _trainable_mask(gan.generator))]
        for got, want in zip(_weights(gan.generator_ema), average):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)
    assert not np.allclose(_weights(gan.generator_ema)[0], _weights(gan.generator)[0])


def test_ema_start_copies_the_weights_until_then():
    gan = _gan(ema_decay=0.5, ema_start=2)
    gan.fit(_data(16), batch_size=8, epochs=1, verbose=0, shuffle=False)  # 2 generator updates
    for got, want in zip(_weights(gan.generator_ema), _weights(gan.generator)):
        np.testing.assert_array_equal(got, want)
    before = _weights(gan.generator)
    gan.fit(_data(8, seed=5), batch_size=8, epochs=1, verbose=0, shuffle=False)  # the 3rd: averaged
    for got, a, w in zip(_weights(gan.generator_ema), before, _weights(gan.generator)):
        np.testing.assert_allclose(got, 0.5 * a + 0.5 * w, rtol=1e-5, atol=1e-7)


def test_generate_uses_the_average_by_default_and_on_request():
    gan = _gan(ema_decay=0.9)
    gan.fit(_data(16), batch_size=8, epochs=1, verbose=0)
    z = gan.example_inputs(5, seed=3)
    from_average = gan.generator_ema.predict(z, verbose=0)
    from_live = gan.generator.predict(z, verbose=0)
    assert not np.allclose(from_average, from_live)
    np.testing.assert_allclose(gan.generate(5, seed=3), from_average, rtol=1e-6)
    np.testing.assert_allclose(gan.generate(5, seed=3, use_ema=True), from_average, rtol=1e-6)
    np.testing.assert_allclose(gan.generate(5, seed=3, use_ema=False), from_live, rtol=1e-6)
    assert gan.sampling_network() is gan.generator_ema
    plain = _gan()
    assert plain.ema_model is None and plain.sampling_network() is plain.generator
    with pytest.raises(ValueError, match="Received: use_ema=True"):
        plain.generate(2, use_ema=True)


def test_average_is_saved_in_the_model_and_exports_alone(tmp_path):
    gan = _gan(ema_decay=0.9, ema_start=1)
    gan.fit(_data(16), batch_size=8, epochs=1, verbose=0)
    config = gan.get_config()
    assert (config["ema_decay"], config["ema_start"]) == (0.9, 1)
    gan.save(tmp_path / "gan.keras")
    loaded = keras.saving.load_model(tmp_path / "gan.keras")
    assert (loaded.ema_decay, loaded.ema_start) == (0.9, 1)
    for got, want in zip(_weights(loaded.generator_ema), _weights(gan.generator_ema)):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(loaded.generate(4, seed=0), gan.generate(4, seed=0), rtol=1e-6)
    # The average saved alone is a plain generator holding the averaged weights.
    gan.sampling_network().save(tmp_path / "g_ema.keras")
    alone = keras.saving.load_model(tmp_path / "g_ema.keras")
    z = gan.example_inputs(3, seed=1)
    np.testing.assert_allclose(alone.predict(z, verbose=0), gan.generate(3, seed=1), rtol=1e-6)


@pytest.mark.parametrize("value", [1.0, -0.1, 2, True, "0.9"])
def test_bad_decay_is_refused(value):
    with pytest.raises(ValueError, match=f"Received: ema_decay={value!r}"):
        ganzoo.get("dcgan", image_shape=(8, 8, 1), ema_decay=value)


def test_bad_start_is_refused():
    with pytest.raises(ValueError, match="Received: ema_start=-1"):
        _gan(ema_decay=0.5, ema_start=-1)
