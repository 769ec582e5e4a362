"""StyleGAN2 specifics: demodulation, noise, truncation, lazy R1, style mixing, the EMA generator.

The registry sweep (tests/models/test_registered.py) covers fit, saving, resume, bad data and
mixed precision from the builder's `test_config`.
"""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.models.stylegan2 import (
    ModulatedConv2D,
    NoiseInjection,
    StyleGAN2,
    num_ws_for,
    stylegan2_generator,
    upsample_2x,
)
from ganzoo.registry import get_test_config

# One xdist worker for every stylegan2 check (the fixture below is built once per worker).
pytestmark = pytest.mark.xdist_group("stylegan2")

TINY = {"latent_dim": 8, "w_dim": 8, "mapping_layers": 2, "channel_base": 32, "channel_max": 4}


def _np(v):
    return np.asarray(keras.ops.convert_to_numpy(v), "float64")


def _tiny(**overrides):
    keras.utils.set_random_seed(0)
    return ganzoo.get("stylegan2", **{**get_test_config("stylegan2"), **overrides})


# ------------------------------------------------------------------------- layers
def _modconv_numpy(x, ws, w_index, affine_kernel, affine_bias, kernel, bias, demodulate):
    w = ws[:, w_index]
    s = w @ affine_kernel / np.sqrt(w.shape[1]) + affine_bias                 # (N, C_in)
    k = kernel.shape[0]
    weight = kernel / np.sqrt(k * k * kernel.shape[2])                         # (k, k, C_in, C_out)
    per_sample = weight[None] * s[:, None, None, :, None]                      # w'_ijk = s_i w_ijk
    if demodulate:
        d = 1.0 / np.sqrt(np.sum(per_sample ** 2, axis=(1, 2, 3)) + 1e-8)      # (N, C_out)
        per_sample = per_sample * d[:, None, None, None, :]
    p = k // 2
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    n, h, w_, _ = x.shape
    out = np.zeros((n, h, w_, kernel.shape[3]))
    for a in range(k):
        for b in range(k):
            out += np.einsum("nhwc,nco->nhwo", xp[:, a:a + h, b:b + w_], per_sample[:, a, b])
    return out + bias


