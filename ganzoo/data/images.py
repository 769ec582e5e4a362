"""Image range helpers shared by the data loaders and the models."""
import numpy as np

# Float images may overshoot [-1, 1] by this much (e.g. after interpolation or
# float32 round-off) and still pass `check_images`.
RANGE_TOLERANCE = 1e-3


def scale_images(x, input_range=None):
    """Scales images from `input_range` to float32 in `[-1, 1]`.

    Args:
        x: array-like. Images of any shape, e.g. `(N, H, W, C)`.
        input_range: tuple of two numbers or None. The `(low, high)` range of
            the values of `x`, mapped linearly to `(-1, 1)`. `None` infers it
            from the dtype: integer dtypes use `(0, 255)`, float dtypes use
            `(0, 1)`. Values outside the range raise a ValueError.
            Defaults to None.

    Returns:
        A float32 numpy array with the shape of `x` and values in `[-1, 1]`.

    Example:

    ```python
    x = np.array([[0, 128, 255]], dtype="uint8")
    ganzoo.data.scale_images(x)              # [[-1., 0.0039, 1.]]
    ganzoo.data.scale_images(x / 255.0)      # same, from [0, 1] floats
    ganzoo.data.scale_images(x, input_range=(0, 255))
    ```
    """
    x = np.asarray(x)
    if x.dtype == bool or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)
    ):
        raise ValueError(
            "`x` must hold integer or float images. "
            f"Received: x with dtype={x.dtype}"
        )
    if input_range is None:
        if np.issubdtype(x.dtype, np.integer):
            input_range = (0, 255)
        else:
            input_range = (0, 1)
        inferred = True
    else:
        inferred = False
        try:
            low, high = (float(v) for v in input_range)
        except (TypeError, ValueError):
            raise ValueError(
                "`input_range` must be a pair of numbers (low, high). "
                f"Received: input_range={input_range!r}"
            ) from None
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(
                "`input_range` must be a pair of finite numbers with low < high. "
                f"Received: input_range={input_range!r}"
            )
    low, high = (float(v) for v in input_range)
    if x.size:
        x_min, x_max = float(np.min(x)), float(np.max(x))
        span = high - low
        if (
            not np.isfinite(x_min)
            or not np.isfinite(x_max)
            or x_min < low - RANGE_TOLERANCE * span
            or x_max > high + RANGE_TOLERANCE * span
        ):
            hint = ""
            if inferred and not np.issubdtype(x.dtype, np.integer):
                hint = (
                    " Float images are assumed to lie in [0, 1]; pass e.g. "
                    "input_range=(0, 255) for float images in [0, 255]."
                )
            raise ValueError(
                f"`x` has values outside input_range={(low, high)}.{hint} "
                f"Received: x with min={x_min} and max={x_max}"
            )
    out = (x.astype(np.float64) - low) / (high - low) * 2.0 - 1.0
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def check_images(x, name="x", image_shape=None):
    """Validates a batch of images as GAN inputs: rank 4, float, in `[-1, 1]`.

    Raises a ValueError naming `name` and describing the problem if `x` is not
    rank 4, is empty, has an integer (or bool) dtype, does not match
    `image_shape`, or has values outside `[-1, 1]` (a tolerance of 1e-3 is
    allowed) or non-finite values.

    Args:
        x: array-like. The images, shape `(N, H, W, C)`. Anything
            `np.asarray` accepts (numpy, JAX, TensorFlow eager or CPU torch
            arrays).
        name: str. The argument name used in error messages. Defaults to "x".
        image_shape: tuple or None. The expected `(H, W, C)`; entries that are
            None are not checked. `None` checks nothing about the shape beyond
            the rank. Defaults to None.

    Returns:
        `x`, unchanged, so the call can be chained.

    Example:

    ```python
    x = ganzoo.data.load("digits")            # (1500, 8, 8, 1) in [-1, 1]
    ganzoo.data.check_images(x, image_shape=(8, 8, 1))    # passes
    ganzoo.data.check_images(np.zeros((2, 8, 8, 1), "uint8"))  # ValueError
    ```
    """
    arr = np.asarray(x)
    if arr.ndim != 4:
        raise ValueError(
            f"`{name}` must be a rank-4 batch of images (N, height, width, "
            "channels); add a channels axis for grayscale images (e.g. "
            f"x[..., None]). Received: {name} with shape {arr.shape}"
        )
    if arr.size == 0:
        raise ValueError(
            f"`{name}` must not be empty. Received: {name} with shape {arr.shape}"
        )
    if arr.dtype == bool or np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"`{name}` has an integer dtype; expected float images in [-1, 1]. "
            "If these are integer images in [0, 255], convert them with "
            f"ganzoo.data.scale_images({name}). "
            f"Received: {name} with dtype={arr.dtype}"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(
            f"`{name}` must hold float images in [-1, 1]. "
            f"Received: {name} with dtype={arr.dtype}"
        )
    if image_shape is not None:
        image_shape = tuple(image_shape)
        if len(image_shape) != 3:
            raise ValueError(
                "`image_shape` must be a tuple (height, width, channels). "
                f"Received: image_shape={image_shape}"
            )
        axes = ("height", "width", "channels")
        for axis, want, got in zip(axes, image_shape, arr.shape[1:]):
            if want is not None and int(want) != got:
                raise ValueError(
                    f"`{name}` has {got} {axis} but the model expects {want} "
                    f"(image_shape={image_shape}). Received: {name} with shape "
                    f"{arr.shape}"
                )
    x_min, x_max = float(np.min(arr)), float(np.max(arr))
    if not (np.isfinite(x_min) and np.isfinite(x_max)):
        raise ValueError(
            f"`{name}` contains NaN or infinite values. "
            f"Received: {name} with min={x_min} and max={x_max}"
        )
    if x_min < -1.0 - RANGE_TOLERANCE or x_max > 1.0 + RANGE_TOLERANCE:
        raise ValueError(
            f"`{name}` must have values in [-1, 1] (the range of a tanh "
            "generator). Images in [0, 1] or [0, 255] can be converted with "
            f"ganzoo.data.scale_images. Received: {name} with min={x_min} "
            f"and max={x_max}"
        )
    return x
