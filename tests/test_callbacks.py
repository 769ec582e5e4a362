"""SampleGrid writes real PNG grids; image_grid maps [-1, 1] to [0, 1]."""
import numpy as np
import pytest
from PIL import Image

import ganzoo
from ganzoo.plotting import image_grid


def test_image_grid_layout_and_range():
    imgs = np.stack([np.full((4, 4, 1), v, "float32") for v in (-1.0, 0.0, 1.0)])
    grid = image_grid(imgs, ncols=2, pad=1)
    assert grid.shape == (2 * 5 + 1, 2 * 5 + 1, 1)
    assert grid[1:5, 1:5].max() == 0.0 and np.allclose(grid[1:5, 6:10], 0.5) and grid[6:10, 1:5].min() == 1.0
    with pytest.raises(ValueError, match=r"images.shape=\(4, 4\)"):
        image_grid(np.zeros((4, 4)))


def test_sample_grid_every_n_epochs_reflects_training(tmp_path):
    gan = ganzoo.get("dcgan", image_shape=(8, 8, 1), filters=4, latent_dim=8, seed=0)
    x = ganzoo.data.load("digits", num_samples=64)
    grids = ganzoo.callbacks.SampleGrid(tmp_path, every=2, num_samples=16, seed=3)
    gan.fit(x, batch_size=16, epochs=4, verbose=0, callbacks=[grids])
    assert [p.split("/")[-1] for p in grids.paths] == ["samples_epoch0002.png", "samples_epoch0004.png"]
    first, last = (np.asarray(Image.open(p).convert("L"), "float32") for p in grids.paths)
    assert first.shape == last.shape and first.std() > 0
    assert np.abs(first - last).mean() > 0  # the generator changed between the two grids


def test_sample_grid_scatter_for_vectors(tmp_path):
    gan = ganzoo.get("gan", data_shape=(2,), hidden_units=(8,))
    grids = ganzoo.callbacks.SampleGrid(tmp_path, num_samples=8)
    gan.fit(ganzoo.data.load("ring", num_samples=256), batch_size=64, epochs=1, verbose=0, callbacks=[grids])
    assert Image.open(grids.paths[0]).size == (400, 400)


def test_sample_grid_rejects_bad_every():
    with pytest.raises(ValueError, match="Received: every=0"):
        ganzoo.callbacks.SampleGrid("x", every=0)
