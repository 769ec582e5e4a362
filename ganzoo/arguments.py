"""Argument checks shared by every builder, loader, callback, metric and the command line.

One rule everywhere (the shape of keras' `keras/src/utils/argument_validation.py`):

- an integer argument takes a Python or numpy integer, never a `bool` (`True == 1` is not
  a size) nor a float, and comes back as a Python `int`;
- a float argument takes any real number but a `bool`, finite, and comes back as a
  Python `float`;
- every failure is a `ValueError` naming the argument and the value received, keras-hub
  style: "`latent_dim` must be a positive integer. Received: latent_dim=True".

Each check returns the normalized value, so a caller writes
`latent_dim = arguments.positive_int("latent_dim", latent_dim)`.
"""
import difflib
import math
import numbers

import numpy as np


def _fail(name, requirement, value, hint=""):
    hint = f" {hint}" if hint else ""
    raise ValueError(f"`{name}` must be {requirement}.{hint} Received: {name}={value!r}")


def is_int(value):
    """True for a Python or numpy integer that is not a `bool`.

    Args:
        value: the value to test.

    Example:
    ```python
    is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)  # True, True, False, False
    ```
    """
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_real(value):
    """True for a Python or numpy real number (integers included) that is not a `bool`.

    Args:
        value: the value to test.

    Example:
    ```python
    is_real(0.5), is_real(2), is_real(np.float32(1)), is_real(True)  # True, True, True, False
    ```
    """
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def positive_int(name, value, allow_zero=False, allow_none=False):
    """Check that `value` is an integer > 0 (>= 0 with `allow_zero`) and return it as an `int`.

    Args:
        name: str. The argument's name, used in the message.
        value: the value to check.
        allow_zero: bool. Accept 0. Defaults to False.
        allow_none: bool. Accept (and return) `None`. Defaults to False.

    Example:
    ```python
    positive_int("latent_dim", 100)    # 100
    positive_int("latent_dim", True)   # ValueError: `latent_dim` must be a positive integer. Received: latent_dim=True
    positive_int("pool_size", 0, allow_zero=True)   # 0
    ```
    """
    if value is None and allow_none:
        return None
    if not is_int(value) or value < (0 if allow_zero else 1):
        what = "a non-negative integer" if allow_zero else "a positive integer"
        _fail(name, what + (" or None" if allow_none else ""), value)
    return int(value)


def int_in_range(name, value, low, high=None, allow_none=False):
    """Check that `value` is an integer in `[low, high]` (`high=None`: no upper bound); return it.

    Args:
        name: str. The argument's name.
        value: the value to check.
        low: int. Smallest allowed value.
        high: int or `None`. Largest allowed value. Defaults to `None`.
        allow_none: bool. Accept (and return) `None`. Defaults to False.

    Example:
    ```python
    int_in_range("image_size", 32, 8)     # 32
    int_in_range("depth", 9, 2, 8)        # ValueError: `depth` must be an integer in [2, 8]. Received: depth=9
    ```
    """
    if value is None and allow_none:
        return None
    if not is_int(value) or value < low or (high is not None and value > high):
        what = f"an integer in [{low}, {high}]" if high is not None else f"an integer >= {low}"
        _fail(name, what + (" or None" if allow_none else ""), value)
    return int(value)


def positive_float(name, value, allow_zero=False, allow_none=False):
    """Check that `value` is a finite number > 0 (>= 0 with `allow_zero`); return it as a `float`.

    Args:
        name: str. The argument's name.
        value: the value to check.
        allow_zero: bool. Accept 0. Defaults to False.
        allow_none: bool. Accept (and return) `None`. Defaults to False.

    Example:
    ```python
    positive_float("learning_rate", 2e-4)   # 0.0002
    positive_float("learning_rate", -1e-3)  # ValueError: ... Received: learning_rate=-0.001
    ```
    """
    if value is None and allow_none:
        return None
    ok = is_real(value) and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        what = "a non-negative number" if allow_zero else "a positive number"
        _fail(name, what + (" or None" if allow_none else ""), value)
    return float(value)


def float_in_range(name, value, low, high, low_inclusive=True, high_inclusive=True, allow_none=False):
    """Check that `value` is a number in the interval from `low` to `high`; return it as a `float`.

    Args:
        name: str. The argument's name.
        value: the value to check.
        low: float. Lower bound.
        high: float. Upper bound.
        low_inclusive: bool. `low` itself is allowed. Defaults to True.
        high_inclusive: bool. `high` itself is allowed. Defaults to True.
        allow_none: bool. Accept (and return) `None`. Defaults to False.

    Example:
    ```python
    float_in_range("beta_1", 0.5, 0.0, 1.0, high_inclusive=False)   # 0.5
    float_in_range("dropout", 1.0, 0.0, 1.0, high_inclusive=False)  # ValueError: ... in [0, 1). Received: dropout=1.0
    ```
    """
    if value is None and allow_none:
        return None
    ok = is_real(value) and math.isfinite(value)
    if ok:
        ok = (value >= low if low_inclusive else value > low) and (value <= high if high_inclusive else value < high)
    if not ok:
        interval = f"{'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
        _fail(name, f"a number in {interval}" + (" or None" if allow_none else ""), value)
    return float(value)


