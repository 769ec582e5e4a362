"""Loads image datasets from TensorFlow Datasets as `tf.data.Dataset`s.

tensorflow-datasets is imported lazily, inside these functions, so that the embedded
datasets never import TensorFlow. This module checks names, splits and features; the
tf.data pipeline that turns the examples into images is `ganzoo.data.tfdata`'s.
"""
import contextlib
import difflib
import logging

from ganzoo.data import tfdata


def _import_tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            "Loading TensorFlow Datasets needs `tensorflow` and "
            "`tensorflow-datasets` (pip install tensorflow-cpu "
            f"tensorflow-datasets). Original error: {e}"
        ) from e
    return tfds


@contextlib.contextmanager
def quiet_absl():
    """Silence absl's WARNING records while tfds looks for prepared files.

    For a dataset that is not prepared, tfds logs "Variant folder ... has no
    dataset_info.json" before raising; ganzoo's `not_prepared_error` says what to do
    instead, so the warning would only be a misleading first line.
    """
    logger = logging.getLogger("absl")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def tfds_load(tfds, name, split, *, data_dir, download, **kwargs):
    """`tfds.load` with absl's warnings off; a missing prepared dataset is `not_prepared_error`."""
    try:
        with quiet_absl():
            return tfds.load(name, split=split, data_dir=data_dir, download=download, **kwargs)
    except AssertionError as e:
        raise not_prepared_error(name, split, data_dir, e) from e


class NotPreparedError(ValueError):
    """A tfds dataset is not prepared in `data_dir` (and `download=False`)."""


def not_prepared_error(name, split, data_dir, error):
    """The ValueError for tfds' AssertionError when a dataset's prepared files are missing."""
    return NotPreparedError(
        f"Dataset {name!r} (split={split!r}) is not prepared in "
        f"data_dir={data_dir!r} and download=False. Machines without "
        "internet cannot download it: prepare it elsewhere (e.g. "
        f"tfds.load({name!r}, data_dir=...) on a machine with internet), "
        "copy that directory here and pass it as `data_dir=`, or pass "
        f"download=True where a download is possible. tfds said: {error}"
    )


def check_tfds_name(name, embedded_names):
    """Raises a ValueError with close matches if `name` is no tfds builder."""
    tfds = _import_tfds()
    if ":" in name:  # Community dataset ("namespace:name"): let tfds decide.
        return
    builders = tfds.list_builders(with_community_datasets=False)
    base = name.split("/")[0]
    if base in builders:
        return
    known = list(embedded_names) + list(builders)
    matches = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    matches += [
        m for m in difflib.get_close_matches(base, known, n=3, cutoff=0.6)
        if m not in matches
    ]
    hint = ""
    if matches:
        hint = " Did you mean: " + ", ".join(repr(m) for m in matches) + "?"
    raise ValueError(
        f"Unknown dataset name. Received: name={name!r}.{hint} "
        "Known embedded datasets: "
        + ", ".join(repr(n) for n in embedded_names)
        + ". Any other name must be a TensorFlow Datasets name "
        "(see tfds.list_builders()), e.g. 'cifar10' or "
        "'cycle_gan/horse2zebra'; a 'tfds:' prefix always means tfds, e.g. 'tfds:mnist'."
    )


def load_tfds(
    name,
    split,
    *,
    image_size,
    channels,
    batch_size,
    labels,
    shuffle,
    seed,
    num_samples,
    data_dir,
    download,
):
    """Loads `name` from TensorFlow Datasets as a `tf.data.Dataset` in [-1, 1]."""
    tfds = _import_tfds()
    try:
        ds, info = tfds_load(tfds, name, split, data_dir=data_dir, download=download,
                             shuffle_files=False, with_info=True)
    except NotPreparedError:
        raise
    except tfds.core.registered.DatasetNotFoundError as e:
        raise ValueError(f"Unknown dataset name. Received: name={name!r}. {e}") from e
    except (ValueError, KeyError) as e:
        msg = str(e)
        if "split" in msg.lower():
            raise ValueError(
                f"Unknown split for dataset {name!r}. Received: split={split!r}. "
                f"tfds said: {msg}"
            ) from e
        raise

    features = info.features
    if "image" not in features:
        raise ValueError(
            f"Dataset {name!r} has no 'image' feature, so it is not an image "
            f"dataset ganzoo can load. Its features: {list(features.keys())}. "
            f"Received: name={name!r}"
        )
    if labels and "label" not in features:
        raise ValueError(
            f"Dataset {name!r} has no 'label' feature. Its features: "
            f"{list(features.keys())}. Received: labels={labels!r}"
        )

    return tfdata.tfds_images(
        ds,
        image_size=image_size,
        channels=channels,
        labels=labels,
        num_samples=num_samples,
        shuffle=shuffle,
        seed=seed,
        batch_size=batch_size,
        empty_error=(
            f"Dataset {name!r} (split={split!r}) is empty after applying "
            f"num_samples={num_samples} and batch_size={batch_size} "
            "(batches drop the remainder). Received: "
            f"num_samples={num_samples}, batch_size={batch_size}"
        ),
    )
