"""Checks of the training data, run by `AdversarialModel.fit` before any training.

`check_fit_data(model, x, y)` looks at the data without consuming it and hands one batch
(numpy, in the structure `train_step` receives) to the model's `validate_batch`:

| input | what is checked |
|---|---|
| numpy / backend arrays (also tuples and dicts of them) | the whole arrays |
| `tf.data.Dataset` | its first batch (`take(1)`: a fresh iterator, the pipeline runs once more) |
| `keras.utils.PyDataset` | `x[0]` |
| `torch.utils.data.DataLoader` | the first batch of a fresh iterator |
| Python generator / iterator | its first batch, which is then put back in front |

Anything else is passed to `fit` unchecked. Set `model.check_inputs = False` to skip.

The helpers (`check_samples`, `check_labels`, `check_pair`) are what models call from
`validate_batch`; each raises `ValueError` naming the argument and the value received.
"""
import inspect
import itertools

import numpy as np

from ganzoo.data.images import check_images


def check_fit_data(model, x, y=None):
    """Validate the data given to `model.fit`; return `(x, y)` to pass on.

    A Python generator is returned re-wrapped with its first batch put back in front,
    so that `fit` sees every batch.
    """
    if x is None:
        raise ValueError("`fit` needs training data. Received: x=None")
    batch = None
    if _is_tf_dataset(x):
        batch = _first(iter(x.take(1)), "x (a tf.data.Dataset)")
    elif _is_py_dataset(x):
        try:
            n = len(x)
        except TypeError:  # an infinite PyDataset has no length
            n = None
        if n == 0:
            raise ValueError(f"The training data is empty. Received: x={type(x).__name__} with len(x)=0")
        batch = x[0]
    elif _is_torch_loader(x):
        batch = _first(iter(x), "x (a torch DataLoader)")
    elif inspect.isgenerator(x) or (hasattr(x, "__next__") and not _is_array(x)):
        first = _first(x, "x (a generator)")
        batch = first
        x = _chain(first, x)
    elif _is_structure_of_arrays(x):
        batch = x if y is None else (x, y)
    if batch is None:
        if getattr(model, "is_deferred", False):
            raise ValueError(
                f"{model.name} builds its networks from the first batch of `fit`, which cannot be read "
                f"from a {type(x).__name__}: pass numpy arrays, a tf.data.Dataset, a PyDataset or a "
                f"generator, or the builder's shape arguments. Received: x of type {type(x).__name__}"
            )
        return x, y
    batch = _to_numpy(batch)
    _check_not_empty(batch)
    if getattr(model, "is_deferred", False):
        # Built for this batch's shapes (after `shapes_from_batch` checked it), then checked in full.
        model.build_from_batch(batch)
    model.validate_batch(batch)
    return x, y


def check_samples(x, sample_shape, name="x", value_range=(-1.0, 1.0), tolerance=1e-3):
    """Check a batch of real samples against the shape and range the generator produces.

    Args:
        x: numpy array. A batch, `(batch,) + sample_shape`.
        sample_shape: tuple. Shape of one generated sample.
        name: str. The argument name used in the messages. Defaults to `"x"`.
        value_range: tuple or `None`. Allowed `(min, max)`, e.g. the `tanh` range of
            image generators; `None` for unbounded data. Defaults to `(-1.0, 1.0)`.
        tolerance: float. Slack on the range. Defaults to 1e-3.
    """
    sample_shape = tuple(sample_shape)
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise ValueError(f"`{name}` must be an array of samples. Received: {name} of type {type(x).__name__}")
    shape = tuple(x.shape)
    if len(shape) != len(sample_shape) + 1:
        hint = ""
        if shape == sample_shape:
            hint = " It looks like one unbatched sample: batch the dataset (e.g. `ds.batch(64)`)."
        raise ValueError(
            f"`{name}` must be a batch of samples of shape {sample_shape}, i.e. of rank "
            f"{len(sample_shape) + 1} (batch first).{hint} Received: {name}.shape={shape}"
        )
    if shape[0] == 0:
        raise ValueError(f"The training data is empty. Received: {name}.shape={shape}")
    if len(sample_shape) == 3 and value_range is not None and tuple(value_range) == (-1.0, 1.0):
        # Images for a tanh generator: the data engineer's check (dtype, shape, range).
        check_images(x, name=name, image_shape=sample_shape)
        return
    if shape[1:] != sample_shape:
        if len(sample_shape) == 3 and shape[1:3] == sample_shape[:2]:
            raise ValueError(
                f"`{name}` has {shape[-1]} channel(s) but the model generates {sample_shape[-1]} "
                f"(image_shape={sample_shape}); convert the images or build the model with "
                f"image_shape={shape[1:]}. Received: {name}.shape={shape}"
            )
        raise ValueError(
            f"The model generates samples of shape {sample_shape}; `{name}` must match "
            f"(resize, or build the model for this shape). Received: {name}.shape={shape}"
        )
    dtype = np.dtype(x.dtype)
    if dtype.kind in "iub":
        if value_range is not None:
            lo, hi = (int(x.min()), int(x.max())) if x.size else (0, 0)
            raise ValueError(
                f"`{name}` holds integer values (in [{lo}, {hi}]) but the model generates floats in "
                f"[{value_range[0]:g}, {value_range[1]:g}] and its discriminator would compare the two; "
                f"scale the data first, e.g. `ganzoo.data.scale_images({name})` maps [0, 255] to "
                f"[-1, 1]. Received: {name}.dtype={dtype.name}"
            )
        return
    if dtype.kind != "f":
        raise ValueError(f"`{name}` must hold floating-point values. Received: {name}.dtype={dtype.name}")
    finite = np.isfinite(x)
    if not finite.all():
        raise ValueError(
            f"`{name}` contains {int(x.size - finite.sum())} NaN or Inf value(s). "
            f"Received: {name} with non-finite entries"
        )
    if value_range is not None:
        lo, hi = float(x.min()), float(x.max())
        if lo < value_range[0] - tolerance or hi > value_range[1] + tolerance:
            hint = ""
            if hi > 2.0 and lo >= -tolerance:
                hint = " The values look like [0, 255] pixels: use `ganzoo.data.scale_images`."
            raise ValueError(
                f"`{name}` must lie in [{value_range[0]:g}, {value_range[1]:g}], the range the generator "
                f"produces (tanh).{hint} Received: {name} in [{lo:g}, {hi:g}]"
            )


