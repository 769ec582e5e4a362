"""WGAN-GP specifics: the penalty's second-order gradient, the per-critic-step batches, the paper's defaults.

The registry sweep (tests/models/test_registered.py) covers fit, saving, resume and bad data.
"""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.models.wgan_gp import WGANGP

C = np.array([0.3, -0.2], "float32")  # every real and every generated sample


def _critic_numpy(params, x):
    k1, b1, k2 = params
    return np.tanh(x @ k1 + b1) @ k2


def _penalty_numpy(params, x):
    # ∇x D for D(x) = tanh(x K1 + b1) K2: ((1 - tanh²) ⊙ K2ᵀ) K1ᵀ, per sample.
    k1, b1, k2 = params
    t = np.tanh(x @ k1 + b1)
    grad_x = ((1 - t ** 2) * k2[:, 0]) @ k1.T
    return np.mean((np.sqrt(np.sum(grad_x ** 2, axis=1) + 1e-12) - 1.0) ** 2)


def _toy_model(gp_weight):
    rng = np.random.default_rng(1)
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, activation="tanh"),
                               keras.layers.Dense(1, use_bias=False)], name="critic")
    critic.set_weights([rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(3,)).astype("float32"),
                        rng.normal(size=(3, 1)).astype("float32")])
    # A generator whose output is C whatever the noise: G(z) = 0·z + C.
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)], name="generator")
    generator.set_weights([np.zeros((2, 2), "float32"), C])
    model = WGANGP(generator, critic, gp_weight=gp_weight, d_steps=1, split_batch=False, seed=0)
    model.compile(d_optimizer=keras.optimizers.SGD(0.1), g_optimizer=keras.optimizers.SGD(0.0))
    return model


def test_penalty_gradient_is_the_second_order_gradient():
    """With real = fake = C, the critic's update is -lr·λ·∇θ(‖∇x D(C)‖ − 1)², checked by finite differences.

    The Wasserstein term's gradient is exactly zero there, and x̂ = C for every α, so the
    step is deterministic; the penalty's gradient with respect to θ goes through the input
    gradient ∇x D, which each backend must keep differentiable (double backprop).
    """
    gp_weight, lr = 10.0, 0.1
    model = _toy_model(gp_weight)
    before = [np.asarray(w, "float64") for w in model.discriminator.get_weights()]
    x = np.tile(C, (4, 1))
    model.fit(x, batch_size=4, epochs=1, verbose=0, shuffle=False)
    after = [np.asarray(w, "float64") for w in model.discriminator.get_weights()]

    expected = []
    eps = 1e-6
    for i, p in enumerate(before):
        grad = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            up = [q.copy() for q in before]
            down = [q.copy() for q in before]
            up[i][idx] += eps
            down[i][idx] -= eps
            grad[idx] = gp_weight * (_penalty_numpy(up, x) - _penalty_numpy(down, x)) / (2 * eps)
        expected.append(p - lr * grad)
    moved = sum(np.abs(a - b).sum() for a, b in zip(after, before))
    assert moved > 1e-3, "the penalty did not move the critic"
    for got, want in zip(after, expected):
        np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-6)


def test_each_critic_step_gets_its_own_part_of_the_batch():
    model = ganzoo.get("wgan_gp", data_shape=(2,), hidden_units=(4,), d_steps=5, seed=0)
    real = keras.ops.convert_to_tensor(np.arange(20, dtype="float32").reshape(10, 2))
    parts = [keras.ops.convert_to_numpy(p) for p in model._critic_batches(real)]
    assert [p.shape for p in parts] == [(2, 2)] * 5
    np.testing.assert_array_equal(np.concatenate(parts), np.arange(20).reshape(10, 2))
    # A last batch smaller than d_steps: every critic step still gets a sample.
    short = [keras.ops.convert_to_numpy(p) for p in model._critic_batches(real[:3])]
    assert [p.shape[0] for p in short] == [1] * 5
    model.split_batch = False
    assert all(p.shape == (10, 2) for p in model._critic_batches(real))


def test_paper_defaults_and_logged_losses():
    model = ganzoo.get("wgan_gp", image_shape=(8, 8, 1), filters=4)
    assert (model.gp_weight, model.d_steps, model.latent_dim) == (10.0, 5, 128)
    for opt in (model.d_optimizer, model.g_optimizer):
        cfg = opt.get_config()
        assert (round(float(cfg["learning_rate"]), 8), cfg["beta_1"], cfg["beta_2"]) == (1e-4, 0.5, 0.9)
    assert not any(isinstance(layer, keras.layers.BatchNormalization) for layer in model.discriminator.layers)
    x = np.random.default_rng(0).uniform(-1, 1, (10, 8, 8, 1)).astype("float32")
    history = model.fit(x, batch_size=10, epochs=1, verbose=0)
    assert set(history.history) == {"d_loss", "g_loss", "gradient_penalty", "wasserstein_estimate"}
    assert all(np.isfinite(v[0]) for v in history.history.values())
    assert int(np.asarray(model.d_optimizer.iterations)) == 5 and int(np.asarray(model.g_optimizer.iterations)) == 1


@pytest.mark.parametrize("kwargs, needle", [
    ({"gp_weight": -1.0}, "Received: gp_weight=-1.0"),
    ({"d_steps": True}, "Received: d_steps=True"),
    ({"d_steps": 0}, "Received: d_steps=0"),
    ({"architecture": "resnet"}, "Received: architecture='resnet'"),
    ({"critic_norm": "batch"}, "Received: critic_norm='batch'"),
    ({"architecture": "mlp"}, "Received: data_shape=None"),
    ({"data_shape": (2,), "hidden_units": 16}, "Received: hidden_units=16"),
])
def test_bad_arguments_are_clear_errors(kwargs, needle):
    kwargs = {"image_shape": (8, 8, 1), "filters": 4, **kwargs}
    with pytest.raises(ValueError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        ganzoo.get("wgan_gp", **kwargs)


def test_a_critic_with_batchnorm_is_refused():
    critic = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4), keras.layers.BatchNormalization(),
                               keras.layers.Dense(1)])
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="must not use BatchNormalization"):
        WGANGP(generator, critic)
