"""DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training").

Differentiable augmentations of `(batch, height, width, channels)` images in [-1, 1],
written with `keras.ops` and drawing their randomness from a `keras.random.SeedGenerator`
(the model's, so a run is reproducible and resumes bitwise). A GAN applies the same
policy to every batch its discriminator sees in training, real and generated alike, and
the generator's gradient flows through the augmentation.

The policies follow the paper's reference code:

- `color`: brightness `+ U(−0.5, 0.5)`; saturation: the deviation from the pixel's channel
  mean `× U(0, 2)`; contrast: the deviation from the image mean `× U(0.5, 1.5)` (one draw
  per image for each).
- `translation`: a shift of up to 1/8 of the image size along each axis (an integer per
  image and axis, uniform in `[−s, s]`), zeros shifted in.
- `cutout`: a square of half the image size, centred uniformly in the image (it may
  overhang an edge), set to zero.
"""
import keras
from keras import ops

from ganzoo.backend.distribution import replica_draw

AUGMENTATIONS = ("color", "translation", "cutout")


def check_policy(policy):
    """The policy as a canonical comma-separated string (or None), after checking each name.

    Args:
        policy: str, sequence of str or None. E.g. `"color,translation,cutout"`.

    Example:
    ```python
    check_policy("color, cutout")   # 'color,cutout'
    check_policy("colour")          # ValueError: ... Received: augment='colour'
    ```
    """
    if policy is None or policy == "":
        return None
    names = policy.split(",") if isinstance(policy, str) else policy
    if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
        raise ValueError("`augment` must be a comma-separated string of "
                         f"{', '.join(AUGMENTATIONS)}, or None. Received: augment={policy!r}")
    names = [n.strip() for n in names]
    for name in names:
        if name not in AUGMENTATIONS:
            raise ValueError(f"Unknown augmentation {name!r} in `augment`: expected a comma-separated string of "
                             f"{', '.join(AUGMENTATIONS)}. Received: augment={policy!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"`augment` names an augmentation twice. Received: augment={policy!r}")
    return ",".join(names)


def _uniform(n, seed):
    # Per-image draws: each tf.distribute replica takes its own rows of the global batch's
    # draw (`ganzoo.backend.distribution.replica_draw`; a plain draw elsewhere).
    return replica_draw(lambda m: keras.random.uniform((m, 1, 1, 1), seed=seed, dtype="float32"), n)


def _randint(n, low, high, seed):
    return replica_draw(lambda m: keras.random.randint((m,), low, high, seed=seed, dtype="int32"), n)


def color(x, seed):
    """Random brightness, saturation and contrast, one draw of each per image."""
    n = ops.shape(x)[0]
    x = x + (_uniform(n, seed) - 0.5)
    mean = ops.mean(x, axis=3, keepdims=True)
    x = (x - mean) * (_uniform(n, seed) * 2.0) + mean
    mean = ops.mean(x, axis=(1, 2, 3), keepdims=True)
    return (x - mean) * (_uniform(n, seed) + 0.5) + mean


def _shift_matrices(n, size, max_shift, seed):
    # (n, size, size) one-hot matrices T with (T x)[i] = x[i - shift]: zero where i - shift
    # falls outside the image. A product with them is a differentiable translation.
    shift = _randint(n, -max_shift, max_shift + 1, seed)
    rows = ops.arange(size, dtype="int32")[None, :, None]
    cols = ops.arange(size, dtype="int32")[None, None, :]
    return ops.cast(ops.equal(cols, rows - shift[:, None, None]), "float32")


def translation(x, seed, ratio=0.125):
    """Shift each image by up to `ratio` of its size along each axis, filling with zeros."""
    n, h, w = ops.shape(x)[0], int(x.shape[1]), int(x.shape[2])
    ty = _shift_matrices(n, h, int(h * ratio + 0.5), seed)
    tx = _shift_matrices(n, w, int(w * ratio + 0.5), seed)
    x = ops.einsum("bij,bjwc->biwc", ty, x)
    return ops.einsum("bkl,bhlc->bhkc", tx, x)


def cutout(x, seed, ratio=0.5):
    """Zero a square of `ratio` of the image size at a uniformly drawn position per image."""
    n, h, w = ops.shape(x)[0], int(x.shape[1]), int(x.shape[2])
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    oy = _randint(n, 0, h + (1 - ch % 2), seed) - ch // 2
    ox = _randint(n, 0, w + (1 - cw % 2), seed) - cw // 2
    rows = ops.arange(h, dtype="int32")[None, :]
    cols = ops.arange(w, dtype="int32")[None, :]
    in_y = ops.logical_and(rows >= oy[:, None], rows < oy[:, None] + ch)  # (n, h)
    in_x = ops.logical_and(cols >= ox[:, None], cols < ox[:, None] + cw)  # (n, w)
    cut = ops.logical_and(in_y[:, :, None], in_x[:, None, :])
    return x * ops.cast(ops.logical_not(cut), x.dtype)[:, :, :, None]


_OPS = {"color": color, "translation": translation, "cutout": cutout}


def diff_augment(x, policy, seed):
    """Apply the DiffAugment `policy` to the image batch `x`, in the policy's order.

    Args:
        x: tensor. Images `(batch, height, width, channels)`.
        policy: str. Comma-separated names of `AUGMENTATIONS`, e.g. `"color,translation,cutout"`.
        seed: keras.random.SeedGenerator. The source of the random draws (the model's).

    Example:
    ```python
    seed = keras.random.SeedGenerator(0)
    y = diff_augment(keras.ops.zeros((4, 16, 16, 3)), "translation,cutout", seed)
    ```
    """
    policy = check_policy(policy)
    if policy is None:
        return x
    if len(x.shape) != 4:
        raise ValueError("DiffAugment works on image batches (batch, height, width, channels). "
                         f"Received: a batch of shape {tuple(x.shape)}")
    dtype = x.dtype
    x = ops.cast(x, "float32")
    for name in policy.split(","):
        x = _OPS[name](x, seed)
    return ops.cast(x, dtype)
