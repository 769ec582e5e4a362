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
