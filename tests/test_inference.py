"""Inference helpers (ganzoo/inference.py): tiled upscaling."""
import numpy as np
import pytest

import ganzoo
from ganzoo.registry import get_test_config


def _tiny(**overrides):
    return ganzoo.get("srgan", **{**get_test_config("srgan"), **overrides})


def test_upscale_tiled_equals_untiled():
    model = _tiny(num_blocks=2)
    model.fit(model.example_data(4), batch_size=4, epochs=1, verbose=0)  # non-trivial BN stats
    x = np.random.default_rng(3).uniform(-1, 1, (2, 13, 11, 3)).astype("float32")
    whole = model.upscale(x)
    assert whole.shape == (2, 26, 22, 3)
    tiled = model.upscale(x, tile=4)
    np.testing.assert_allclose(tiled, whole, atol=1e-5)
    single = model.upscale(x[0], tile=5)
    np.testing.assert_allclose(single, whole[0], atol=1e-5)
    # Without context the tile borders differ: the overlap is what makes them equal.
    assert np.abs(model.upscale(x, tile=4, overlap=0) - whole).max() > 1e-3
    with pytest.raises(ValueError, match=r"Received: images.shape=\(13, 11\)"):
        model.upscale(x[0, ..., 0])
