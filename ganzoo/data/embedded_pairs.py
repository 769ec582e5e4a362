"""Offline image-to-image tasks built from real data shipped with the dependencies.

- `load_photo_pairs`: pix2pix pairs from photo crops (scikit-image and scikit-learn
  sample photos): `"deblur"` (Gaussian-blurred crop → sharp crop) or `"colorize"`
  (luminance → colour). Training crops come from six photos, test crops from two
  held-out photos (`chelsea`, `flower`) that training never sees.
- `load_digit_domains`: CycleGAN domains from scikit-learn's digits: A = the digits as
  they are (white on black, 1 channel), B = the same kind of digits restyled (inverted,
  thickened, dark blue on cream, 3 channels). The two training domains hold different
  digits (unpaired); the labels allow checking that a translation kept the digit.
- `occlude_and_noise`: a restoration task from any images (the pix2pix MNIST benchmark
  uses the bundled MNIST digits): one grey square hides part of each image, then Gaussian
  noise is added; deterministic per seed.

Everything here is numpy in [-1, 1] and needs neither TensorFlow nor the network.
"""
import numpy as np

from ganzoo import arguments

PHOTO_TASKS = ("deblur", "colorize")
TRAIN_PHOTOS = ("astronaut", "coffee", "rocket", "immunohistochemistry", "retina", "china")
TEST_PHOTOS = ("chelsea", "flower")
#: Ink and paper colours of the restyled digits (RGB in [0, 1]).
RESTYLE_INK = (0.1, 0.2, 0.6)
RESTYLE_PAPER = (1.0, 0.92, 0.7)


def _check_size(image_size, minimum=8):
    return arguments.int_in_range("image_size", image_size, minimum)


def _photo(name):
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg")
    import skimage.data

    return getattr(skimage.data, name)()


def _rgb_to_luma(x):
    # ITU-R BT.601 luma, the Y of YCbCr that PSNR on photos is usually reported on.
    return x[..., :1] * 0.299 + x[..., 1:2] * 0.587 + x[..., 2:3] * 0.114


def load_photo_pairs(task="deblur", split="train", *, image_size=32, num_crops=None, scale=None,
                     blur_sigma=1.5, seed=0):
    """Paired `(A, B)` photo crops for pix2pix, float32 in [-1, 1].

    Each photo is first resized so that its short side is `scale * image_size` pixels,
    so that a crop shows a recognisable part of the scene, then random crops are taken.

    Args:
        task: str. `"deblur"`: A is the crop blurred with a Gaussian of `blur_sigma`
            pixels (applied to the whole resized photo, so crops have no border
            artefacts), B the sharp crop, both RGB. `"colorize"`: A is the luma (1
            channel), B the RGB crop. Defaults to `"deblur"`.
        split: str. `"train"` (photos astronaut, coffee, rocket, immunohistochemistry,
            retina, china) or `"test"` (held-out photos chelsea and flower).
            Defaults to `"train"`.
        image_size: int. Crop size, >= 8. Defaults to 32.
        num_crops: int. Number of crops. Defaults to 2048 for train, 256 for test.
        scale: int. Short side of the resized photos in units of `image_size`.
            Defaults to `None` (256 pixels, or `image_size * 4` if larger).
        blur_sigma: float. Blur of the `"deblur"` task, in pixels. Defaults to 1.5.
        seed: int. Seed of the crop positions and flips. Defaults to 0.

    Returns:
        `(a, b)` float32 arrays `(num_crops, image_size, image_size, C)`.

    Example:
    ```python
    a, b = ganzoo.data.load_photo_pairs("deblur", "train", image_size=32)
    a_test, b_test = ganzoo.data.load_photo_pairs("deblur", "test", image_size=32)
    ```
    """
    from scipy.ndimage import gaussian_filter
    from skimage.transform import resize

    if task not in PHOTO_TASKS:
        raise ValueError(f"`task` must be one of {PHOTO_TASKS}. Received: task={task!r}")
    if split not in ("train", "test"):
        raise ValueError(f"`split` must be 'train' or 'test'. Received: split={split!r}")
    image_size = _check_size(image_size)
    if num_crops is None:
        num_crops = 2048 if split == "train" else 256
    num_crops = arguments.positive_int("num_crops", num_crops)
    short = max(256, image_size * 4) if scale is None else image_size * int(scale)
    if short < image_size:
        raise ValueError(f"`scale` must be >= 1. Received: scale={scale!r}")
    blur_sigma = arguments.positive_float("blur_sigma", blur_sigma)

    names = TRAIN_PHOTOS if split == "train" else TEST_PHOTOS
    sharp, blurred = [], []
    for name in names:
        img = _photo(name).astype("float64") / 255.0
        h, w = img.shape[:2]
        f = short / min(h, w)
        img = resize(img, (round(h * f), round(w * f)), order=1, anti_aliasing=True)
        sharp.append(img)
        if task == "deblur":
            blurred.append(gaussian_filter(img, sigma=(blur_sigma, blur_sigma, 0), mode="reflect"))
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(names), num_crops)
    a = np.empty((num_crops, image_size, image_size, 1 if task == "colorize" else 3))
    b = np.empty((num_crops, image_size, image_size, 3))
    for i, k in enumerate(which):
        h, w = sharp[k].shape[:2]
        y, x = rng.integers(0, h - image_size + 1), rng.integers(0, w - image_size + 1)
        flip = rng.random() < 0.5
        crop = sharp[k][y:y + image_size, x:x + image_size]
        src = _rgb_to_luma(crop) if task == "colorize" else blurred[k][y:y + image_size, x:x + image_size]
        if flip:
            crop, src = crop[:, ::-1], src[:, ::-1]
        a[i], b[i] = src, crop
    to_unit = lambda v: np.clip(v * 2.0 - 1.0, -1.0, 1.0).astype("float32")  # noqa: E731
    return to_unit(a), to_unit(b)


