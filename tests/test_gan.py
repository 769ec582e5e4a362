"""The GAN base classes (ganzoo/gan.py): phases per step, noise, optimizers, the one-pass step."""
import keras
import numpy as np
import pytest
from keras import ops

import ganzoo
from ganzoo.models.vanilla import mlp_discriminator, mlp_generator
from tests.harness import fit_or_xfail, numpy, to_float32


def _gan(**kw):
    return ganzoo.GAN(mlp_generator((2,), 4, (8,)), mlp_discriminator((2,), (8,)), seed=1, **kw)


def test_d_steps_repeats_the_discriminator_phase():
    gan = _gan(d_steps=3)
    gan.compile()
    gan.fit(np.zeros((12, 2), "float32"), batch_size=4, epochs=1, verbose=0)
    assert int(numpy(gan.g_optimizer.iterations)) == 3
    assert int(numpy(gan.d_optimizer.iterations)) == 9
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
    assert moments and all(np.abs(numpy(m)).sum() > 0 for m in moments)


def test_noise_comes_from_the_model_seed_generator():
    gan = _gan()
    gan.compile()
    before = numpy(gan.seed_generator.state)
    gan.fit(np.zeros((8, 2), "float32"), batch_size=4, epochs=1, verbose=0)
    assert not np.array_equal(before, numpy(gan.seed_generator.state))


def test_compile_rejects_unknown_optimizer_names():
    gan = _gan()
    with pytest.raises(ValueError, match="Received: e_optimizer="):
        gan.compile(e_optimizer="adam")
    gan.compile(d_optimizer="sgd")
    assert isinstance(gan.d_optimizer, keras.optimizers.SGD)
    assert isinstance(gan.g_optimizer, keras.optimizers.Adam)  # "auto": the paper's default


def _train(reuse, init_weights, z, data, policy="float32"):
    keras.config.set_dtype_policy(policy)
    try:
        model = ganzoo.get("dcgan", image_shape=(8, 8, 1), latent_dim=8, filters=4, seed=0)
        # Plain SGD: the weight change is lr × gradient, so equal weights mean equal
        # gradients (Adam's first step, lr × sign(g), would hide most differences).
        model.compile(d_optimizer=keras.optimizers.SGD(0.5), g_optimizer=keras.optimizers.SGD(0.5))
    finally:
        keras.config.set_dtype_policy("float32")
    if init_weights is not None:
        model.set_weights(init_weights)
    init = model.get_weights()
    g_start = [to_float32(v) for v in model.generator.trainable_variables]
    model.reuse_generator_pass = reuse
    # The same noise for every draw: the two-pass step then runs G twice on one batch,
    # which is what the one-pass step computes once.
    model.sample_noise = lambda n: ops.convert_to_tensor(z)
    history = fit_or_xfail(model, data, batch_size=4, epochs=1, verbose=0, shuffle=False)
    return model, init, g_start, history.history


@pytest.mark.parametrize("policy", ["float32", "mixed_float16"])
def test_one_pass_step_equals_two_pass_reference(policy):
    z = np.random.default_rng(3).standard_normal((4, 8)).astype("float32")
    data = np.random.default_rng(4).uniform(-1, 1, (8, 8, 8, 1)).astype("float32")
    one, init, g_start, h_one = _train(True, None, z, data, policy)
    two, _, _, h_two = _train(False, init, z, data, policy)

    for key in ("d_loss", "g_loss"):
        np.testing.assert_allclose(h_one[key], h_two[key], rtol=1e-3 if policy != "float32" else 1e-5)
    tol = dict(rtol=2e-2, atol=2e-4) if policy != "float32" else dict(rtol=1e-4, atol=1e-6)
    for net in ("generator", "discriminator"):
        a = [to_float32(v) for v in getattr(one, net).trainable_variables]
        b = [to_float32(v) for v in getattr(two, net).trainable_variables]
        for va, vb in zip(a, b):
            np.testing.assert_allclose(va, vb, **tol, err_msg=net)
    # Both really trained (the comparison is not between two untouched models).
    moved = [not np.allclose(w, to_float32(v)) for w, v in zip(g_start, one.generator.trainable_variables)]
    assert all(moved), moved
    # The discriminator sees the same batches in both, so its BatchNorm statistics agree.
    d_stats = lambda m: [to_float32(v) for v in m.discriminator.non_trainable_variables]  # noqa: E731
    for va, vb in zip(d_stats(one), d_stats(two)):
        np.testing.assert_allclose(va, vb, **tol)