def close_matches(value, choices, n=3, cutoff=0.5):
    """" Did you mean: 'a', 'b'?" for the `choices` close to `value`, or `""`.

    Args:
        value: the value received (compared as a string).
        choices: iterable. The valid values.
        n: int. At most this many suggestions. Defaults to 3.
        cutoff: float. `difflib` similarity needed, in [0, 1]. Defaults to 0.5.

    Example:
    ```python
    close_matches("dcgna", ["dcgan", "cgan"])   # " Did you mean: 'dcgan', 'cgan'?"
    ```
    """
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=n, cutoff=cutoff)
    return f" Did you mean: {', '.join(repr(c) for c in close)}?" if close else ""


def one_of(name, value, choices):
    """Check that `value` is one of `choices`; return it. Strings get close-match suggestions.

    `True` is not accepted for `1` (nor `False` for `0`).

    Args:
        name: str. The argument's name.
        value: the value to check.
        choices: sequence. The allowed values.

    Example:
    ```python
    one_of("norm", "batch", ("batch", "instance"))   # "batch"
    one_of("norm", "btach", ("batch", "instance"))
    # ValueError: `norm` must be one of ('batch', 'instance'). Did you mean: 'batch'? Received: norm='btach'
    ```
    """
    choices = tuple(choices)
    try:
        ok = value in choices
    except TypeError:  # an unhashable or incomparable value
        ok = False
    if ok and isinstance(value, (bool, np.bool_)):  # True == 1, but True is not the choice 1
        ok = any(isinstance(c, (bool, np.bool_)) and c == value for c in choices)
    if not ok:
        hint = close_matches(value, choices) if isinstance(value, str) else ""
        _fail(name, f"one of {choices}", value, hint.strip())
    return value


def positive_int_sequence(name, value, allow_empty=False):
    """Check a sequence of positive integers (e.g. layer widths); return it as a tuple of `int`.

    A single int is refused: it names one width where a sequence is expected
    (`hidden_units=(16,)`, not `hidden_units=16`).

    Args:
        name: str. The argument's name.
        value: the value to check.
        allow_empty: bool. Accept an empty sequence. Defaults to False.

    Example:
    ```python
    positive_int_sequence("hidden_units", [256, 256])   # (256, 256)
    positive_int_sequence("hidden_units", 16)
    # ValueError: `hidden_units` must be a non-empty sequence of positive integers, e.g. (16,). Received: hidden_units=16
    ```
    """
    ok = isinstance(value, (tuple, list)) and (allow_empty or len(value) > 0)
    ok = ok and all(is_int(v) and v > 0 for v in value)
    if not ok:
        example = f"({value},)" if is_int(value) and value > 0 else "(64, 64)"
        _fail(name, f"a {'' if allow_empty else 'non-empty '}sequence of positive integers, e.g. {example}", value)
    return tuple(int(v) for v in value)


def image_shape(name, value, channels=(1, 3, 4), min_size=1, multiple=1, square=False, power_of_two=False):
    """Check an image shape `(height, width, channels)`; return it as a tuple of `int`.

    Args:
        name: str. The argument's name.
        value: the value to check.
        channels: sequence of int. The allowed channel counts. Defaults to `(1, 3, 4)`.
        min_size: int. Smallest allowed height and width. Defaults to 1.
        multiple: int. Height and width must be multiples of it. Defaults to 1.
        square: bool. Height must equal width. Defaults to False.
        power_of_two: bool. Height and width must be powers of two. Defaults to False.

    Example:
    ```python
    image_shape("image_shape", (32, 32, 1), channels=(1, 3), min_size=8, square=True, power_of_two=True)
    image_shape("image_shape", (30, 30, 3), power_of_two=True)
    # ValueError: `image_shape` must be (height, width, channels) with ... Received: image_shape=(30, 30, 3)
    ```
    """
    ok = isinstance(value, (tuple, list)) and len(value) == 3 and all(is_int(d) and d > 0 for d in value)
    if ok:
        h, w, c = (int(d) for d in value)
        ok = (min(h, w) >= min_size and h % multiple == 0 and w % multiple == 0 and c in tuple(channels)
              and (not square or h == w)
              and (not power_of_two or (h & (h - 1) == 0 and w & (w - 1) == 0)))
    if not ok:
        side = "size" if square else "height and width"
        rules = []
        if power_of_two:
            rules.append("a power of two" if square else "powers of two")
        if multiple > 1:
            rules.append(f"{'a multiple' if square else 'multiples'} of {multiple}")
        if min_size > 1:
            rules.append(f">= {min_size}")
        channels = tuple(channels)
        allowed = ", ".join(str(c) for c in channels[:-1]) + f" or {channels[-1]}" if len(channels) > 1 else str(channels[0])
        form = "(size, size, channels)" if square else "(height, width, channels)"
        rule = f" with {side} {' and '.join(rules)}" if rules else " of positive integers"
        _fail(name, f"{form}{rule}, and {allowed} channels", tuple(value) if isinstance(value, list) else value)
    return tuple(int(d) for d in value)
