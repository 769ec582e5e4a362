"""Fidelity to a reference image: PSNR, SSIM and the Y (luma) channel they are often taken on.

Tensor math runs through `keras.ops`, so it works on every backend.
Conventions (all of ganzoo): images are NHWC batches with values in [-1, 1]; functions
accept numpy arrays (or backend tensors) and return Python floats, tuples of floats or
numpy arrays, never backend tensors.
"""

import numpy as np
from keras import ops

from ganzoo import arguments
from ganzoo.metrics._utils import (
    check_images,
    check_positive_int,
    to_numpy,
)

# ---------------------------------------------------------------------------
# PSNR / SSIM
# ---------------------------------------------------------------------------


def _check_pair(a, b):
    a = check_images(a, "a", allow_single=True)
    b = check_images(b, "b", allow_single=True)
    if a.shape != b.shape:
        raise ValueError(
            f"`a` and `b` must have the same shape. Received: a.shape={a.shape}, "
            f"b.shape={b.shape}"
        )
    return a, b


def _check_common(data_range, border, reduction, shape):
    arguments.positive_float("data_range", data_range)
    check_positive_int(border, "border", minimum=0)
    if reduction not in ("mean", "none"):
        raise ValueError(f"`reduction` must be 'mean' or 'none'. Received: reduction={reduction!r}")
    if 2 * border >= min(shape[1], shape[2]):
        raise ValueError(
            f"`border` crops away the whole image of shape {shape[1:3]}. "
            f"Received: border={border}"
        )


def _crop(x, border):
    if border:
        return x[:, border:-border, border:-border, :]
    return x


def _y_channel(x, low, high):
    x = (ops.convert_to_tensor(x) - low) / (high - low)
    coeffs = ops.convert_to_tensor(np.array([65.481, 128.553, 24.966], "float32"))
    return (16.0 + ops.sum(x * coeffs, axis=-1, keepdims=True)) / 255.0


def rgb_to_y(images, value_range=(-1.0, 1.0)):
    """ITU-R BT.601 luma (Y of YCbCr) as used by super-resolution papers.

    `Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255` for RGB in [0, 1]
    (MATLAB `rgb2ycbcr`), so the result lies in [16/255, 235/255]. Used e.g.
    by SRGAN (Ledig et al., 2017) and ESRGAN (Wang et al., 2018) to report
    PSNR/SSIM on the Y channel.

    Args:
        images: array of shape `(..., 3)`. RGB images.
        value_range: tuple `(low, high)`. Range of the input values, mapped to
            [0, 1] before conversion. Defaults to `(-1.0, 1.0)`.

    Returns:
        A float32 numpy array of shape `(..., 1)` in [16/255, 235/255].

    Example:

    >>> rgb_to_y(np.ones((1, 4, 4, 3)))[0, 0, 0, 0]  # white -> 235/255
    0.92156863
    """
    arr = to_numpy(images, "images", dtype="float32")
    if arr.ndim < 1 or arr.shape[-1] != 3:
        raise ValueError(
            f"`images` must have 3 (RGB) channels last. Received: images.shape={arr.shape}"
        )
    low, high = (float(v) for v in value_range)
    if not high > low:
        raise ValueError(f"`value_range` must be (low, high) with high > low. Received: value_range={value_range}")
    return ops.convert_to_numpy(_y_channel(arr, low, high))


def _reduce(values, reduction):
    values = np.asarray(ops.convert_to_numpy(values), dtype="float64")
    if reduction == "mean":
        return float(values.mean())
    return values


def psnr(a, b, data_range=2.0, border=0, y_channel=False, reduction="mean"):
    """Peak signal-to-noise ratio `10 log10(data_range^2 / MSE)` per image.

    Matches `skimage.metrics.peak_signal_noise_ratio` per image. For the SR
    protocol (e.g. Ledig et al., 2017, SRGAN) use `y_channel=True` and
    `border=scale`: RGB inputs are converted with `rgb_to_y` and compared
    with a data range of 1 (the [0, 1] scale of Y); PSNR depends only on
    differences, so the offset of the input range does not matter.

    Args:
        a: array of shape `(n, h, w, c)` (or one `(h, w, c)` image).
            Reference images, in [-1, 1] by default.
        b: array of the same shape. Test images.
        data_range: float. Width of the value range of the inputs (2 for
            [-1, 1], 1 for [0, 1], 255 for 8-bit). Defaults to 2.0.
        border: int. Pixels cropped from each spatial side first.
            Defaults to 0.
        y_channel: bool. Compare the BT.601 Y channel of RGB inputs.
            Defaults to False.
        reduction: str. `"mean"`: the mean over images as a Python float;
            `"none"`: a float64 numpy array of per-image values.
            Defaults to `"mean"`.

    Returns:
        The PSNR in dB (`inf` for identical images).

    Example:

    >>> x = np.zeros((2, 8, 8, 3)); y = x + 0.02
    >>> round(psnr(x, y), 2)  # 10 log10(4 / 0.0004)
    40.0
    """
    a, b = _check_pair(a, b)
    _check_common(data_range, border, reduction, a.shape)
    if y_channel:
        if a.shape[-1] != 3:
            raise ValueError(f"`y_channel=True` needs RGB images. Received: a.shape={a.shape}")
        a_t, b_t = _y_channel(a, 0.0, data_range), _y_channel(b, 0.0, data_range)
        data_range = 1.0
    else:
        a_t, b_t = ops.convert_to_tensor(a), ops.convert_to_tensor(b)
    a_t, b_t = _crop(a_t, border), _crop(b_t, border)
    mse = ops.mean(ops.square(a_t - b_t), axis=(1, 2, 3))
    with np.errstate(divide="ignore"):
        mse = np.asarray(ops.convert_to_numpy(mse), dtype="float64")
        values = 10.0 * np.log10(float(data_range) ** 2 / mse)
    return _reduce(values, reduction)


