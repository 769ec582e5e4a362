"""Each loss equals its formula, computed independently in numpy."""
import keras
import numpy as np
import pytest

from ganzoo import losses

rng = np.random.default_rng(0)
R = rng.normal(size=(16, 1)).astype("float32")
F = rng.normal(size=(16, 1)).astype("float32")


def np_softplus(x):
    return np.log1p(np.exp(x))


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def value(x):
    return float(keras.ops.convert_to_numpy(x))


CASES = [
    (losses.logistic_d_loss(R, F), -np.mean(np.log(np_sigmoid(R))) - np.mean(np.log(1 - np_sigmoid(F)))),
    (losses.minimax_g_loss(F), np.mean(np.log(1 - np_sigmoid(F)))),
    (losses.non_saturating_g_loss(F), -np.mean(np.log(np_sigmoid(F)))),
    (losses.least_squares_d_loss(R, F), np.mean((R - 1) ** 2) + np.mean(F ** 2)),
    (losses.least_squares_g_loss(F), np.mean((F - 1) ** 2)),
    (losses.hinge_d_loss(R, F), np.mean(np.maximum(0, 1 - R)) + np.mean(np.maximum(0, 1 + F))),
    (losses.hinge_g_loss(F), -np.mean(F)),
    (losses.wasserstein_d_loss(R, F), np.mean(F) - np.mean(R)),
    (losses.wasserstein_g_loss(F), -np.mean(F)),
    (losses.l1_loss(R, F), np.mean(np.abs(R - F))),
    (losses.l2_loss(R, F), np.mean((R - F) ** 2)),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_loss_matches_formula(i):
    got, expected = CASES[i]
    np.testing.assert_allclose(value(got), expected, rtol=1e-5, atol=1e-6)


def test_penalties_match_formula():
    g = rng.normal(size=(4, 3, 3, 2)).astype("float32")
    norms = np.sqrt((g.reshape(4, -1) ** 2).sum(1))
    np.testing.assert_allclose(value(losses.gradient_penalty(g)), np.mean((norms - 1) ** 2), rtol=1e-5)
    np.testing.assert_allclose(value(losses.r1_penalty(g)), np.mean(norms ** 2), rtol=1e-5)


def test_losses_are_float32_for_half_inputs():
    out = losses.logistic_d_loss(R.astype("float16"), F.astype("float16"))
    assert keras.backend.standardize_dtype(out.dtype) == "float32"


def test_unknown_loss_name():
    with pytest.raises(ValueError, match="Received: g_loss='nonsaturating'"):
        losses.get_g_loss("nonsaturating")
