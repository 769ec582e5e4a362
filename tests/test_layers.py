"""Shared layers (ganzoo/layers.py): image pool, sub-pixel upsampling, precise BatchNorm statistics."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.layers import ImagePool, SubPixelUpsampling
from ganzoo.registry import get_test_config
from tests.harness import numpy


# ------------------------------------------------------------------ image pool
def test_image_pool_fills_then_swaps_with_probability_half():
    pool = ImagePool(4, (2, 2, 1))
    seeds = keras.random.SeedGenerator(0)
    first = np.arange(1, 5, dtype="float32").reshape(4, 1, 1, 1) * np.ones((4, 2, 2, 1), "float32")
    out = numpy(pool.query(first, seeds))
    # While filling, every image is stored and returned as it is.
    np.testing.assert_array_equal(out, first)
    assert int(numpy(pool.count)) == 4
    np.testing.assert_array_equal(numpy(pool.buffer)[:4], first)

    seen = set(range(1, 5))
    swapped = total = 0
    for step in range(150):
        new = (100 + step * 8 + np.arange(8, dtype="float32")).reshape(8, 1, 1, 1) * np.ones((8, 2, 2, 1), "float32")
        out = numpy(pool.query(new, seeds))
        values = out[:, 0, 0, 0]
        from_pool = values != new[:, 0, 0, 0]
        # A returned image is either the new one or one that was stored before.
        assert all(v in seen for v in values[from_pool])
        swapped += int(from_pool.sum())
        total += len(values)
        seen.update(new[:, 0, 0, 0].tolist())
        assert int(numpy(pool.count)) == 4
    rate = swapped / total
    # 1200 Bernoulli(0.5) draws: std 0.014; a few draws per batch can pick the same
    # slot, which does not change the rate at which stored images are returned.
    assert 0.44 < rate < 0.56, rate


def test_image_pool_of_size_zero_passes_images_through():
    pool = ImagePool(0, (2, 2, 1))
    x = np.random.default_rng(0).normal(size=(3, 2, 2, 1)).astype("float32")
    np.testing.assert_array_equal(numpy(pool.query(x, keras.random.SeedGenerator(1))), x)



def _tiny(**overrides):
    return ganzoo.get("srgan", **{**get_test_config("srgan"), **overrides})


def _depth_to_space_reference(x, r):
    # TensorFlow's documented depth_to_space: out[b, h*r+i, w*r+j, c] = x[b, h, w, (i*r+j)*C + c].
    b, h, w, crr = x.shape
    c = crr // (r * r)
    out = np.zeros((b, h * r, w * r, c), x.dtype)
    for i in range(r):
        for j in range(r):
            out[:, i::r, j::r, :] = x[..., (i * r + j) * c : (i * r + j + 1) * c]
    return out


@pytest.mark.parametrize("r", [2, 3])
def test_subpixel_upsampling_is_depth_to_space(r):
    x = np.random.default_rng(0).standard_normal((2, 5, 7, 2 * r * r)).astype("float32")
    y = numpy(SubPixelUpsampling(r)(x))
    assert y.shape == (2, 5 * r, 7 * r, 2)
    np.testing.assert_array_equal(y, _depth_to_space_reference(x, r))


def test_subpixel_upsampling_rejects_bad_channels():
    with pytest.raises(ValueError, match=r"channels divisible by 4.*Received: channels=6"):
        SubPixelUpsampling(2)(keras.Input((4, 4, 6)))
    with pytest.raises(ValueError, match=r"Received: scale=0"):
        SubPixelUpsampling(0)


# ------------------------------------------------------------------ precise BatchNorm
def _population_moments(chunks):
    allx = np.concatenate([c.reshape(-1, c.shape[-1]) for c in chunks]).astype("float64")
    return allx.mean(0), allx.var(0)


def test_precise_batch_norm_writes_population_statistics():
    from ganzoo.precise_bn import precise_batch_norm

    rng = np.random.default_rng(0)
    inp = keras.Input((3,))
    bn1 = keras.layers.BatchNormalization(epsilon=1e-3)
    bn2 = keras.layers.BatchNormalization(epsilon=1e-3)
    d1, d2 = keras.layers.Dense(4), keras.layers.Dense(5)
    out = bn2(d2(keras.layers.ReLU()(bn1(d1(inp)))))
    model = keras.Model(inp, out)
    for bn in (bn1, bn2):  # non-trivial affine parameters, so the second BN's input depends on them
        bn.gamma.assign(rng.uniform(0.5, 2.0, bn.gamma.shape).astype("float32"))
        bn.beta.assign(rng.normal(0, 1, bn.beta.shape).astype("float32"))
    # Batches with different means and spreads: their population differs from any one batch.
    batches = [(rng.normal(k, 1 + k, (7, 3)).astype("float32"), None) for k in range(5)]

    assert precise_batch_norm(model, batches) == 5

    # Reference in numpy: each BatchNorm normalises with its own batch's statistics (training
    # mode), and the population statistics pool every row of every batch.
    w1, b1 = (numpy(v).astype("float64") for v in d1.weights)
    w2, b2 = (numpy(v).astype("float64") for v in d2.weights)
    g1, be1 = numpy(bn1.gamma).astype("float64"), numpy(bn1.beta).astype("float64")
    h1s, h2s = [], []
    for x, _ in batches:
        h1 = x.astype("float64") @ w1 + b1
        z = (h1 - h1.mean(0)) / np.sqrt(h1.var(0) + 1e-3) * g1 + be1
        h1s.append(h1)
        h2s.append(np.maximum(z, 0) @ w2 + b2)
    for bn, chunks in ((bn1, h1s), (bn2, h2s)):
        mean, var = _population_moments(chunks)
        np.testing.assert_allclose(numpy(bn.moving_mean), mean, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(numpy(bn.moving_variance), var, rtol=1e-4, atol=1e-5)
    # Inference now normalises the population to zero mean and unit variance (before gamma/beta).
    y1 = numpy(bn1(np.concatenate(h1s).astype("float32"), training=False))
    np.testing.assert_allclose(((y1 - numpy(bn1.beta)) / numpy(bn1.gamma)).mean(0), 0, atol=1e-4)


def test_precise_batch_norm_on_the_srresnet_generator():
    from ganzoo.precise_bn import precise_batch_norm

    model = _tiny(num_blocks=2)
    gen = model.generator
    lr, hr = model.example_data(12, seed=1)
    batches = [(lr[i : i + 4] * (1 + i / 4), hr[i : i + 4]) for i in range(0, 12, 4)]
    # Only `steps` batches are used; the first BatchNorm's input is a conv output, known exactly.
    assert precise_batch_norm(gen, batches, steps=2) == 2
    bns = [l for l in gen.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert len(bns) == 2 * 2 + 1
    first_input = keras.Model(gen.input, bns[0].input)
    chunks = [numpy(first_input(x, training=True)) for x, _ in batches[:2]]
    mean, var = _population_moments(chunks)
    np.testing.assert_allclose(numpy(bns[0].moving_mean), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(numpy(bns[0].moving_variance), var, rtol=1e-4, atol=1e-5)
    for bn in bns:
        assert np.all(np.isfinite(numpy(bn.moving_variance))) and np.all(numpy(bn.moving_variance) >= 0)
    assert model.upscale(lr[:1]).shape == (1,) + model.hr_shape


def test_precise_batch_norm_rejects_nested_batch_norm_and_empty_input():
    from ganzoo.precise_bn import precise_batch_norm

    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.BatchNormalization()])
    inp = keras.Input((3,))
    outer = keras.Model(inp, inner(inp))
    with pytest.raises(ValueError, match="nested"):
        precise_batch_norm(outer, [np.zeros((2, 3), "float32")])
    flat = keras.Model(inp, keras.layers.BatchNormalization()(inp))
    with pytest.raises(ValueError, match="at least one batch"):
        precise_batch_norm(flat, [])