def restyle_digits(images):
    """The B domain of `load_digit_domains`: inverted, thickened, coloured digits.

    Args:
        images: array. `(N, S, S, 1)` digits in [-1, 1], white ink on black.

    Returns:
        float32 `(N, S, S, 3)` in [-1, 1]: dark blue ink, thickened by a grey dilation
        of `max(2, S // 16 + 1)` pixels (3 at 32×32), on a cream background.
    """
    from scipy.ndimage import grey_dilation

    images = np.asarray(images, dtype="float64")
    if images.ndim != 4 or images.shape[-1] != 1:
        raise ValueError(f"`images` must be (N, S, S, 1) digits. Received: images.shape={images.shape}")
    ink = (images[..., 0] + 1.0) / 2.0
    k = max(2, images.shape[1] // 16 + 1)
    ink = grey_dilation(ink, size=(1, k, k))
    ink = ink[..., None]
    rgb = (1.0 - ink) * np.array(RESTYLE_PAPER) + ink * np.array(RESTYLE_INK)
    return np.clip(rgb * 2.0 - 1.0, -1.0, 1.0).astype("float32")


def load_digit_domains(split="train", *, image_size=32, labels=False):
    """Two unpaired digit domains for CycleGAN: plain digits (A) and restyled (B).

    Uses the fixed digits split of `ganzoo.data.load("digits")` (1500 train, 297 test).
    Train: the 1500 training digits, in scikit-learn order, are split into two disjoint
    halves: A is the first 750 as they are, B the other 750 restyled (different digits,
    so no pair exists). Test: A and B are the same 297 test digits, plain and restyled,
    so translations can be compared to the truth and their labels checked.

    Args:
        split: str. `"train"` or `"test"`. Defaults to `"train"`.
        image_size: int. A power of two >= 8. Defaults to 32.
        labels: bool. Also return the digit labels of A and B. Defaults to False.

    Returns:
        `(a, b)`, float32 `(N, S, S, 1)` and `(N, S, S, 3)` in [-1, 1]; with
        `labels=True`, `(a, b, labels_a, labels_b)`.

    Example:
    ```python
    a, b = ganzoo.data.load_digit_domains("train", image_size=32)
    model = ganzoo.get("cyclegan", image_shape=(32, 32, 1), channels_b=3)
    model.fit(a, b, batch_size=1, epochs=10)
    ```
    """
    from ganzoo.data.loading import load

    if split not in ("train", "test"):
        raise ValueError(f"`split` must be 'train' or 'test'. Received: split={split!r}")
    x, y = load("digits", split=split, image_size=image_size, labels=True, shuffle=False)
    if split == "train":
        half = len(x) // 2
        a, ya, b, yb = x[:half], y[:half], restyle_digits(x[half:]), y[half:]
    else:
        a, ya, b, yb = x, y, restyle_digits(x), y
    if labels:
        return a, b, ya, yb
    return a, b


def occlude_and_noise(images, *, mask_size=(12, 16), noise_std=0.3, fill=0.0, seed=0):
    """Degrade images for a restoration task: a random square occluder plus Gaussian noise.

    For every image, in this order: a square of side drawn uniformly from
    `mask_size` (inclusive) is set to `fill`; its centre is drawn uniformly in the
    central half of the image (rows and columns `H/4 .. 3H/4`), the square moved
    inwards where it would cross the border; then Gaussian noise of standard deviation
    `noise_std` is added to every pixel (the square too) and the result clipped to
    [-1, 1]. The draws come from `np.random.default_rng(seed)`, one image after the
    other, so the same images and seed give the same result.

    Args:
        images: array. `(N, H, W, C)` images in [-1, 1].
        mask_size: int or `(low, high)`. Side of the square in pixels, `1 <= low <=
            high <= min(H, W)`. Defaults to `(12, 16)`.
        noise_std: float. Noise standard deviation in [-1, 1] units (0 for none).
            Defaults to 0.3.
        fill: float. Value of the occluded pixels, in [-1, 1]. Defaults to 0.0 (mid
            grey, so the hole is visible on the black MNIST background).
        seed: int. Seed of the squares and the noise, >= 0. Defaults to 0.

    Returns:
        float32 array of the shape of `images`, in [-1, 1].

    Example:
    ```python
    clean = ganzoo.data.load("mnist", split="test", image_size=32, shuffle=False)
    degraded = ganzoo.data.occlude_and_noise(clean, mask_size=(12, 16), noise_std=0.3, seed=1)
    ```
    """
    images = np.asarray(images, dtype="float32")
    if images.ndim != 4 or images.shape[0] == 0:
        raise ValueError(
            f"`images` must be a non-empty (N, H, W, C) array. Received: images.shape={images.shape}")
    n, h, w, _ = images.shape
    if arguments.is_int(mask_size):
        low = high = mask_size
    elif isinstance(mask_size, (tuple, list)) and len(mask_size) == 2:
        low, high = mask_size
    else:
        raise ValueError(f"`mask_size` must be an integer or a (low, high) pair. Received: mask_size={mask_size!r}")
    side = min(h, w)
    if not (arguments.is_int(low) and arguments.is_int(high) and 1 <= low <= high <= side):
        raise ValueError(
            f"`mask_size` must be integers with 1 <= low <= high <= {side} (the image side). "
            f"Received: mask_size={mask_size!r}")
    noise_std = arguments.positive_float("noise_std", noise_std, allow_zero=True)
    fill = arguments.float_in_range("fill", fill, -1.0, 1.0)
    seed = arguments.positive_int("seed", seed, allow_zero=True)
    rng = np.random.default_rng(seed)
    out = images.copy()
    sizes = rng.integers(int(low), int(high) + 1, n)
    cy = rng.integers(h // 4, 3 * h // 4 + 1, n)
    cx = rng.integers(w // 4, 3 * w // 4 + 1, n)
    for i in range(n):
        s = int(sizes[i])
        y = min(max(int(cy[i]) - s // 2, 0), h - s)
        x = min(max(int(cx[i]) - s // 2, 0), w - s)
        out[i, y:y + s, x:x + s, :] = fill
    if noise_std:
        out += rng.normal(0.0, noise_std, out.shape).astype("float32")
    return np.clip(out, -1.0, 1.0)