def check_labels(labels, num_classes, name="y", num_samples=None):
    """Check class labels and return them as an int32 numpy array of shape `(n,)`.

    Labels must be integers (any integer dtype) in `[0, num_classes)`, one class index
    per sample: shape `(n,)` or `(n, 1)`, not one-hot.

    Args:
        labels: array-like (numpy, list or a backend tensor). The labels.
        num_classes: int. Number of classes.
        name: str. The argument name used in the messages. Defaults to `"y"`.
        num_samples: int or `None`. The number of labels required (one per image).
            Defaults to `None` (any).

    Example:
    ```python
    ganzoo.validation.check_labels([0, 3, 9], 10)   # array([0, 3, 9], dtype=int32)
    ganzoo.validation.check_labels([0, 10], 10)     # ValueError: ... Received: a label y=10
    ```
    """
    try:
        if hasattr(labels, "shape") and not isinstance(labels, np.ndarray):
            import keras

            labels = keras.ops.convert_to_numpy(labels)  # a backend tensor
        arr = np.asarray(labels)
    except Exception as e:  # noqa: BLE001 - any conversion failure is a bad argument
        raise ValueError(f"`{name}` must be an array of integer class labels. Received: {name}={labels!r}") from e
    if arr.dtype == bool or arr.dtype.kind not in "iu":
        raise ValueError(
            f"`{name}` must hold integer class labels; cast whole numbers with `.astype('int32')`. "
            f"Received: {name}.dtype={arr.dtype.name}"
        )
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(
            f"`{name}` must have shape (num_samples,) or (num_samples, 1): one class index per "
            f"sample (not one-hot). Received: {name}.shape={tuple(arr.shape)}"
        )
    if num_samples is not None and arr.shape[0] != num_samples:
        raise ValueError(
            f"`{name}` must hold one label per sample: expected {num_samples}. "
            f"Received: {name}.shape={tuple(arr.shape)}"
        )
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())
        if lo < 0 or hi >= num_classes:
            bad = lo if lo < 0 else hi
            raise ValueError(
                f"`{name}` must hold class labels in [0, {num_classes - 1}] (num_classes={num_classes}). "
                f"Received: a label {name}={bad}"
            )
    return arr.astype("int32")


def check_pair(a, b, names=("A", "B")):
    """Check that paired batches `(A, B)` hold the same number of samples of one shape."""
    sa, sb = tuple(np.shape(a)), tuple(np.shape(b))
    if sa != sb:
        raise ValueError(
            f"Paired inputs `{names[0]}` and `{names[1]}` must have the same shape "
            f"(batch, height, width, channels). Received: {names[0]}.shape={sa}, {names[1]}.shape={sb}"
        )


# ----------------------------------------------------------------------------- helpers
def _first(iterator, what):
    try:
        return next(iterator)
    except StopIteration:
        raise ValueError(f"The training data is empty. Received: {what} that yields no batch") from None


def _chain(first, rest):
    def gen():
        yield first
        yield from rest

    return gen()


def _is_tf_dataset(x):
    return type(x).__module__.startswith("tensorflow") and hasattr(x, "element_spec") and hasattr(x, "take")


def _is_py_dataset(x):
    import keras

    return isinstance(x, keras.utils.PyDataset)


def _is_torch_loader(x):
    return type(x).__module__.startswith("torch.utils.data") and hasattr(x, "__iter__")


def _is_array(x):
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _is_structure_of_arrays(x):
    if isinstance(x, dict):
        return bool(x) and all(_is_array(v) or _is_structure_of_arrays(v) for v in x.values())
    if isinstance(x, (tuple, list)):
        return bool(x) and all(_is_array(v) or _is_structure_of_arrays(v) for v in x)
    return _is_array(x)


def _leaf_to_numpy(v):
    if hasattr(v, "detach"):  # torch
        return v.detach().cpu().numpy()
    if hasattr(v, "numpy") and callable(v.numpy):  # tf EagerTensor
        return v.numpy()
    return np.asarray(v)


def _to_numpy(batch):
    if isinstance(batch, dict):
        return {k: _to_numpy(v) for k, v in batch.items()}
    if isinstance(batch, (tuple, list)):
        return tuple(_to_numpy(v) for v in batch)  # torch DataLoaders give lists
    return _leaf_to_numpy(batch)


def _check_not_empty(batch):
    leaves = batch.values() if isinstance(batch, dict) else batch if isinstance(batch, tuple) else [batch]
    for leaf in itertools.chain(leaves):
        if isinstance(leaf, (dict, tuple)):
            _check_not_empty(leaf)
        elif hasattr(leaf, "shape") and len(leaf.shape) and leaf.shape[0] == 0:
            raise ValueError(f"The training data is empty. Received: an array of shape {tuple(leaf.shape)}")
