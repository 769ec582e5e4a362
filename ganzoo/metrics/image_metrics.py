"""Image-quality metrics for GANs: FID, KID, IS, PSNR, SSIM.

Conventions (all of ganzoo): images are NHWC batches with values in [-1, 1];
functions accept numpy arrays (or backend tensors) and return Python floats,
tuples of floats or numpy arrays, never backend tensors. Tensor math runs
through `keras.ops` so it works on TensorFlow, JAX and PyTorch; the Fréchet
distance does its linear algebra on the host in float64 numpy (see
`frechet_distance`).
"""
import os

import keras
import numpy as np
from keras import ops

from ganzoo import arguments
from ganzoo.metrics._utils import (
    check_finite,
    check_positive_int,
    check_rank,
    to_numpy,
)

INCEPTION_V3_NOTOP_FILENAME = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
INCEPTION_V3_SIZE = 299


# ---------------------------------------------------------------------------
# Fréchet distance (FID)
# ---------------------------------------------------------------------------


def _check_features(features, name):
    arr = to_numpy(features, name)
    check_rank(arr, 2, name, "of features (num_samples, num_features)")
    check_finite(arr, name)
    return arr


def _check_feature_pair(features1, features2):
    f1 = _check_features(features1, "features1")
    f2 = _check_features(features2, "features2")
    if f1.shape[1] != f2.shape[1]:
        raise ValueError(
            "`features1` and `features2` must have the same feature dimension. "
            f"Received: features1.shape={f1.shape}, features2.shape={f2.shape}"
        )
    return f1, f2


def _sqrtm_psd(matrix):
    """Symmetric PSD square root via eigh, clipping round-off negatives."""
    eigvals, eigvecs = np.linalg.eigh(matrix)
    eigvals = np.clip(eigvals, 0.0, None)
    return (eigvecs * np.sqrt(eigvals)) @ eigvecs.T


