"""Datasets that ship with ganzoo's dependencies: no download, no TensorFlow.

* `digits`: scikit-learn's 8x8 handwritten digits.
* `ring`, `grid`: the 2-D Gaussian mixtures of the PacGAN / VEEGAN
  mode-collapse protocol.
"""
import numpy as np

from ganzoo import arguments

# Standard deviation of every Gaussian mode of the 2-D mixtures.
MIXTURE_STD = {"ring": 0.01, "grid": 0.05}

DIGITS_NUM_TRAIN = 1500  # of 1797; the test split holds the other 297.
DIGITS_SPLIT_SEED = 0
DIGITS_NATIVE_SIZE = 8
MIXTURE_DEFAULT_NUM_SAMPLES = 100_000


def ring_modes():
    """Returns the 8 mode centres of the `ring` mixture.

    The modes lie on the unit circle at angles `2 * pi * k / 8`, k = 0..7.

    Returns:
        A float32 numpy array of shape `(8, 2)`; row k is the centre of mode k.

    Example:

    ```python
    modes = ganzoo.data.ring_modes()
    np.linalg.norm(modes, axis=1)    # all 1.0
    ```
    """
    angles = 2.0 * np.pi * np.arange(8) / 8.0
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)


def grid_modes():
    """Returns the 25 mode centres of the `grid` mixture.

    The modes are the points of `{-4, -2, 0, 2, 4} x {-4, -2, 0, 2, 4}`, in
    row-major order (the first coordinate varies slowest).

    Returns:
        A float32 numpy array of shape `(25, 2)`; row k is the centre of mode k.

    Example:

    ```python
    modes = ganzoo.data.grid_modes()
    modes[0], modes[-1]    # [-4., -4.], [4., 4.]
    ```
    """
    coords = np.arange(-4.0, 5.0, 2.0)
    xx, yy = np.meshgrid(coords, coords, indexing="ij")
    return np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)


_MODE_FNS = {"ring": ring_modes, "grid": grid_modes}
_MIXTURE_SPLITS = ("train", "test")


def _bilinear_matrix(in_size, out_size):
    """Interpolation weights `(out_size, in_size)` with half-pixel centres."""
    scale = in_size / out_size
    src = (np.arange(out_size) + 0.5) * scale - 0.5
    src = np.clip(src, 0.0, in_size - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, in_size - 1)
    frac = src - lo
    weights = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    np.add.at(weights, (rows, lo), 1.0 - frac)
    np.add.at(weights, (rows, hi), frac)
    return weights


def resize_bilinear(images, size):
    """Bilinearly resizes `(N, H, W)` images to `(N, size, size)`.

    Uses half-pixel centres and edge clamping (the convention of
    `skimage.transform.resize(order=1, mode="edge")` and `tf.image.resize`).
    """
    images = np.asarray(images, dtype=np.float64)
    rows = _bilinear_matrix(images.shape[1], size)
    cols = _bilinear_matrix(images.shape[2], size)
    return np.einsum("ih,nhw,jw->nij", rows, images, cols)


def load_digits(split, image_size, channels, labels, shuffle, seed, num_samples):
    """Loads scikit-learn's digits as float32 `(N, S, S, C)` images in [-1, 1]."""
    from sklearn.datasets import load_digits as sk_load_digits

    if split not in ("train", "test", "all"):
        raise ValueError(
            "Unknown split for dataset 'digits'. Expected one of 'train' "
            f"(1500 examples), 'test' (297) or 'all' (1797). Received: split={split!r}"
        )
    if image_size is None:
        image_size = DIGITS_NATIVE_SIZE
    if (
        not arguments.is_int(image_size)
        or image_size < DIGITS_NATIVE_SIZE
        or image_size & (image_size - 1)
    ):
        raise ValueError(
            "For dataset 'digits', `image_size` must be a power of two >= 8 "
            f"(8, 16, 32, ...). Received: image_size={image_size!r}"
        )
    image_size = int(image_size)
    if channels is None:
        channels = 1
    if channels not in (1, 3) or isinstance(channels, bool):
        raise ValueError(
            "For dataset 'digits', `channels` must be 1 or 3. "
            f"Received: channels={channels!r}"
        )

    bunch = sk_load_digits()
    images = bunch.images  # (1797, 8, 8) with values 0..16
    targets = bunch.target
    order = np.random.default_rng(DIGITS_SPLIT_SEED).permutation(len(images))
    if split == "train":
        order = order[:DIGITS_NUM_TRAIN]
    elif split == "test":
        order = order[DIGITS_NUM_TRAIN:]
    if shuffle:
        order = order[np.random.default_rng(0 if seed is None else seed).permutation(len(order))]
    else:
        # Unshuffled output keeps the original scikit-learn order.
        order = np.sort(order)
    if num_samples is not None:
        order = order[:num_samples]

    x = images[order] / 16.0 * 2.0 - 1.0
    if image_size != DIGITS_NATIVE_SIZE:
        x = resize_bilinear(x, image_size)
    x = np.clip(x, -1.0, 1.0).astype(np.float32)[..., None]
    if channels == 3:
        x = np.repeat(x, 3, axis=-1)
    if labels:
        return x, targets[order].astype(np.int32)
    return x


def load_mixture(name, split, labels, seed, num_samples):
    """Samples the `ring` or `grid` 2-D Gaussian mixture as float32 `(N, 2)`."""
    if split not in _MIXTURE_SPLITS:
        raise ValueError(
            f"Unknown split for dataset {name!r}. Expected 'train' or 'test' "
            "(independent samples of the same mixture). "
            f"Received: split={split!r}"
        )
    if num_samples is None:
        num_samples = MIXTURE_DEFAULT_NUM_SAMPLES
    modes = _MODE_FNS[name]()
    rng = np.random.default_rng([0 if seed is None else seed, _MIXTURE_SPLITS.index(split)])
    mode_index = rng.integers(0, len(modes), size=num_samples)
    noise = rng.standard_normal((num_samples, 2)) * MIXTURE_STD[name]
    x = (modes[mode_index] + noise).astype(np.float32)
    if labels:
        return x, mode_index.astype(np.int32)
    return x
