"""benchmarks/mode_coverage.py: PacGAN's 2-D networks on ganzoo's GAN, the reverse KL, the packed batches."""
import importlib.util
import math
import os

import keras
import numpy as np
import pytest

import ganzoo

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "mode_coverage.py")
_spec = importlib.util.spec_from_file_location("mode_coverage", _PATH)
mc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mc)


def test_reverse_kl_of_mode_histograms():
    assert mc.reverse_kl([5, 5, 5, 5]) == pytest.approx(0.0)
    assert mc.reverse_kl([10, 10, 0, 0]) == pytest.approx(math.log(2))
    assert mc.reverse_kl([7, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(math.log(8))
    assert mc.reverse_kl([0, 0]) == math.inf


def test_pacgan_networks_shapes_and_maxout():
    g, d = mc.pacgan_networks(pac=3, g_units=8, d_units=4, d_pieces=5)
    assert g.input_shape == (None, 2) and g.output_shape == (None, 2)
    assert d.input_shape == (None, 6) and d.output_shape == (None, 1)
    dense = [l for l in g.layers if isinstance(l, keras.layers.Dense)]
    assert [l.use_bias for l in dense] == [False] * 4 + [True]
    bn = [l for l in g.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert [(l.momentum, l.epsilon) for l in bn] == [(0.95, 1e-4)] * 4
    # The first maxout layer's output is the max over each unit's 5 consecutive columns.
    x = np.random.default_rng(0).normal(size=(3, 6)).astype("float32")
    pre = keras.ops.convert_to_numpy(d.get_layer("d_dense0")(x))
    sub = keras.Model(d.input, d.get_layer("d_maxout0").output)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(sub(x)), pre.reshape(3, 4, 5).max(-1), rtol=1e-6)


@pytest.mark.slow  # compiles a train step (~18 s on the loaded 2 cores)
def test_pacgan_model_is_ganzoo_gan_and_trains_by_fit():
    model = mc.pacgan_model(pac=2, seed=0, g_units=8, d_units=4, d_pieces=2)
    assert isinstance(model, ganzoo.GAN) and model.pac == 2
    assert model.d_optimizer.beta_1 == pytest.approx(0.8) and model.d_optimizer.epsilon == pytest.approx(1e-8)
    before = [np.array(w) for w in model.generator.get_weights()]
    rng = np.random.default_rng(0)
    pool = ganzoo.data.load("grid", seed=0, num_samples=500)
    x = mc.pacgan_epoch(pool, 2, batch_size=10, steps=2, rng=rng)
    assert x.shape == (40, 2) and np.all(np.isin(x[:, 0], pool[:, 0]))
    model.fit(x, batch_size=20, epochs=1, shuffle=False, verbose=0)
    assert int(model.g_optimizer.iterations) == 2
    assert any(not np.allclose(a, b) for a, b in zip(before, model.generator.get_weights()))


def test_score_of_samples_on_and_off_the_modes():
    modes = ganzoo.data.grid_modes()
    on = np.repeat(modes, 4, axis=0)  # every mode, 4 times, exactly
    s = mc.score(on, modes, 0.05)
    assert s["modes"] == 25 and s["high_quality_pct"] == 100.0
    assert s["reverse_kl"] == pytest.approx(0.0) and s["median_dist_std"] == 0.0
    off = modes[:5] + np.array([0.5, 0.0])  # 10 std right of 5 modes
    s = mc.score(off, modes, 0.05)
    assert s["modes"] == 0 and s["high_quality_pct"] == 0.0 and s["median_dist_std"] == pytest.approx(10.0)
