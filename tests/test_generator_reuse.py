"""GAN's one-generator-pass step equals the two-pass step when both draws give the same noise."""
import keras
import numpy as np
import pytest
from keras import ops

import ganzoo
from helpers import fit_or_xfail, to_float32


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

