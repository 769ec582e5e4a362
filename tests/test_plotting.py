"""Picture helpers (ganzoo/plotting.py)."""
import numpy as np
import pytest

from ganzoo.plotting import image_grid


def test_image_grid_layout_and_range():
    imgs = np.stack([np.full((4, 4, 1), v, "float32") for v in (-1.0, 0.0, 1.0)])
    grid = image_grid(imgs, ncols=2, pad=1)
    assert grid.shape == (2 * 5 + 1, 2 * 5 + 1, 1)
    assert grid[1:5, 1:5].max() == 0.0 and np.allclose(grid[1:5, 6:10], 0.5) and grid[6:10, 1:5].min() == 1.0
    with pytest.raises(ValueError, match=r"images.shape=\(4, 4\)"):
        image_grid(np.zeros((4, 4)))
