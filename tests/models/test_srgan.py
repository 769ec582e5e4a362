"""srgan (ganzoo/models/srgan.py): output size, the warm-up phase, VGG content loss, arguments."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.models import srgan as srgan_lib
from ganzoo.registry import get_test_config
from tests.harness import numpy


def _tiny(**overrides):
    return ganzoo.get("srgan", **{**get_test_config("srgan"), **overrides})


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_generator_output_is_exactly_scale_times_input(scale):
    gen = srgan_lib.srresnet_generator(channels=3, scale=scale, num_blocks=1, filters=4)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 5, 3, 3)).astype("float32")
    y = numpy(gen(x))
    assert y.shape == (1, 5 * scale, 3 * scale, 3)
    assert srgan_lib.generator_scale(gen) == scale
    assert np.abs(y).max() <= 1.0


def _state(model, net):
    return [numpy(v) for v in getattr(model, net).weights]


def test_warmup_leaves_discriminator_and_its_optimizer_untouched():
    model = _tiny(warmup_steps=100)
    lr, hr = model.example_data(8, seed=1)
    d_before = _state(model, "discriminator")  # kernels, biases and BatchNorm statistics
    d_opt_before = [numpy(v) for v in model.d_optimizer.variables]
    g_before = [numpy(v) for v in model.generator.trainable_variables]

    history = model.fit((lr, hr), batch_size=4, epochs=1, verbose=0)

    assert model.phase == "warmup"
    for a, b in zip(d_before, _state(model, "discriminator")):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(d_opt_before, [numpy(v) for v in model.d_optimizer.variables]):
        np.testing.assert_array_equal(a, b)
    assert int(numpy(model.d_optimizer.iterations)) == 0
    assert int(numpy(model.g_optimizer.iterations)) == 2
    moved = [not np.allclose(a, b) for a, b in zip(g_before, [numpy(v) for v in model.generator.trainable_variables])]
    assert all(moved)
    # Warm-up loss is the pixel MSE of the generator (SRResNet).
    assert history.history["g_loss"][0] == pytest.approx(history.history["content_loss"][0])
    assert history.history["d_loss"][0] == 0.0


def test_phase_switches_inside_one_fit_and_after_reload(tmp_path):
    model = _tiny(warmup_steps=3)
    data = model.example_data(8, seed=1)
    model.fit(data, batch_size=4, epochs=1, verbose=0)  # steps 1-2: warm-up
    assert model.phase == "warmup" and int(numpy(model.d_optimizer.iterations)) == 0
    d_before = _state(model, "discriminator")
    model.fit(data, batch_size=4, epochs=1, verbose=0)  # step 3 warm-up, step 4 adversarial
    assert int(numpy(model.g_optimizer.iterations)) == 4
    assert int(numpy(model.d_optimizer.iterations)) == 1
    assert any(not np.allclose(a, b) for a, b in zip(d_before, _state(model, "discriminator")))

    path = tmp_path / "srgan.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.warmup_steps == 3 and loaded.phase == "adversarial"
    loaded.fit(data, batch_size=4, epochs=1, verbose=0)
    assert int(numpy(loaded.d_optimizer.iterations)) == 3


@pytest.mark.slow  # builds and trains through VGG19 (20 M parameters): ~40 s on JAX
def test_vgg_content_loss_uses_conv5_4_features_rescaled():
    # Random VGG19 weights: the real network and preprocessing, no download.
    model = _tiny(content_loss="vgg54", vgg_weights="random")
    features = model._vgg.model
    assert features.layers[-1].name == "block5_conv4"
    rng = np.random.default_rng(0)
    sr = rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    hr = rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    # Reference: Keras' own caffe preprocessing of 0..255 RGB, features / 12.75.
    prep = keras.applications.vgg19.preprocess_input
    f_sr = numpy(features(prep((sr + 1) * 127.5))) / 12.75
    f_hr = numpy(features(prep((hr + 1) * 127.5))) / 12.75
    expected = np.mean((f_sr - f_hr) ** 2)
    got = float(numpy(model.content_loss(sr, hr)))
    assert got == pytest.approx(expected, rel=1e-4)
    assert got != pytest.approx(float(np.mean((sr - hr) ** 2)), rel=1e-2)
    assert float(numpy(model.content_loss(hr, hr))) == 0.0
    # And it trains: one adversarial step with the VGG content loss.
    history = model.fit(model.example_data(4, seed=1), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["content_loss"][0]) and history.history["content_loss"][0] > 0


def _no_download(*args, **kwargs):
    raise Exception("URL fetch failure: no network in tests")


def test_missing_vgg_weights_raise_and_name_the_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty cache
    monkeypatch.setattr(keras.src.utils.file_utils, "get_file", _no_download)  # offline: never download
    with pytest.raises(ValueError, match=r"content_loss='mse'.*Received: vgg_weights=None"):
        _tiny(content_loss="vgg54")
    with pytest.raises(ValueError, match=r"Received: vgg_weights='/nope.h5'"):
        _tiny(content_loss="vgg54", vgg_weights="/nope.h5")
    with pytest.raises(ValueError, match=r"Received: content_loss='l1'"):
        _tiny(content_loss="l1")


def test_builder_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"Received: scale=3"):
        _tiny(scale=3)
    with pytest.raises(ValueError, match=r"Received: lr_size=4, scale=2"):
        _tiny(lr_size=4)
    model = _tiny()
    lr, hr = model.example_data(4)
    with pytest.raises(ValueError, match=r"Received: hr with shape \(4, 8, 8, 3\)"):
        model.fit((lr, hr[:, :8, :8]), batch_size=4, epochs=1, verbose=0)
