"""PNG sample grids and scatter plots (matplotlib, headless)."""
import math
import os

import numpy as np

from ganzoo.atomic import write_atomic


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=False)  # no display on servers; PNG files only
    import matplotlib.pyplot as plt

    return plt


def image_grid(images, ncols=None, pad=1):
    """Tile `(N, H, W, C)` images in [-1, 1] into one `(rows*H, cols*W, C)` array in [0, 1].

    Args:
        images: array. A batch of images in [-1, 1], 1 or 3 channels.
        ncols: int. Columns of the grid. Defaults to `ceil(sqrt(N))`.
        pad: int. Pixels of white between images. Defaults to 1.
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or images.shape[0] == 0:
        raise ValueError(
            "`images` must be a non-empty (N, H, W, C) batch with 1 or 3 channels. "
            f"Received: images.shape={images.shape}"
        )
    n, h, w, c = images.shape
    ncols = ncols or int(math.ceil(math.sqrt(n)))
    nrows = int(math.ceil(n / ncols))
    grid = np.ones((nrows * (h + pad) + pad, ncols * (w + pad) + pad, c), dtype="float32")
    scaled = np.clip((images + 1.0) / 2.0, 0.0, 1.0)
    for i in range(n):
        r, col = divmod(i, ncols)
        y, x = pad + r * (h + pad), pad + col * (w + pad)
        grid[y : y + h, x : x + w] = scaled[i]
    return grid


def save_image_grid(images, path, ncols=None, title=None):
    """Write a PNG grid of images in [-1, 1] to `path` (folders are created), whole or not at all."""
    plt = _pyplot()
    grid = image_grid(images, ncols=ncols)
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    height, width = grid.shape[:2]
    scale = max(1.0, 512 / max(height, width))
    fig = plt.figure(figsize=(width * scale / 100, height * scale / 100 + (0.3 if title else 0)), dpi=100)
    ax = fig.add_axes([0, 0, 1, 1 if not title else 1 - 0.3 / fig.get_figheight()])
    ax.imshow(grid[..., 0] if grid.shape[-1] == 1 else grid, cmap="gray" if grid.shape[-1] == 1 else None,
              vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    if title:
        fig.suptitle(title, fontsize=9, y=0.995, va="top")
    try:
        write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)
    return os.fspath(path)


def scatter_image(samples, modes=None, title=None, lim=None):
    """The scatter plot of `save_scatter` as an `(H, W, 3)` float array in [0, 1]."""
    plt = _pyplot()
    fig = _scatter_figure(plt, samples, modes, title, lim)
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba(), dtype="float32")[..., :3] / 255.0
    plt.close(fig)
    return image


def save_scatter(samples, path, modes=None, title=None, lim=None):
    """Write a PNG scatter plot of 2-D samples (with the mixture's modes if given), whole or not at all."""
    plt = _pyplot()
    folder = os.path.dirname(os.fspath(path))
    fig = _scatter_figure(plt, samples, modes, title, lim)
    if folder:
        os.makedirs(folder, exist_ok=True)
    try:
        write_atomic(path, lambda tmp: fig.savefig(tmp, format="png"))
    finally:
        plt.close(fig)
    return os.fspath(path)


def _scatter_figure(plt, samples, modes, title, lim):
    samples = np.asarray(samples)
    if samples.ndim != 2 or samples.shape[1] != 2:
        raise ValueError(f"`samples` must have shape (N, 2). Received: samples.shape={samples.shape}")
    fig, ax = plt.subplots(figsize=(4, 4), dpi=100)
    ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, label="samples")
    if modes is not None:
        modes = np.asarray(modes)
        ax.scatter(modes[:, 0], modes[:, 1], s=30, c="red", marker="x", label="modes")
    if lim is not None:
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig
