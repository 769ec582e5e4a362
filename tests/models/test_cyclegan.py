"""cyclegan (ganzoo/models/cyclegan.py): LR decay, image pools and resume, losses, sizes, arguments."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.layers import patchgan_discriminator
from ganzoo.models.cyclegan import CycleGAN, default_residual_blocks
from ganzoo.models.pix2pix import unet_depth
from tests.harness import numpy


def _tiny_cyclegan(**kw):
    config = dict(image_shape=(16, 16, 1), channels_b=3, filters=4, disc_filters=4,
                  num_residual_blocks=1, seed=0)
    config.update(kw)
    return ganzoo.get("cyclegan", **config)


@pytest.mark.heavy  # two cyclegan compiles (27 CPU-s on TensorFlow)
def test_cyclegan_fit_decays_to_zero_survives_resume_and_keeps_pool(tmp_path):
    # A (1 channel) and B (3 channels) differ in channels; identity loss is then off.
    model = _tiny_cyclegan(constant_epochs=1, decay_epochs=2, pool_size=3)
    assert model.identity_weight == 0.0
    a, b = model.example_data(8, seed=0)
    assert a.shape[-1] == 1 and b.shape[-1] == 3
    model.fit(a, b, batch_size=4, epochs=1, verbose=0)  # fit counts 2 steps per epoch
    assert model.g_optimizer._learning_rate.steps_per_epoch == 2
    np.testing.assert_allclose(numpy(model.g_optimizer.learning_rate), 2e-4, rtol=1e-6)
    # The pool ran inside the compiled step: full after 8 images, and saved.
    assert int(numpy(model.pool_a.count)) == 3 and int(numpy(model.pool_b.count)) == 3
    assert np.abs(numpy(model.pool_b.buffer)[:3]).sum() > 0
    path = tmp_path / "cg.keras"
    model.save(path)

    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(numpy(loaded.pool_b.buffer), numpy(model.pool_b.buffer))
    assert int(numpy(loaded.pool_a.count)) == 3
    loaded.fit(a, b, batch_size=4, epochs=3, initial_epoch=1, verbose=0)
    for opt in (loaded.g_optimizer, loaded.d_optimizer):
        assert int(numpy(opt.iterations)) == 6
        assert float(numpy(opt.learning_rate)) == 0.0  # zero at the end of the last epoch
    out = loaded.translate(a[:2], "a_to_b")
    assert out.shape == (2, 16, 16, 3) and np.all(np.abs(out) <= 1)
    assert loaded.translate(b[:2], "b_to_a").shape == (2, 16, 16, 1)


# ------------------------------------------------------------------ losses
def _identity_net(shape, name):
    inp = keras.Input(shape)
    return keras.Model(inp, keras.layers.Identity()(inp), name=name)


def test_identity_and_cycle_losses_are_zero_for_identity_generators():
    shape = (16, 16, 3)
    model = CycleGAN(
        _identity_net(shape, "generator_ab"), _identity_net(shape, "generator_ba"),
        patchgan_discriminator(shape, 4, 2, "instance", name="discriminator_a"),
        patchgan_discriminator(shape, 4, 2, "instance", name="discriminator_b"),
    )
    a, b = model.example_data(4, seed=0)
    out = model.generator_losses(a, b, training=False)
    assert float(numpy(out["identity"])) == 0.0
    assert float(numpy(out["cycle"])) == 0.0

    real = ganzoo.get("cyclegan", image_shape=shape, filters=4, disc_filters=4, num_residual_blocks=1)
    out = real.generator_losses(a, b, training=False)
    expected = (np.mean(np.abs(real.translate(b, "a_to_b") - b)) + np.mean(np.abs(real.translate(a, "b_to_a") - a)))
    np.testing.assert_allclose(float(numpy(out["identity"])), expected, rtol=1e-4)
    assert real.identity_weight == 0.5


def test_identity_weight_needs_equal_channels():
    with pytest.raises(ValueError, match="identity_weight=0.5"):
        _tiny_cyclegan(identity_weight=0.5)


# ------------------------------------------------------------------ networks / checks
def test_network_sizes_follow_the_papers():
    assert unet_depth((256, 256, 3)) == 8 and unet_depth((16, 16, 3)) == 4
    d = patchgan_discriminator((256, 256, 3), filters=2, num_layers=3)
    assert tuple(d.outputs[0].shape[1:]) == (30, 30, 1)  # 70x70 patches
    assert default_residual_blocks((256, 256, 3)) == 9 and default_residual_blocks((128, 128, 3)) == 6
    blocks = sum(isinstance(l, keras.layers.Add) for l in _tiny_cyclegan().generator_ab.layers)
    assert blocks == 1
    p = ganzoo.get("pix2pix", image_shape=(16, 16, 3), channels_b=1, filters=4, disc_filters=4)
    assert p.translate(p.example_inputs(2), "a_to_b").shape == (2, 16, 16, 1)
    drops = [l for l in p.generator.layers if isinstance(l, keras.layers.Dropout)]
    assert len(drops) == 3 and all(l.rate == 0.5 for l in drops)


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match=r"Received: image_shape=\(30, 30, 3\)"):
        ganzoo.get("pix2pix", image_shape=(30, 30, 3))
    with pytest.raises(ValueError, match=r"Received: image_shape=\(18, 18, 3\)"):
        ganzoo.get("cyclegan", image_shape=(18, 18, 3))
    with pytest.raises(ValueError, match="norm='group'"):
        ganzoo.get("pix2pix", image_shape=(16, 16, 3), norm="group")
    p = ganzoo.get("pix2pix", image_shape=(16, 16, 3), filters=4, disc_filters=4)
    with pytest.raises(ValueError, match="direction='b_to_a'"):
        p.translate(p.example_inputs(1), direction="b_to_a")
    with pytest.raises(ValueError, match=r"shape \(2, 8, 8, 3\)"):
        p.translate(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"Received: B batch of shape \(4, 16, 16, 1\)"):
        p.fit(np.zeros((4, 16, 16, 3)), np.zeros((4, 16, 16, 1)), batch_size=4, verbose=0)
