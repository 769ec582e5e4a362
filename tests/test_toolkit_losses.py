"""Losses selectable on the GAN-family builders (`loss=`, `d_loss=`, `g_loss=`; ganzoo.losses.loss_pair)."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo import losses

SMALL = {
    "gan": {"data_shape": (2,), "latent_dim": 2, "hidden_units": (4,)},
    "dcgan": {"image_shape": (8, 8, 1), "latent_dim": 4, "filters": 4},
    "cgan": {"image_shape": (8, 8, 1), "num_classes": 2, "latent_dim": 4, "filters": 4, "embed_dim": 2},
    "wgan_gp": {"data_shape": (2,), "hidden_units": (4,), "d_steps": 1},
}


@pytest.mark.parametrize("loss, pair", [
    ("logistic", ("logistic", "non_saturating")),
    ("non-saturating", ("logistic", "non_saturating")),
    ("minimax", ("logistic", "minimax")),
    ("least-squares", ("least_squares", "least_squares")),
    ("hinge", ("hinge", "hinge")),
    ("Wasserstein", ("wasserstein", "wasserstein")),
])
def test_one_name_picks_the_pair(loss, pair):
    assert losses.loss_pair(loss=loss) == pair


def test_each_side_alone_and_the_defaults():
    assert losses.loss_pair() == ("logistic", "non_saturating")
    assert losses.loss_pair(g_loss="minimax") == ("logistic", "minimax")
    assert losses.loss_pair(d_loss="hinge") == ("hinge", "non_saturating")
    assert losses.loss_pair(default="wasserstein") == ("wasserstein", "wasserstein")
    assert losses.loss_pair(g_loss="hinge", default="wasserstein") == ("wasserstein", "hinge")


def test_bad_names_are_refused():
    with pytest.raises(ValueError, match="Received: loss='hing'"):
        losses.loss_pair(loss="hing")
    with pytest.raises(ValueError, match="Received: d_loss='minimax'"):  # a generator-only loss
        losses.loss_pair(d_loss="minimax")
    with pytest.raises(ValueError, match="not both. Received: loss='hinge', d_loss='logistic'"):
        losses.loss_pair(loss="hinge", d_loss="logistic")


@pytest.mark.parametrize("name", sorted(SMALL))
def test_builders_train_with_the_chosen_losses_and_save_them(name):
    keras.utils.set_random_seed(0)
    model = ganzoo.get(name, loss="least_squares", seed=0, **SMALL[name])
    assert model._d_loss_fn is losses.least_squares_d_loss
    assert model._g_loss_fn is losses.least_squares_g_loss
    config = model.get_config()
    assert (config["d_loss"], config["g_loss"]) == ("least_squares", "least_squares")
    clone = type(model).from_config(config)
    assert clone._g_loss_fn is losses.least_squares_g_loss
    history = model.fit(model.example_data(4, seed=1), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0]) and np.isfinite(history.history["g_loss"][0])


def test_wgan_gp_keeps_wasserstein_by_default_and_takes_hinge():
    model = ganzoo.get("wgan_gp", **SMALL["wgan_gp"])
    assert (model.d_loss_name, model.g_loss_name) == ("wasserstein", "wasserstein")
    hinge = ganzoo.get("wgan_gp", loss="hinge", **SMALL["wgan_gp"])
    assert hinge._d_loss_fn is losses.hinge_d_loss
    x = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
    history = hinge.fit(x, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0]) and history.history["gradient_penalty"][0] >= 0
