"""Inception score, the feature extractor (Inception-v3 or any Keras model), FID/KID/IS on images.

`inception_v3_features` never downloads: it loads weights from Keras' cache or a given
file, or raises. Tensor math runs through `keras.ops`, so it works on every backend.
Conventions (all of ganzoo): images are NHWC batches with values in [-1, 1]; functions
accept numpy arrays (or backend tensors) and return Python floats, tuples of floats or
numpy arrays, never backend tensors.
"""
import os

import keras
import numpy as np
from keras import ops

from ganzoo.metrics._utils import (
    check_finite,
    check_images,
    check_positive_int,
    check_rank,
    to_numpy,
)
from ganzoo.metrics.frechet import frechet_distance_from_features
from ganzoo.metrics.kid import kernel_inception_distance

INCEPTION_V3_NOTOP_FILENAME = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_V3_SIZE = 299


# ---------------------------------------------------------------------------
# Inception score (IS)
# ---------------------------------------------------------------------------


def inception_score(probs, splits=10):
    """Inception Score `exp(E_x KL(p(y|x) || p(y)))` from class probabilities.

    Salimans et al., 2016, "Improved Techniques for Training GANs". The
    samples are cut into `splits` contiguous chunks (as in the original
    code); `p(y)` is the chunk's mean prediction; the result is the mean and
    std (ddof=0) of the per-chunk scores. Uniform predictions give 1;
    confident predictions spread evenly over `C` classes give `C`.

    Args:
        probs: array of shape `(n, num_classes)`. Rows are probability
            vectors (non-negative, summing to 1 within 1e-3).
        splits: int. Number of chunks, `1 <= splits <= n`. Defaults to 10.

    Returns:
        A tuple `(is_mean, is_std)` of Python floats.

    Example:

    >>> inception_score(np.eye(10), splits=1)
    (10.0, 0.0)
    """
    p = to_numpy(probs, "probs")
    check_rank(p, 2, "probs", "of class probabilities (num_samples, num_classes)")
    check_finite(p, "probs")
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "`probs` rows must be probability vectors (non-negative, summing "
            "to 1); apply a softmax to logits first. Received: probs with row "
            f"sums in [{p.sum(axis=1).min():.4g}, {p.sum(axis=1).max():.4g}] "
            f"and minimum {p.min():.4g}"
        )
    check_positive_int(splits, "splits")
    n = p.shape[0]
    if splits > n:
        raise ValueError(
            f"`splits` must be <= the number of samples ({n}). Received: splits={splits}"
        )
    p_t = ops.convert_to_tensor(p.astype("float32"))
    scores = []
    for k in range(splits):
        part = p_t[k * n // splits : (k + 1) * n // splits]
        p_y = ops.mean(part, axis=0, keepdims=True)
        safe = ops.where(part > 0, part, ops.ones_like(part))
        kl = ops.sum(
            ops.where(part > 0, part * (ops.log(safe) - ops.log(ops.maximum(p_y, 1e-30))), 0.0),
            axis=1,
        )
        scores.append(float(ops.convert_to_numpy(ops.exp(ops.mean(kl)))))
    scores = np.asarray(scores, dtype="float64")
    return float(scores.mean()), float(scores.std())


# ---------------------------------------------------------------------------
# Feature extractors
# ---------------------------------------------------------------------------


class FeatureExtractor:
    """Runs a Keras model on image batches and returns flat features.

    Wraps any `keras.Model` so that images of any size and 1 or 3 channels
    (values in [-1, 1]) fit it: when the model has a fixed input size the
    images are bilinearly resized to it, grayscale images are replicated to
    3 channels (and RGB averaged to 1) to match the model's channels, and
    outputs of rank > 2 are flattened. This is the protocol of FID
    (Heusel et al., 2017) applied to arbitrary feature networks.

    Args:
        model: `keras.Model`. The feature network; its input should expect
            images in [-1, 1].
        image_size: tuple `(height, width)` or None. Size images are resized
            to; None uses the model's input size if fully defined, else no
            resizing. Defaults to None.

    Example:

    >>> net = keras.Sequential([keras.Input((16, 16, 3)),
    ...                         keras.layers.GlobalAveragePooling2D()])
    >>> features = FeatureExtractor(net)(np.zeros((4, 8, 8, 1)))
    >>> features.shape
    (4, 3)
    """

    def __init__(self, model, image_size=None):
        if not isinstance(model, keras.Model):
            raise ValueError(
                "`model` must be a keras.Model. "
                f"Received: model of type {type(model).__name__}"
            )
        self.model = model
        input_shape = None
        try:
            input_shape = tuple(model.input_shape)
        except (AttributeError, ValueError):
            input_shape = None
        if input_shape is not None and len(input_shape) != 4:
            raise ValueError(
                "`model` must take rank-4 image batches (batch, h, w, c). "
                f"Received: model.input_shape={input_shape}"
            )
        if image_size is None and input_shape is not None:
            if input_shape[1] is not None and input_shape[2] is not None:
                image_size = (input_shape[1], input_shape[2])
        if image_size is not None:
            image_size = tuple(int(s) for s in image_size)
            if len(image_size) != 2 or min(image_size) < 1:
                raise ValueError(
                    "`image_size` must be a (height, width) pair of positive ints. "
                    f"Received: image_size={image_size}"
                )
        self.image_size = image_size
        self.channels = None if input_shape is None else input_shape[3]
        self._wrappers = {}

    def _wrapper(self, shape):
        key = tuple(shape)
        if key in self._wrappers:
            return self._wrappers[key]
        inputs = keras.Input(shape=key)
        x = inputs
        if self.image_size is not None and key[:2] != self.image_size:
            x = keras.layers.Resizing(*self.image_size, interpolation="bilinear")(x)
        if self.channels is not None and self.channels != key[2]:
            if key[2] == 1:
                x = keras.layers.Concatenate(axis=-1)([x] * self.channels)
            elif self.channels == 1:
                x = keras.layers.Lambda(lambda t: ops.mean(t, axis=-1, keepdims=True))(x)
            else:
                raise ValueError(
                    f"Cannot map {key[2]}-channel images to the model's "
                    f"{self.channels} channels. Received: images.shape[-1]={key[2]}"
                )
        x = self.model(x)
        if len(x.shape) > 2:
            x = keras.layers.Flatten()(x)
        wrapper = keras.Model(inputs, x)
        self._wrappers[key] = wrapper
        return wrapper

    def __call__(self, images, batch_size=64):
        """Returns features of shape `(n, d)` as a float64 numpy array.

        Args:
            images: array of shape `(n, h, w, c)`. Images in [-1, 1].
            batch_size: int. Prediction batch size. Defaults to 64.
        """
        images = check_images(images, "images")
        check_positive_int(batch_size, "batch_size")
        wrapper = self._wrapper(images.shape[1:])
        out = wrapper.predict(images, batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype="float64")


def _keras_home():
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def inception_v3_features(weights="auto", cache_dir=None):
    """InceptionV3 pool3 (2048-d average-pool) feature extractor for FID/KID.

    Szegedy et al., 2016, "Rethinking the Inception Architecture for Computer
    Vision"; used for FID by Heusel et al., 2017. Images in [-1, 1] (the
    range InceptionV3 expects) are resized to 299x299 and grayscale is
    replicated to RGB. Note that Keras' InceptionV3 port differs slightly
    from the TF1 graph used by the original FID code, so values are
    comparable within ganzoo but not digit-for-digit with published FIDs.

    ganzoo never downloads weights. They must already be on disk:

    - `weights="auto"`: the Keras cache file
      `$KERAS_HOME/models/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`
      (`KERAS_HOME` defaults to `~/.keras`; `cache_dir` overrides it).
    - `weights=<path>`: an `.h5` / `.weights.h5` file of the no-top model.
    - `weights=None`: random initialisation (for shape tests only; the
      numbers are meaningless).

    Args:
        weights: str or None. `"auto"`, a file path, or None.
            Defaults to `"auto"`.
        cache_dir: str or None. Keras home folder to look in for `"auto"`;
            None uses `$KERAS_HOME` or `~/.keras`. Defaults to None.

    Returns:
        A `FeatureExtractor` producing `(n, 2048)` features.

    Example:

    >>> extractor = inception_v3_features("/data/inception_v3_notop.h5")
    >>> features = extractor(images, batch_size=50)
    """
    if weights == "imagenet":
        raise ValueError(
            "ganzoo never downloads weights, so weights='imagenet' is not "
            "accepted. Pass weights='auto' (uses the Keras cache file if "
            "present) or a path to the no-top InceptionV3 weights file. "
            f"Received: weights={weights!r}"
        )
    if weights == "auto":
        home = _keras_home() if cache_dir is None else str(cache_dir)
        path = os.path.join(os.path.expanduser(home), "models", INCEPTION_V3_NOTOP_FILENAME)
        if not os.path.exists(path):
            raise FileNotFoundError(
                "InceptionV3 weights not found and ganzoo never downloads them. "
                f"Looked for the Keras cache file {path}. To provide them, copy "
                f"{INCEPTION_V3_NOTOP_FILENAME} (from a machine with internet: "
                "`keras.applications.InceptionV3(include_top=False)` puts it in "
                "~/.keras/models/) into that folder, pass "
                "inception_v3_features(weights='/path/to/file.h5'), or pass "
                "any keras.Model as `extractor=` to fid()/kid(). "
                f"Received: weights={weights!r}"
            )
        weights = path
    elif weights is not None:
        if not isinstance(weights, (str, os.PathLike)):
            raise ValueError(
                "`weights` must be 'auto', a file path or None. "
                f"Received: weights={weights!r}"
            )
        weights = os.fspath(weights)
        if not os.path.exists(weights):
            raise FileNotFoundError(
                "InceptionV3 weights file does not exist (ganzoo never "
                f"downloads weights). Received: weights={weights!r}"
            )
    model = keras.applications.InceptionV3(
        include_top=False,
        weights=weights,
        input_shape=(INCEPTION_V3_SIZE, INCEPTION_V3_SIZE, 3),
        pooling="avg",
    )
    return FeatureExtractor(model, image_size=(INCEPTION_V3_SIZE, INCEPTION_V3_SIZE))


def _as_extractor(extractor):
    if extractor is None:
        return inception_v3_features()
    if isinstance(extractor, FeatureExtractor):
        return extractor
    if isinstance(extractor, keras.Model):
        return FeatureExtractor(extractor)
    raise ValueError(
        "`extractor` must be None, a FeatureExtractor or a keras.Model. "
        f"Received: extractor of type {type(extractor).__name__}"
    )


def fid(real_images, fake_images, extractor=None, batch_size=64):
    """Fréchet Inception Distance between real and generated images.

    Heusel et al., 2017. Extracts features with `extractor` in batches and
    applies `frechet_distance_from_features`. Use >= 10k images per set for
    numbers comparable to papers; small sets bias FID upward.

    Args:
        real_images: array of shape `(n, h, w, c)`. Real images in [-1, 1].
        fake_images: array of shape `(m, h, w, c)`. Generated images in [-1, 1].
        extractor: `FeatureExtractor`, `keras.Model` or None. Feature
            network; None uses `inception_v3_features()` (needs local weights).
            Defaults to None.
        batch_size: int. Prediction batch size. Defaults to 64.

    Returns:
        The FID as a Python float.

    Example:

    >>> net = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten()])
    >>> score = fid(real, fake, extractor=net)
    """
    real_images = check_images(real_images, "real_images")
    fake_images = check_images(fake_images, "fake_images")
    ext = _as_extractor(extractor)
    return frechet_distance_from_features(
        ext(real_images, batch_size), ext(fake_images, batch_size)
    )


def kid(real_images, fake_images, extractor=None, batch_size=64, **kwargs):
    """Kernel Inception Distance between real and generated images.

    Bińkowski et al., 2018. Extracts features with `extractor` in batches and
    applies `kernel_inception_distance`.

    Args:
        real_images: array of shape `(n, h, w, c)`. Real images in [-1, 1].
        fake_images: array of shape `(m, h, w, c)`. Generated images in [-1, 1].
        extractor: `FeatureExtractor`, `keras.Model` or None. Feature
            network; None uses `inception_v3_features()`. Defaults to None.
        batch_size: int. Prediction batch size. Defaults to 64.
        **kwargs: passed to `kernel_inception_distance` (`degree`, `gamma`,
            `coef`, `num_subsets`, `subset_size`, `seed`).

    Returns:
        A tuple `(kid_mean, kid_std)` of Python floats.

    Example:

    >>> mean, std = kid(real, fake, extractor=net, subset_size=100)
    """
    real_images = check_images(real_images, "real_images")
    fake_images = check_images(fake_images, "fake_images")
    ext = _as_extractor(extractor)
    return kernel_inception_distance(
        ext(real_images, batch_size), ext(fake_images, batch_size), **kwargs
    )


def inception_score_from_images(images, classifier, splits=10, batch_size=64, from_logits=False):
    """Inception Score of images under a classifier.

    Salimans et al., 2016. Runs `classifier.predict` in batches and applies
    `inception_score`. ganzoo ships no ImageNet classifier (no downloads);
    for digits use `get_digits_classifier()`.

    Args:
        images: array of shape `(n, h, w, c)`. Images in the range the
            classifier expects ([-1, 1] for ganzoo models).
        classifier: `keras.Model`. Maps images to class probabilities (or
            logits with `from_logits=True`).
        splits: int. Number of chunks. Defaults to 10.
        batch_size: int. Prediction batch size. Defaults to 64.
        from_logits: bool. Apply a softmax to the outputs first.
            Defaults to False.

    Returns:
        A tuple `(is_mean, is_std)` of Python floats.

    Example:

    >>> is_mean, is_std = inception_score_from_images(x, get_digits_classifier())
    """
    images = check_images(images, "images")
    if not isinstance(classifier, keras.Model):
        raise ValueError(
            "`classifier` must be a keras.Model. "
            f"Received: classifier of type {type(classifier).__name__}"
        )
    check_positive_int(batch_size, "batch_size")
    out = np.asarray(classifier.predict(images, batch_size=batch_size, verbose=0))
    if from_logits:
        out = ops.convert_to_numpy(ops.softmax(ops.convert_to_tensor(out), axis=-1))
    return inception_score(out, splits=splits)
