"""The GAN base class: phases per step, noise, losses, the optimizer container."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.models.vanilla import mlp_discriminator, mlp_generator


def _numpy(v):
    return np.array(keras.ops.convert_to_numpy(v))


def _gan(**kw):
    return ganzoo.GAN(mlp_generator((2,), 4, (8,)), mlp_discriminator((2,), (8,)), seed=1, **kw)


def test_d_steps_repeats_the_discriminator_phase():
    gan = _gan(d_steps=3)
    gan.compile()
    gan.fit(np.zeros((12, 2), "float32"), batch_size=4, epochs=1, verbose=0)
    assert int(_numpy(gan.g_optimizer.iterations)) == 3
    assert int(_numpy(gan.d_optimizer.iterations)) == 9
    with pytest.raises(ValueError, match="Received: d_steps=0"):
        _gan(d_steps=0)


def test_optimizer_state_survives_the_step():
    """Adam moments accumulate across steps (JAX would silently reset them without OptimizerGroup)."""
    gan = _gan()
    gan.compile()
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    gan.fit(x, batch_size=4, epochs=1, verbose=0)
    assert isinstance(gan.optimizer, ganzoo.backend.OptimizerGroup)
    moments = [v for v in gan.d_optimizer.variables if "momentum" in v.path or "velocity" in v.path]
    assert moments and all(np.abs(_numpy(m)).sum() > 0 for m in moments)


def test_noise_comes_from_the_model_seed_generator():
    gan = _gan()
    gan.compile()
    before = _numpy(gan.seed_generator.state)
    gan.fit(np.zeros((8, 2), "float32"), batch_size=4, epochs=1, verbose=0)
    assert not np.array_equal(before, _numpy(gan.seed_generator.state))


def test_compile_rejects_unknown_optimizer_names():
    gan = _gan()
    with pytest.raises(ValueError, match="Received: e_optimizer="):
        gan.compile(e_optimizer="adam")
    gan.compile(d_optimizer="sgd")
    assert isinstance(gan.d_optimizer, keras.optimizers.SGD)
    assert isinstance(gan.g_optimizer, keras.optimizers.Adam)  # "auto": the paper's default


def test_minimax_and_non_saturating_train_differently():
    x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    weights = []
    for g_loss in ("minimax", "non_saturating"):
        keras.utils.set_random_seed(0)
        gan = ganzoo.get("gan", hidden_units=(8,), g_loss=g_loss, seed=0)
        gan.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)
        weights.append(_numpy(gan.generator.trainable_variables[0]))
    assert not np.allclose(*weights)
    with pytest.raises(ValueError, match="Received: g_loss='hinge'"):
        ganzoo.get("gan", g_loss="hinge")


def test_dcgan_rejects_bad_image_shapes():
    for shape in [(30, 30, 3), (32, 16, 3), (4, 4, 1), (32, 32, 2)]:
        with pytest.raises(ValueError, match=r"Received: image_shape=\(" + str(shape[0])):
            ganzoo.get("dcgan", image_shape=shape)


def test_dcgan_sizes_and_paper_init():
    for size in (8, 32):
        gan = ganzoo.get("dcgan", image_shape=(size, size, 3), filters=4, latent_dim=8)
        assert gan.generator.output.shape[1:] == (size, size, 3)
        assert gan.discriminator.output.shape[1:] == (1,)
    kernel = _numpy(ganzoo.get("dcgan", image_shape=(32, 32, 1), filters=16).generator.trainable_variables[0])
    assert abs(kernel.std() - 0.02) < 0.002 and abs(kernel.mean()) < 0.002
    opt = gan.d_optimizer
    assert np.isclose(float(_numpy(opt.learning_rate)), 2e-4) and np.isclose(opt.beta_1, 0.5)