def _gaussian_window(win_size, sigma, channels):
    radius = (win_size - 1) / 2.0
    x = np.arange(win_size, dtype="float64") - radius
    g = np.exp(-(x**2) / (2.0 * sigma**2))
    g /= g.sum()
    window = np.outer(g, g).astype("float32")
    return np.tile(window[:, :, None, None], (1, 1, channels, 1))


def ssim(
    a,
    b,
    data_range=2.0,
    border=0,
    win_size=11,
    sigma=1.5,
    k1=0.01,
    k2=0.03,
    reduction="mean",
):
    """Structural similarity (Gaussian-window SSIM) per image.

    Wang et al., 2004, "Image Quality Assessment: From Error Visibility to
    Structural Similarity". Local means, variances and covariance use an
    11x11 Gaussian window (sigma 1.5), population (not sample) statistics,
    `C1 = (k1 L)^2`, `C2 = (k2 L)^2`; the SSIM map is computed where the
    window fits entirely inside the image and averaged over positions and
    channels. Matches `skimage.metrics.structural_similarity(a, b,
    gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
    data_range=L, channel_axis=-1)` per image. For the SR protocol compose
    with `rgb_to_y` (then `data_range=1.0`) and `border=scale`.

    Args:
        a: array of shape `(n, h, w, c)` (or one `(h, w, c)` image) with
            `h, w >= win_size` after cropping. Reference images.
        b: array of the same shape. Test images.
        data_range: float. Width of the value range (2 for [-1, 1]).
            Defaults to 2.0.
        border: int. Pixels cropped from each spatial side first.
            Defaults to 0.
        win_size: int. Odd window side. Defaults to 11.
        sigma: float. Gaussian window std. Defaults to 1.5.
        k1: float. Luminance stabiliser constant. Defaults to 0.01.
        k2: float. Contrast stabiliser constant. Defaults to 0.03.
        reduction: str. `"mean"` (Python float over images) or `"none"`
            (float64 numpy array per image). Defaults to `"mean"`.

    Returns:
        The SSIM (1 for identical images).

    Example:

    >>> x = np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 3))
    >>> ssim(x, x)
    1.0
    """
    a, b = _check_pair(a, b)
    _check_common(data_range, border, reduction, a.shape)
    check_positive_int(win_size, "win_size", minimum=3)
    if win_size % 2 == 0:
        raise ValueError(f"`win_size` must be odd. Received: win_size={win_size}")
    if not sigma > 0:
        raise ValueError(f"`sigma` must be positive. Received: sigma={sigma}")
    h, w = a.shape[1] - 2 * border, a.shape[2] - 2 * border
    if min(h, w) < win_size:
        raise ValueError(
            f"Images must be at least win_size={win_size} pixels on each side "
            f"after cropping. Received: a.shape={a.shape}, border={border}"
        )
    c = a.shape[-1]
    x = _crop(ops.convert_to_tensor(a), border)
    y = _crop(ops.convert_to_tensor(b), border)
    stacked = ops.concatenate([x, y, x * x, y * y, x * y], axis=-1)
    window = ops.convert_to_tensor(_gaussian_window(win_size, float(sigma), 5 * c))
    filtered = ops.depthwise_conv(stacked, window, strides=1, padding="valid")
    ux, uy, uxx, uyy, uxy = (filtered[..., i * c : (i + 1) * c] for i in range(5))
    vx = uxx - ux * ux
    vy = uyy - uy * uy
    vxy = uxy - ux * uy
    c1 = (k1 * data_range) ** 2
    c2 = (k2 * data_range) ** 2
    ssim_map = ((2 * ux * uy + c1) * (2 * vxy + c2)) / (
        (ux * ux + uy * uy + c1) * (vx + vy + c2)
    )
    return _reduce(ops.mean(ssim_map, axis=(1, 2, 3)), reduction)