@pytest.mark.parametrize("demodulate", [True, False])
def test_modulated_conv_equals_the_per_sample_kernel_formula(demodulate):
    """The non-fused computation equals the paper's per-sample kernel w''_ijk = s_i w_ijk / sqrt(sum s_i^2 w_ijk^2 + eps)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 5, 5, 3)).astype("float32")
    ws = rng.normal(size=(2, 3, 4)).astype("float32")
    conv = ModulatedConv2D(2, 3, w_index=1, demodulate=demodulate)
    conv([x, ws])
    params = [rng.normal(size=tuple(v.shape)).astype("float32") for v in conv.weights]
    conv.set_weights(params)
    names = [v.name for v in conv.weights]
    p = dict(zip(names, params))
    got = _np(conv([x, ws]))
    want = _modconv_numpy(x.astype("float64"), ws.astype("float64"), 1, p["affine_kernel"], p["affine_bias"],
                          p["kernel"], p["bias"], demodulate)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    if demodulate:
        # Each output channel's effective kernel has unit norm: unit-variance i.i.d. input gives unit variance.
        s = _np(conv.styles(ws))
        d = _np(conv.demodulation(keras.ops.convert_to_tensor(s.astype("float32"))))
        eff = (p["kernel"] / np.sqrt(27))[None] * s[:, None, None, :, None] * d[:, None, None, None, :]
        np.testing.assert_allclose(np.sum(eff ** 2, axis=(1, 2, 3)), 1.0, rtol=1e-4)


def test_upsample_is_bilinear_with_half_pixel_centres():
    x = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
    got = _np(upsample_2x(x))[0, :, :, 0]
    # Reference: the [1, 3, 3, 1]/4 filter per axis with the edge repeated.
    def up(a, axis):
        a = np.moveaxis(a, axis, 0)
        prev = np.concatenate([a[:1], a[:-1]])
        nxt = np.concatenate([a[1:], a[-1:]])
        out = np.empty((2 * a.shape[0],) + a.shape[1:])
        out[0::2], out[1::2] = 0.75 * a + 0.25 * prev, 0.75 * a + 0.25 * nxt
        return np.moveaxis(out, 0, axis)
    np.testing.assert_allclose(got, up(up(x[0, :, :, 0].astype("float64"), 0), 1), atol=1e-6)
    assert got.shape == (6, 8)


def test_noise_strength_starts_at_zero_so_fresh_noise_changes_nothing():
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 3)).astype("float32")
    noise = NoiseInjection(seed=1)
    np.testing.assert_array_equal(_np(noise(x, training=True)), x)  # strength 0: the noise is ignored
    assert float(_np(noise.strength)) == 0.0
    noise.strength.assign(0.5)
    a, b = _np(noise(x, training=True)), _np(noise(x, training=True))
    assert not np.allclose(a, b)  # training: fresh noise per call
    # The noise is one image per sample, shared by the channels.
    np.testing.assert_allclose(a[..., 0] - x[..., 0], a[..., 2] - x[..., 2], atol=1e-6)
    fixed = _np(noise(x, training=False))
    np.testing.assert_allclose(fixed, x + 0.5 * _np(noise.const_noise), atol=1e-6)
    np.testing.assert_array_equal(fixed, _np(noise(x, training=False)))  # inference: repeatable

    keras.utils.set_random_seed(0)
    g = stylegan2_generator((8, 8, 1), **{k: TINY[k] for k in ("latent_dim", "w_dim", "channel_base", "channel_max")},
                            mapping_layers=2)
    strengths = [v for v in g.weights if "strength" in v.path]
    assert len(strengths) == 2 * 2 - 1 and all(float(_np(v)) == 0.0 for v in strengths)
    z = np.random.default_rng(1).normal(size=(3, 8)).astype("float32")
    np.testing.assert_allclose(_np(g(z, training=True)), _np(g(z, training=False)), atol=1e-6)


@pytest.fixture(scope="module")
def trained():
    """A tiny model trained two single-step fits (one compiled step), with the generator after each.

    EMA decay 0.5 from generator update 2 on: the EMA copies update 1, then averages.
    """
    model = _tiny(ema_decay=0.5, ema_start=1)
    data = model.example_data(4, seed=1)
    after = []
    for _ in range(2):
        model.fit(data, batch_size=4, epochs=1, verbose=0, shuffle=False)
        after.append(([_np(v) for v in model.generator.weights], [_np(v) for v in model.generator_ema.weights]))
    return model, after


# -------------------------------------------------------------------- truncation
def test_truncation_psi_zero_is_the_average_w_and_one_is_untruncated(trained):
    model, _ = trained
    w_avg = _np(model.w_avg)
    assert np.abs(w_avg).max() > 0  # moved by training
    at_avg = model.generate(3, truncation_psi=0.0, seed=0)
    want = model.synthesize(np.repeat(w_avg[None, None, :], model.num_ws, axis=1).repeat(3, axis=0))
    np.testing.assert_allclose(at_avg, want, atol=1e-5)
    np.testing.assert_allclose(at_avg[0], at_avg[2], atol=1e-6)  # every z gives the same image

    z = model.example_inputs(3, seed=0)
    w = model.generator_ema.get_layer("mapping").predict(z, verbose=0)
    untruncated = model.synthesize(np.repeat(w[:, None, :], model.num_ws, axis=1))
    np.testing.assert_allclose(model.generate(3, truncation_psi=1.0, seed=0), untruncated, atol=1e-5)
    half = model.generate(3, truncation_psi=0.5, seed=0)
    assert not np.allclose(half, untruncated) and not np.allclose(half, at_avg)


# ------------------------------------------------------------------------ lazy R1
_K1 = np.random.default_rng(3).normal(0, 0.3, (64, 3)).astype("float32")
_B1 = np.random.default_rng(4).normal(0, 0.3, (3,)).astype("float32")
_K2 = np.random.default_rng(5).normal(0, 1.0, (3, 1)).astype("float32")


def _r1_numpy(params, x):
    k1, b1, k2 = params
    t = np.tanh(x @ k1 + b1)
    grad_x = ((1 - t ** 2) * k2[:, 0]) @ k1.T  # ∇x D for D(x) = tanh(x K1 + b1) K2
    return np.mean(np.sum(grad_x ** 2, axis=1))


def _toy_model(r1_gamma, lr):
    keras.utils.set_random_seed(0)
    generator = stylegan2_generator((8, 8, 1), latent_dim=8, w_dim=8, mapping_layers=2, channel_base=32,
                                    channel_max=4)
    critic = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                               keras.layers.Dense(3, activation="tanh"), keras.layers.Dense(1, use_bias=False)],
                              name="discriminator")
    critic.set_weights([_K1, _B1, _K2])
    model = StyleGAN2(generator, critic, r1_gamma=r1_gamma, r1_interval=4, seed=0)
    model.compile(d_optimizer=keras.optimizers.SGD(lr), g_optimizer=keras.optimizers.SGD(lr))
    return model


def test_lazy_r1_is_applied_every_interval_steps_times_the_interval():
    gamma, lr, interval = 2.0, 0.05, 4
    x = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 1)).astype("float32")
    flat = x.reshape(4, -1).astype("float64")

    def step(model):
        history = model.fit(x, batch_size=4, epochs=1, verbose=0, shuffle=False)
        return [_np(w) for w in model.discriminator.weights], history.history["r1_penalty"][0]

    plain, _ = step(_toy_model(0.0, lr))
    model = _toy_model(gamma, lr)
    start = [_np(v) for v in model.variables]  # weights, noise seeds: the same start twice
    model.d_optimizer.iterations.assign(3)
    skipped, r1_skipped = step(model)             # update 3: not an R1 step
    for v, value in zip(model.variables, start):
        v.assign(value)
    assert int(_np(model.d_optimizer.iterations)) == 4
    regularised, r1_logged = step(model)          # update 4: an R1 step

    params = [p.astype("float64") for p in (_K1, _B1, _K2)]
    np.testing.assert_allclose(r1_logged, _r1_numpy(params, flat), rtol=1e-4)
    assert r1_skipped == 0.0
    for a, b in zip(skipped, plain):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    # The R1 step differs from the plain one by -lr · interval · γ/2 · ∇θ R1 (finite differences).
    eps = 1e-6
    for i, p in enumerate(params):
        grad = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            up = [q.copy() for q in params]
            down = [q.copy() for q in params]
            up[i][idx] += eps
            down[i][idx] -= eps
            grad[idx] = (_r1_numpy(up, flat) - _r1_numpy(down, flat)) / (2 * eps)
        expected = -lr * interval * gamma / 2 * grad
        assert np.abs(expected).max() > 1e-4
        np.testing.assert_allclose(regularised[i] - plain[i], expected, rtol=2e-3, atol=2e-6)


# ------------------------------------------------------------------- style mixing
def test_style_mixing_takes_the_layers_after_the_cutoff_from_a_second_w():
    model = _tiny()
    assert model.num_ws == num_ws_for(8) == 4
    w1, w2 = np.ones((2, 8), "float32"), -np.ones((2, 8), "float32")
    ws = _np(model.mix_ws(w1, w2, 3))
    np.testing.assert_array_equal(ws[:, :3], 1.0)
    np.testing.assert_array_equal(ws[:, 3:], -1.0)
    np.testing.assert_array_equal(_np(model.mix_ws(w1, w2, model.num_ws)), 1.0)  # no mixing

    # The cutoff drawn for a training batch: in [1, num_ws) when mixing, num_ws (none) otherwise.
    model.style_mixing_prob = 1.0
    drawn = {int(_np(model._mixing_cutoff())) for _ in range(40)}
    assert drawn == {1, 2, 3}
    model.style_mixing_prob = 0.5
    drawn = [int(_np(model._mixing_cutoff())) for _ in range(60)]
    assert 4 in drawn and len(set(drawn)) > 2


def test_mix_styles_grid_uses_the_row_and_the_column_styles(trained):
    model, _ = trained
    cells = model.mix_styles([1, 2], [7, 8, 9], col_styles=[0, 1])
    assert cells.shape == (3 * 4, 8, 8, 1)
    mapping = model.generator_ema.get_layer("mapping")

    def w_of(seed):
        z = np.random.default_rng(seed).standard_normal((1, 8)).astype("float32")
        return mapping.predict(z, verbose=0)[0]

    def cell(r, c):
        return cells[r * 4 + c]

    row, col = w_of(2), w_of(9)
    mixed_ws = np.stack([col, col, row, row])[None]
    np.testing.assert_allclose(cell(2, 3), model.synthesize(mixed_ws)[0], atol=1e-5)
    np.testing.assert_allclose(cell(0, 3), model.synthesize(np.stack([col] * 4)[None])[0], atol=1e-5)
    np.testing.assert_allclose(cell(2, 0), model.synthesize(np.stack([row] * 4)[None])[0], atol=1e-5)
    assert not np.allclose(cell(2, 3), cell(0, 3)) and not np.allclose(cell(2, 3), cell(2, 0))
    np.testing.assert_array_equal(cell(0, 0), -1.0)
    with pytest.raises(ValueError, match=r"Received: col_styles=4"):
        model.mix_styles([1], [2], col_styles=[4])


# --------------------------------------------------------------------------- EMA
def test_ema_generator_copies_then_averages_the_generator(trained):
    model, after = trained
    assert model.ema_generator is model.generator_ema  # the earlier name stays an alias
    g_names = [v.path.split("/")[-2:] for v in model.generator.weights]
    assert [v.path.split("/")[-2:] for v in model.generator_ema.weights] == g_names
    assert not model.generator_ema.trainable_weights
    (g1, ema1), (g2, ema2) = after
    for e, g in zip(ema1, g1):  # update 1 (not after ema_start_step): a copy
        np.testing.assert_array_equal(e, g)
    moved = 0
    for e, a, b in zip(ema2, g1, g2):  # update 2: ema = g2 + (ema - g2) * 0.5
        np.testing.assert_allclose(e, 0.5 * (a + b), rtol=1e-5, atol=1e-6)
        moved += not np.allclose(a, b)
    assert moved > 10  # the generator moved, and the EMA half way after it


# ---------------------------------------------------------------------- arguments
@pytest.mark.parametrize("kwargs, needle", [
    ({"image_shape": (512, 512, 3)}, "Received: image_shape=(512, 512, 3)"),
    ({"image_shape": (4, 4, 1)}, "Received: image_shape=(4, 4, 1)"),
    ({"image_shape": (24, 24, 1)}, "Received: image_shape=(24, 24, 1)"),
    ({"mapping_layers": 0}, "Received: mapping_layers=0"),
    ({"latent_dim": True}, "Received: latent_dim=True"),
    ({"channel_base": -4}, "Received: channel_base=-4"),
    ({"r1_interval": 0}, "Received: r1_interval=0"),
    ({"style_mixing_prob": 1.5}, "Received: style_mixing_prob=1.5"),
    ({"ema_decay": -0.1}, "Received: ema_decay=-0.1"),
])
def test_bad_arguments_are_clear_errors(kwargs, needle):
    kwargs = {**get_test_config("stylegan2"), **kwargs}
    with pytest.raises(ValueError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        ganzoo.get("stylegan2", **kwargs)


def test_paper_defaults():
    model = ganzoo.get("stylegan2", image_shape=(8, 8, 1), channel_base=32, channel_max=4, latent_dim=8)
    assert (model.r1_interval, model.pl_weight, model.pl_interval, model.style_mixing_prob) == (16, 0.0, 4, 0.9)
    assert model.r1_gamma == 10.0 and len(model.mapping.layers) == 1 + 1 + 2 * 8
    for opt in (model.d_optimizer, model.g_optimizer):
        cfg = opt.get_config()
        assert (round(float(cfg["learning_rate"]), 6), cfg["beta_1"], cfg["beta_2"]) == (0.002, 0.0, 0.99)
    assert model.default_batch_size == 32


@pytest.mark.heavy  # the optional regulariser's own compile (20 CPU-s on TensorFlow)
def test_path_length_regularisation_is_lazy_and_keeps_its_running_mean():
    model = _tiny(pl_weight=2.0, pl_interval=2)
    data = model.example_data(4, seed=1)
    first = model.fit(data, batch_size=4, epochs=1, verbose=0, shuffle=False)   # update 0: a path-length step
    mean_after_first = float(_np(model.pl_mean))
    second = model.fit(data, batch_size=4, epochs=1, verbose=0, shuffle=False)  # update 1: not one
    penalty = first.history["pl_penalty"][0]
    assert np.isfinite(penalty) and penalty > 0
    assert mean_after_first > 0  # a ← a + 0.01·(mean length − a), from 0
    assert float(_np(model.pl_mean)) == mean_after_first and second.history["pl_penalty"][0] == 0.0
