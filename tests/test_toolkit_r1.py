"""R1 penalty on real samples (ganzoo/gan.py `r1_term`; builders' `r1_gamma`, `r1_interval`)."""
import keras
import numpy as np
import pytest

import ganzoo
from tests.harness import numpy


def _gan(hidden_units, **kwargs):
    keras.utils.set_random_seed(0)
    return ganzoo.get("gan", data_shape=(3,), latent_dim=2, hidden_units=hidden_units, seed=0, **kwargs)


def _x(n=6, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 3)).astype("float32")


def _mlp_input_gradients(d, x):
    # d(x) = w2 · leaky_relu(W1 x + b1) + b2: ∇x = W1 (leaky'(h) ⊙ w2), per sample.
    k1, b1, k2, _ = (numpy(v) for v in d.trainable_weights)
    h = x @ k1 + b1
    slope = np.where(h > 0, 1.0, 0.2)
    return (slope * k2[:, 0]) @ k1.T


def test_penalty_is_gamma_half_times_mean_squared_gradient_norm():
    gan = _gan((5,), r1_gamma=3.0)
    x = _x()
    grads = _mlp_input_gradients(gan.discriminator, x)
    expected = 0.5 * 3.0 * np.mean(np.sum(grads ** 2, axis=1))
    np.testing.assert_allclose(numpy(gan.r1_term(keras.ops.convert_to_tensor(x))), expected, rtol=1e-5)


def test_lazy_interval_scales_the_due_updates_and_skips_the_others():
    gan = _gan((), r1_gamma=2.0, r1_interval=4)  # a linear D: ∇x D = w for every sample
    w = numpy(gan.discriminator.trainable_weights[0])[:, 0]
    x = keras.ops.convert_to_tensor(_x())
    np.testing.assert_allclose(numpy(gan.r1_term(x)), 0.5 * 2.0 * 4 * np.sum(w ** 2), rtol=1e-5)
    for done, due in ((1, False), (3, False), (4, True), (8, True)):
        gan.d_optimizer.iterations.assign(done)
        want = 0.5 * 2.0 * 4 * np.sum(w ** 2) if due else 0.0
        np.testing.assert_allclose(numpy(gan.r1_term(x)), want, rtol=1e-5, atol=0)


@pytest.mark.parametrize("interval", [1, 2])
def test_the_penalty_enters_the_discriminator_update(interval):
    # SGD and a linear D: the R1 model's first D update differs from the plain one's by
    # exactly -lr · γ · interval · w (the gradient of γ/2·interval·‖w‖²); same noise, same data.
    lr, gamma = 0.1, 0.5
    updated = []
    for r1 in (0.0, gamma):
        gan = _gan((), r1_gamma=r1, r1_interval=interval)
        gan.compile(d_optimizer=keras.optimizers.SGD(lr), g_optimizer=keras.optimizers.SGD(lr))
        w0 = numpy(gan.discriminator.trainable_weights[0])
        gan.fit(_x(8, seed=1), batch_size=8, epochs=1, verbose=0, shuffle=False)
        updated.append(numpy(gan.discriminator.trainable_weights[0]))
    np.testing.assert_allclose(updated[1] - updated[0], -lr * gamma * interval * w0, rtol=1e-4, atol=1e-7)


def test_penalty_pass_leaves_batchnorm_statistics_alone():
    keras.utils.set_random_seed(0)
    gan = ganzoo.get("dcgan", image_shape=(8, 8, 1), latent_dim=4, filters=4, r1_gamma=1.0, seed=0)
    stats = [v for v in gan.discriminator.non_trainable_variables if "moving" in v.path]
    before = [numpy(v) for v in stats]
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    assert float(numpy(gan.r1_term(keras.ops.convert_to_tensor(x)))) > 0
    for v, b in zip(stats, before):
        np.testing.assert_array_equal(numpy(v), b)
    history = gan.fit(x, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


@pytest.mark.parametrize("kwargs, received", [({"r1_gamma": -1.0}, "r1_gamma=-1.0"),
                                              ({"r1_interval": 0}, "r1_interval=0")])
def test_bad_values_are_refused(kwargs, received):
    for name in ("gan", "wgan_gp"):
        with pytest.raises(ValueError, match=f"Received: {received}"):
            ganzoo.get(name, data_shape=(2,), **kwargs)
