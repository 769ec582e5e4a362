"""Deferred build (issue 21): `ganzoo.get(name).fit(data)` for every image model, the
networks built from the first batch with the paper's size-dependent defaults."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo import validation
from ganzoo.registry import get_test_config

IMAGE_MODELS = ("cgan", "cyclegan", "dcgan", "pix2pix", "progan", "srgan", "stylegan2", "wgan_gp")
SHAPE_ARGS = ("image_shape", "lr_size", "channels", "channels_b")


def _without_shapes(name):
    return {k: v for k, v in get_test_config(name).items() if k not in SHAPE_ARGS}


def _numpy(v):
    return np.array(keras.ops.convert_to_numpy(v))


def test_every_image_model_is_registered_here():
    assert set(IMAGE_MODELS) == set(ganzoo.list_models()) - {"gan"}  # gan: 2-D points by default


@pytest.mark.parametrize("name", IMAGE_MODELS)
def test_first_batch_builds_the_same_networks_as_explicit_shapes(name):
    explicit = ganzoo.get(name, **get_test_config(name))
    data = explicit.example_data(4, seed=1)
    model = ganzoo.get(name, **_without_shapes(name))
    assert model.is_deferred and not model.built
    validation.check_fit_data(model, data)  # what fit runs first: check, build, check again
    assert not model.is_deferred and model.build_note.startswith("built from the first batch: ")
    for net in model.network_names:
        got, want = getattr(model, net), getattr(explicit, net)
        assert [tuple(i.shape) for i in got.inputs] == [tuple(i.shape) for i in want.inputs], net
        assert got.count_params() == want.count_params(), net
    assert model.compiled and set(model.optimizer_networks) <= set(vars(model))


# pix2pix (a U-Net and a PatchGAN compiled from the first batch: ~65 s on TensorFlow) in the slow tier.
@pytest.mark.parametrize("name", ["dcgan", pytest.param("pix2pix", marks=pytest.mark.slow)])
def test_fit_trains_a_model_built_from_its_first_batch(name):
    data = ganzoo.get(name, **get_test_config(name)).example_data(4, seed=1)
    model = ganzoo.get(name, **_without_shapes(name))
    model.fit(data, batch_size=4, epochs=1, verbose=0)
    for opt in model.optimizer_networks:  # every optimizer stepped
        assert int(_numpy(getattr(model, opt).iterations)) >= 1, opt
    first = getattr(model, model.network_names[0])
    assert not np.allclose(_numpy(first.trainable_variables[0]), 0)
    assert model.predict(model.example_inputs(2), verbose=0).shape[0] == 2


def test_cyclegan_picks_the_papers_depth_for_the_size():
    small = ganzoo.get("cyclegan", filters=2, disc_filters=2)
    small.build_from_batch((np.zeros((1, 16, 16, 1), "float32"), np.zeros((1, 16, 16, 3), "float32")))
    assert "num_residual_blocks=6" in small.build_note and "channels_b=3" in small.build_note
    assert "identity_weight=0.0" in small.build_note  # A and B differ in channels
    lines = []
    small.summary(print_fn=lambda line, **kw: lines.append(line))
    assert any("num_residual_blocks=6" in line for line in lines)

    large = ganzoo.get("cyclegan", filters=2, disc_filters=2)
    large.build_from_batch((np.zeros((1, 256, 256, 3), "float32"),) * 2)
    assert "num_residual_blocks=9" in large.build_note and "disc_layers=3" in large.build_note
    nine = ganzoo.get("cyclegan", image_shape=(256, 256, 3), filters=2, disc_filters=2, num_residual_blocks=9)
    assert large.generator_ab.count_params() == nine.generator_ab.count_params()


def test_pix2pix_unet_depth_follows_the_size():
    model = ganzoo.get("pix2pix", filters=2, disc_filters=2)
    model.build_from_batch((np.zeros((1, 32, 32, 3), "float32"),) * 2)
    assert "depth=5" in model.build_note  # down to a 1x1 bottleneck: log2(32)


def test_data_is_checked_before_anything_is_built():
    model = ganzoo.get("dcgan", filters=4, latent_dim=8)
    pixels = np.random.default_rng(0).integers(0, 256, (8, 16, 16, 1)).astype("uint8")
    with pytest.raises(ValueError, match="Received: x with dtype=uint8"):
        model.fit(pixels, batch_size=4, verbose=0)
    assert model.is_deferred
    with pytest.raises(ValueError, match=r"first batch of `fit`, which gives image_shape=\(12, 12, 1\).*"
                                         r"Received: image_shape=\(12, 12, 1\)"):
        model.fit(np.zeros((4, 12, 12, 1), "float32"), batch_size=4, verbose=0)
    assert model.is_deferred
    # Non-shape arguments are still checked when the builder is called.
    with pytest.raises(ValueError, match="Received: filters=0"):
        ganzoo.get("cyclegan", filters=0)


def test_explicit_shapes_still_build_now_and_validate_the_data():
    model = ganzoo.get("dcgan", image_shape=(8, 8, 1), filters=4, latent_dim=8)
    assert not model.is_deferred and model.generator.outputs[0].shape[1:] == (8, 8, 1)
    with pytest.raises(ValueError, match=r"Received: x with shape \(4, 16, 16, 1\)"):
        model.fit(np.zeros((4, 16, 16, 1), "float32"), batch_size=4, verbose=0)


def test_an_unbuilt_model_says_what_to_do():
    model = ganzoo.get("cyclegan")  # the paper's 256x256 model: nothing is built yet
    assert len(model.weights) < 5  # the noise seed and the NaN flag, no network
    with pytest.raises(AttributeError, match="builds its networks from the first batch"):
        model.translate(np.zeros((1, 16, 16, 3), "float32"))
    with pytest.raises(ValueError, match="not built yet"):
        model.get_config()
    lines = []
    model.summary(print_fn=lambda line, **kw: lines.append(line))
    assert "not built yet" in lines[0]


def test_compile_before_the_build_is_kept():
    model = ganzoo.get("dcgan", filters=4, latent_dim=8)
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    model.fit(np.zeros((4, 8, 8, 1), "float32"), batch_size=4, verbose=0)
    assert np.isclose(float(_numpy(model.d_optimizer.learning_rate)), 1e-3)
    assert np.isclose(float(_numpy(model.g_optimizer.learning_rate)), 2e-4)  # the paper's default


def test_deferred_model_saves_and_loads(tmp_path):
    model = ganzoo.get("dcgan", filters=4, latent_dim=8, seed=0)
    x = ganzoo.data.load("digits", image_size=8)[:16]
    model.fit(x, batch_size=8, epochs=1, verbose=0)
    model.save(tmp_path / "dcgan.keras")
    loaded = ganzoo.load_model(tmp_path / "dcgan.keras")
    np.testing.assert_allclose(loaded.generate(4, seed=0), model.generate(4, seed=0), atol=1e-5)
    loaded.fit(x, batch_size=8, epochs=1, verbose=0)  # a second fit continues the optimizer
    assert int(_numpy(loaded.g_optimizer.iterations)) == 4
