"""gan (ganzoo/models/vanilla.py): the two generator losses."""
import keras
import numpy as np
import pytest

import ganzoo
from tests.harness import numpy


def test_minimax_and_non_saturating_train_differently():
    x = np.random.default_rng(0).normal(size=(16, 2)).astype("float32")
    weights = []
    for g_loss in ("minimax", "non_saturating"):
        keras.utils.set_random_seed(0)
        gan = ganzoo.get("gan", hidden_units=(8,), g_loss=g_loss, seed=0)
        gan.fit(x, batch_size=8, epochs=1, verbose=0, shuffle=False)
        weights.append(numpy(gan.generator.trainable_variables[0]))
    assert not np.allclose(*weights)
    with pytest.raises(ValueError, match="Received: g_loss='hinj'"):
        ganzoo.get("gan", g_loss="hinj")
