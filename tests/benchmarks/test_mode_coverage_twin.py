"""The PyTorch twin of benchmarks/mode_coverage_twin.py computes what ganzoo's PacGAN networks compute."""
import importlib.util
import os
import sys

import keras
import numpy as np
import pytest

torch = pytest.importorskip("torch")

_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks")


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(_DIR, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, _DIR)  # the twin imports mode_coverage
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(_DIR)
    return module


twin = _load("mode_coverage_twin")
mc = twin.mc

PAC = 2


@pytest.fixture(scope="module")
def pair():
    """ganzoo's PacGAN2 model (small widths) with non-trivial BatchNorm statistics, and its twin."""
    kw = {"g_units": 8, "d_units": 6, "d_pieces": 3}
    model = mc.pacgan_model(PAC, seed=0, **kw)
    for layer in model.generator.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            rng = np.random.default_rng(len(layer.name))
            layer.moving_mean.assign(rng.normal(0, 0.3, layer.moving_mean.shape).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 2, layer.moving_variance.shape).astype("float32"))
            layer.gamma.assign(rng.uniform(0.5, 1.5, layer.gamma.shape).astype("float32"))
            layer.beta.assign(rng.normal(0, 0.3, layer.beta.shape).astype("float32"))
    g, d = twin.torch_networks(pac=PAC, **kw)
    twin.copy_into_torch(model.generator, g)
    twin.copy_into_torch(model.discriminator, d)
    return model, g, d


def test_twin_has_the_same_parameters(pair):
    model, g, d = pair
    assert sum(p.numel() for p in g.parameters()) == sum(int(np.prod(v.shape)) for v in model.generator.trainable_weights)
    assert sum(p.numel() for p in d.parameters()) == model.discriminator.count_params()


@pytest.mark.parametrize("training", [False, True])
def test_twin_computes_ganzoo_networks_function(pair, training):
    model, g, d = pair
    z = np.random.default_rng(1).standard_normal((6, 2)).astype("float32")
    expected = keras.ops.convert_to_numpy(model.generator(z, training=training))
    g.train(training)
    with torch.no_grad():
        got = g(torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4)
    # The discriminator on packed samples: ganzoo's GAN.pack against the twin's pack.
    x = np.random.default_rng(2).normal(0, 2, (6, 2)).astype("float32")
    expected_logits = keras.ops.convert_to_numpy(model.discriminate(x, training=False))
    with torch.no_grad():
        logits = d(twin.pack(torch.from_numpy(x), PAC)).numpy()
    assert logits.shape == expected_logits.shape == (6 // PAC, 1)
    np.testing.assert_allclose(logits, expected_logits, atol=1e-5, rtol=1e-4)
    # Maxout is a real max: the logits are not those of the first piece alone.
    assert np.ptp(expected_logits) > 0


def test_twin_init_draws_the_documented_distribution():
    g, d = twin.torch_networks(pac=1, g_units=64, d_units=32, d_pieces=5)
    w = torch.cat([m.weight.flatten() for m in g.modules() if isinstance(m, torch.nn.Linear)]).detach().numpy()
    assert abs(w.std() - 0.02) < 0.002 and abs(w.mean()) < 0.002
    assert all(float(m.bias.detach().abs().max()) == 0 for m in d.modules() if isinstance(m, torch.nn.Linear))
    bn = [m for m in g.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert len(bn) == 4 and all(m.eps == 1e-4 and m.momentum == 0.05 for m in bn)


@pytest.mark.slow  # three eager fit steps: ~14 s on TF on the loaded 2 cores
def test_ganzoo_and_twin_take_the_same_training_steps():
    """Same weights, batches and noise: the same losses and weight updates, step by step.

    The twin's default Adam is Keras' (ε outside the bias correction); with it every
    trainable weight and BatchNorm moving mean moves as ganzoo's. The moving variances
    differ by the batch variance's n/(n−1) (Keras keeps the biased one, PyTorch the unbiased).
    """
    n, kw = 32, {"g_units": 16, "d_units": 8, "d_pieces": 3}
    # On JAX the updates agree to ~1e-8 for the first step(s), then sometimes part by up to
    # ~20-50 % of a step on a few weights (2 of 3 data seeds within 3 steps; TF and torch
    # agree over 5): an open finding (docs/evaluation.md), so JAX is held to one step here.
    steps = 1 if keras.config.backend() == "jax" else 3
    model = mc.pacgan_model(PAC, seed=3, learning_rate=1e-3, run_eagerly=True, **kw)
    t = twin.TorchTwin(PAC, seed=3, learning_rate=1e-3, **kw)
    twin.copy_into_torch(model.generator, t.g)
    twin.copy_into_torch(model.discriminator, t.d)
    nets = (model.generator, model.discriminator)
    before = [[np.array(w) for w in net.get_weights()] for net in nets]
    rng = np.random.default_rng(4)
    batches = [rng.normal(0, 2, (n, 2)).astype("float32") for _ in range(steps)]
    noises = [rng.standard_normal((n, 2)).astype("float32") for _ in range(steps)]
    ours, theirs = twin.lockstep(model, t, batches, noises)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    # The twin's weights after the steps, back in Keras order, against ganzoo's.
    check = mc.pacgan_model(PAC, seed=9, **kw)
    twin.copy_into_keras(t.g, check.generator)
    twin.copy_into_keras(t.d, check.discriminator)
    for net, ref, w0s in zip(nets, (check.generator, check.discriminator), before):
        names = [v.path for v in net.weights]
        for name, w0, a, b in zip(names, w0s, net.get_weights(), ref.get_weights()):
            if "moving_variance" in name:
                np.testing.assert_allclose(a, b, rtol=0.05 / (n - 1))
            else:
                np.testing.assert_allclose(a - w0, b - w0, atol=1e-5, err_msg=name)  # 1 % of a step
                if "kernel" in name:
                    assert np.abs(a - w0).max() > 5e-4, name  # steps of lr 1e-3 moved it


def test_torch_optim_adam_takes_larger_first_steps_on_small_gradients():
    """The gap's cause: torch.optim.Adam's ε acts inside the bias correction, Keras' outside."""
    import keras

    w = np.zeros(3, "float32")
    grad = np.array([1e-7, 1e-6, 1e-3], "float32")
    steps = {}
    for adam in ("hat", "torch"):
        p = torch.nn.Parameter(torch.from_numpy(w.copy()))
        opt = twin.hat_adam([p], 1e-3, (0.8, 0.999), 1e-8) if adam == "hat" else torch.optim.Adam(
            [p], lr=1e-3, betas=(0.8, 0.999), eps=1e-8)
        p.grad = torch.from_numpy(grad)
        opt.step()
        steps[adam] = -p.detach().numpy()
    v = keras.Variable(w)
    keras.optimizers.Adam(1e-3, beta_1=0.8, epsilon=1e-8).apply([keras.ops.convert_to_tensor(grad)], [v])
    np.testing.assert_allclose(-keras.ops.convert_to_numpy(v), steps["hat"], rtol=1e-5)
    # Step 1: lr · g / (g + ε/√(1 − β2)) against lr · g / (g + ε).
    np.testing.assert_allclose(steps["hat"], 1e-3 * grad / (grad + 1e-8 / np.sqrt(1e-3)), rtol=1e-4)
    np.testing.assert_allclose(steps["torch"], 1e-3 * grad / (grad + 1e-8), rtol=1e-4)
    assert steps["hat"][0] < 0.3 * steps["torch"][0] and steps["hat"][2] == pytest.approx(steps["torch"][2], rel=1e-3)