def feature_statistics(features):
    """Mean and covariance of a feature set, as used by the Fréchet distance.

    Args:
        features: array of shape `(n, d)`. One feature vector per row; `n >= 2`.

    Returns:
        A tuple `(mu, sigma)` of float64 numpy arrays with shapes `(d,)` and
        `(d, d)`; `sigma` is the unbiased (ddof=1) sample covariance.

    Example:

    >>> mu, sigma = feature_statistics(np.random.rand(100, 16))
    """
    f = _check_features(features, "features")
    if f.shape[0] < 2:
        raise ValueError(
            "`features` must have at least 2 rows to estimate a covariance. "
            f"Received: features.shape={f.shape}"
        )
    return f.mean(axis=0), np.cov(f, rowvar=False, ddof=1).reshape(f.shape[1], -1)


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Fréchet distance between two Gaussians N(mu1, sigma1), N(mu2, sigma2).

    `||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`, as in
    FID (Heusel et al., 2017, "GANs Trained by a Two Time-Scale Update Rule
    Converge to a Local Nash Equilibrium"; Dowson & Landau, 1982).

    `Tr (sigma1 sigma2)^(1/2)` is computed as the sum of square roots of the
    eigenvalues of the symmetric PSD matrix `sigma1^(1/2) sigma2 sigma1^(1/2)`
    (which has the same eigenvalues as `sigma1 sigma2`), clipping round-off
    negatives to zero. This is stable for singular, rank-deficient
    covariances (fewer samples than dimensions). The linear algebra runs in
    float64 numpy on the host: float32 `keras.ops` cannot reach the 1e-6
    relative agreement with the `scipy.linalg.sqrtm` reference formula that
    ganzoo tests for. The result is clipped at 0.

    Args:
        mu1: array of shape `(d,)`. Mean of the first Gaussian.
        sigma1: array of shape `(d, d)`. Covariance of the first Gaussian.
        mu2: array of shape `(d,)`. Mean of the second Gaussian.
        sigma2: array of shape `(d, d)`. Covariance of the second Gaussian.

    Returns:
        The distance as a Python float (>= 0).

    Example:

    >>> mu, sigma = np.zeros(3), np.eye(3)
    >>> frechet_distance(mu, sigma, mu + 1.0, sigma)
    3.0
    """
    mu1, mu2 = to_numpy(mu1, "mu1"), to_numpy(mu2, "mu2")
    sigma1, sigma2 = to_numpy(sigma1, "sigma1"), to_numpy(sigma2, "sigma2")
    check_rank(mu1, 1, "mu1", "(a mean vector)")
    d = mu1.shape[0]
    for name, value, shape in (
        ("mu2", mu2, (d,)),
        ("sigma1", sigma1, (d, d)),
        ("sigma2", sigma2, (d, d)),
    ):
        if value.shape != shape:
            raise ValueError(
                f"`{name}` must have shape {shape} to match mu1.shape={mu1.shape}. "
                f"Received: {name}.shape={value.shape}"
            )
    for name, value in (("mu1", mu1), ("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
        check_finite(value, name)
    sigma1 = 0.5 * (sigma1 + sigma1.T)
    sigma2 = 0.5 * (sigma2 + sigma2.T)
    sqrt1 = _sqrtm_psd(sigma1)
    middle = sqrt1 @ sigma2 @ sqrt1
    middle = 0.5 * (middle + middle.T)
    eigvals = np.clip(np.linalg.eigvalsh(middle), 0.0, None)
    tr_covmean = np.sum(np.sqrt(eigvals))
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * tr_covmean
    return float(max(value, 0.0))


def frechet_distance_from_features(features1, features2):
    """Fréchet distance between Gaussians fitted to two feature sets.

    Fits mean and (ddof=1) covariance to each set and applies
    `frechet_distance` (Heusel et al., 2017). With InceptionV3 pool3
    features this is FID.

    Args:
        features1: array of shape `(n1, d)`. First feature set, `n1 >= 2`.
        features2: array of shape `(n2, d)`. Second feature set, `n2 >= 2`.

    Returns:
        The distance as a Python float (>= 0).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(500, 8))
    >>> frechet_distance_from_features(f, f)
    0.0
    """
    f1, f2 = _check_feature_pair(features1, features2)
    mu1, sigma1 = feature_statistics(f1)
    mu2, sigma2 = feature_statistics(f2)
    return frechet_distance(mu1, sigma1, mu2, sigma2)


# ---------------------------------------------------------------------------
# Kernel inception distance (KID)
# ---------------------------------------------------------------------------


def _mmd2_unbiased(x, y, degree, gamma, coef):
    """Unbiased MMD^2 with the polynomial kernel, in keras.ops."""
    m = ops.shape(x)[0]
    n = ops.shape(y)[0]
    k_xx = (gamma * ops.matmul(x, ops.transpose(x)) + coef) ** degree
    k_yy = (gamma * ops.matmul(y, ops.transpose(y)) + coef) ** degree
    k_xy = (gamma * ops.matmul(x, ops.transpose(y)) + coef) ** degree
    term_xx = (ops.sum(k_xx) - ops.trace(k_xx)) / (m * (m - 1))
    term_yy = (ops.sum(k_yy) - ops.trace(k_yy)) / (n * (n - 1))
    return term_xx + term_yy - 2.0 * ops.mean(k_xy)


def kernel_inception_distance(
    features1,
    features2,
    degree=3,
    gamma=None,
    coef=1.0,
    num_subsets=100,
    subset_size=1000,
    seed=0,
):
    """Kernel Inception Distance: unbiased polynomial-kernel MMD^2.

    Bińkowski et al., 2018, "Demystifying MMD GANs". With
    `k(x, y) = (gamma * x.y + coef)^degree` (default `(x.y / d + 1)^3`),
    each subset estimates
    `sum_{i!=j} k(x_i, x_j) / (m(m-1)) + sum_{i!=j} k(y_i, y_j) / (m(m-1))
    - 2 mean_{i,j} k(x_i, y_j)` on `m` rows drawn without replacement from
    each set; the result is the mean and std over subsets. The estimate can
    be slightly negative when the two sets match. Kernels run in
    `keras.ops` (float32).

    Args:
        features1: array of shape `(n1, d)`. First feature set.
        features2: array of shape `(n2, d)`. Second feature set.
        degree: int. Polynomial kernel degree. Defaults to 3.
        gamma: float or None. Kernel scale; None means `1 / d`.
            Defaults to None.
        coef: float. Kernel offset. Defaults to 1.0.
        num_subsets: int. Number of random subsets averaged. Defaults to 100.
        subset_size: int. Rows per subset, capped at `min(n1, n2)`.
            Defaults to 1000.
        seed: int. Seed of the numpy generator choosing subsets. Defaults to 0.

    Returns:
        A tuple `(kid_mean, kid_std)` of Python floats (std with ddof=0).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> mean, std = kernel_inception_distance(
    ...     rng.normal(size=(200, 16)), rng.normal(size=(200, 16)) + 0.5,
    ...     num_subsets=10, subset_size=100)
    """
    f1, f2 = _check_feature_pair(features1, features2)
    check_positive_int(degree, "degree")
    check_positive_int(num_subsets, "num_subsets")
    check_positive_int(subset_size, "subset_size", minimum=2)
    m = min(subset_size, f1.shape[0], f2.shape[0])
    if m < 2:
        raise ValueError(
            "Both feature sets need at least 2 rows for the unbiased MMD. "
            f"Received: features1.shape={f1.shape}, features2.shape={f2.shape}"
        )
    if gamma is None:
        gamma = 1.0 / f1.shape[1]
    rng = np.random.default_rng(seed)
    x_all = ops.convert_to_tensor(f1.astype("float32"))
    y_all = ops.convert_to_tensor(f2.astype("float32"))
    values = []
    for _ in range(num_subsets):
        ix = ops.convert_to_tensor(rng.choice(f1.shape[0], m, replace=False))
        iy = ops.convert_to_tensor(rng.choice(f2.shape[0], m, replace=False))
        x = ops.take(x_all, ix, axis=0)
        y = ops.take(y_all, iy, axis=0)
        value = _mmd2_unbiased(x, y, degree, float(gamma), float(coef))
        values.append(float(ops.convert_to_numpy(value)))
    values = np.asarray(values, dtype="float64")
    return float(values.mean()), float(values.std())


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


def _check_images(images, name, allow_single=False):
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
        images = _check_images(images, "images")
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
    real_images = _check_images(real_images, "real_images")
    fake_images = _check_images(fake_images, "fake_images")
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
    real_images = _check_images(real_images, "real_images")
    fake_images = _check_images(fake_images, "fake_images")
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
    images = _check_images(images, "images")
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


# ---------------------------------------------------------------------------
# PSNR / SSIM
# ---------------------------------------------------------------------------


def _check_pair(a, b):
    a = _check_images(a, "a", allow_single=True)
    b = _check_images(b, "b", allow_single=True)
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
