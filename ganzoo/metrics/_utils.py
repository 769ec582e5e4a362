"""Small input-validation helpers shared by the metrics modules."""
import numpy as np

from ganzoo import arguments


def to_numpy(x, name, dtype="float64"):
    """Converts `x` (array-like or backend tensor) to a numpy array.

    Args:
        x: array-like. The value to convert.
        name: str. Argument name used in error messages.
        dtype: str. numpy dtype of the result. Defaults to `"float64"`.

    Returns:
        A numpy array of `dtype`.
    """
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"`{name}` must be convertible to a numeric array. "
            f"Received: {name} of type {type(x).__name__}"
        ) from e
    return arr


def check_rank(arr, rank, name, what):
    """Raises ValueError if `arr.ndim != rank`."""
    if arr.ndim != rank:
        raise ValueError(
            f"`{name}` must be a rank-{rank} array {what}. "
            f"Received: {name}.shape={arr.shape}"
        )


def check_finite(arr, name):
    """Raises ValueError if `arr` holds NaN or inf."""
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"`{name}` must contain only finite values. "
            f"Received: {name} with {int(np.sum(~np.isfinite(arr)))} "
            "non-finite entries"
        )


def check_positive_int(value, name, minimum=1):
    """Raises ValueError unless `value` is an integer (not a bool) >= `minimum`."""
    if minimum in (0, 1):
        return arguments.positive_int(name, value, allow_zero=minimum == 0)
    return arguments.int_in_range(name, value, minimum)


def check_images(images, name, allow_single=False):
    """Returns `images` as a float32 NHWC numpy batch; raises ValueError naming `name` otherwise.

    A single HWC image is given a batch axis when `allow_single` is True. Empty batches
    and non-finite values are refused.
    """
    arr = to_numpy(images, name, dtype="float32")
    if allow_single and arr.ndim == 3:
        arr = arr[None]
    check_rank(arr, 4, name, "of images (batch, height, width, channels)")
    if arr.shape[0] == 0:
        raise ValueError(
            f"`{name}` must hold at least one image. Received: {name}.shape={arr.shape}"
        )
    check_finite(arr, name)
    return arr


def check_features(features, name):
    """Returns `features` as a finite float64 (num_samples, num_features) numpy array."""
    arr = to_numpy(features, name)
    check_rank(arr, 2, name, "of features (num_samples, num_features)")
    check_finite(arr, name)
    return arr


def check_feature_pair(features1, features2):
    """Checks two feature arrays with the same feature dimension; returns them as numpy."""
    f1 = check_features(features1, "features1")
    f2 = check_features(features2, "features2")
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(
            "`features1` and `features2` must have the same feature dimension. "
            f"Received: features1.shape={f1.shape}, features2.shape={f2.shape}"
        )
    return f1, f2
