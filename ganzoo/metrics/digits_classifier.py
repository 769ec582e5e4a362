"""Offline digits classifier for evaluating GANs trained on sklearn digits.

The classifier is a small Keras CNN trained in-project on the real
`sklearn.datasets.load_digits` images (no download: the data ship with
scikit-learn). It is used for class-conditional accuracy of generated digits
and for the Fréchet Classifier Distance (FCD) on its penultimate features.

Data split (shared with `ganzoo.data.load("digits", split=...)`):
    `perm = np.random.default_rng(0).permutation(1797)`; images
    `perm[:1500]` are the train split and `perm[1500:]` (297 images) are the
    test split. Pixel values 0..16 are scaled to [-1, 1] as `x / 16 * 2 - 1`.
"""
import keras
import numpy as np
from keras import ops

from ganzoo.metrics import _classifiers
from ganzoo.metrics._classifiers import FEATURES_LAYER, default_cache_dir
from ganzoo.metrics.frechet import frechet_distance_from_features

DIGITS_SIZE = 8
NUM_TRAIN = 1500
NUM_DIGITS = 1797
SPLIT_SEED = 0
CLASSIFIER_FILENAME = "digits_classifier_v1.keras"
__all__ = [  # default_cache_dir and FEATURES_LAYER are re-exported from _classifiers
    "AreaResizeToGray", "FEATURES_LAYER", "build_digits_classifier", "classifier_features",
    "default_cache_dir", "digits_class_accuracy", "frechet_classifier_distance",
    "get_digits_classifier", "load_digits_split", "train_digits_classifier",
]


def load_digits_split(split="train"):
    """Loads the fixed ganzoo split of sklearn digits, scaled to [-1, 1].

    Reference: the UCI optical digits data as shipped by scikit-learn
    (`sklearn.datasets.load_digits`, Alpaydin & Kaynak 1998).

    Args:
        split: str. `"train"` (1500 images), `"test"` (297 images) or `"all"`
            (1797 images, train then test order). Defaults to `"train"`.

    Returns:
        A tuple `(images, labels)`: float32 images of shape `(n, 8, 8, 1)` in
        [-1, 1] and int64 labels of shape `(n,)`.

    Example:

    >>> x, y = load_digits_split("test")
    >>> x.shape, y.shape
    ((297, 8, 8, 1), (297,))
    """
    from sklearn.datasets import load_digits

    if split not in ("train", "test", "all"):
        raise ValueError(
            "`split` must be one of 'train', 'test', 'all'. "
            f"Received: split={split!r}"
        )
    data = load_digits()
    images = (data.images.astype("float32") / 16.0 * 2.0 - 1.0)[..., None]
    labels = data.target.astype("int64")
    perm = np.random.default_rng(SPLIT_SEED).permutation(NUM_DIGITS)
    if split == "train":
        idx = perm[:NUM_TRAIN]
    elif split == "test":
        idx = perm[NUM_TRAIN:]
    else:
        idx = perm
    return images[idx], labels[idx]


@keras.saving.register_keras_serializable(package="ganzoo")
class AreaResizeToGray(_classifiers.SquareGrayLayer):
    """Averages channels to gray and area-resizes square images to `size`.

    Area resizing averages every input pixel that overlaps an output pixel,
    weighted by overlap, so for sizes that are multiples of `size` it is an
    exact average pool (16 -> 8 averages 2x2 blocks). It is written as two
    matrix products with keras.ops so it works for any input size on every
    backend, including unknown (dynamic) spatial sizes.

    Args:
        size: int. Output height and width. Defaults to 8.
    """

    def __init__(self, size=DIGITS_SIZE, **kwargs):
        super().__init__(size, **kwargs)

    def _area_matrix(self, n):
        n_float = ops.cast(n, "float32")
        scale = n_float / float(self.size)
        out_lo = ops.arange(self.size, dtype="float32")[:, None] * scale
        out_hi = out_lo + scale
        in_lo = ops.cast(ops.arange(n), "float32")[None, :]
        in_hi = in_lo + 1.0
        overlap = ops.minimum(out_hi, in_hi) - ops.maximum(out_lo, in_lo)
        return ops.maximum(overlap, 0.0) / scale

    def call(self, inputs):
        x = ops.mean(ops.cast(inputs, "float32"), axis=-1)  # (b, h, w)
        shape = ops.shape(x)
        a_h = self._area_matrix(shape[1])  # (size, h)
        a_w = self._area_matrix(shape[2])  # (size, w)
        x = ops.einsum("ih,bhw->biw", a_h, x)
        x = ops.einsum("jw,biw->bij", a_w, x)
        return x[..., None]


def build_digits_classifier():
    """Builds the (untrained) digits CNN.

    The model accepts images of any size with any number of channels in
    [-1, 1]; it averages channels and area-resizes to 8x8 internally, then
    runs conv(16)-maxpool-conv(32)-dense(128, name="features")-dense(10).

    Returns:
        An uncompiled `keras.Model` mapping images to softmax probabilities.

    Example:

    >>> model = build_digits_classifier()
    >>> model.get_layer("features").units
    128
    """
    inputs = keras.Input(shape=(None, None, None), name="images")
    x = AreaResizeToGray(DIGITS_SIZE, name="to_8x8_gray")(inputs)
    x = keras.layers.Conv2D(16, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(32, 3, padding="same", activation="relu")(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.Dense(128, activation="relu", name=FEATURES_LAYER)(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="ganzoo_digits_classifier")


def train_digits_classifier(epochs=15, seed=0, verbose=0):
    """Trains the digits CNN on the fixed train split (deterministic-ish).

    Args:
        epochs: int. Training epochs over the 1500 train images.
            Defaults to 15.
        seed: int. Seed passed to `keras.utils.set_random_seed`.
            Defaults to 0.
        verbose: int. Keras `fit` verbosity. Defaults to 0.

    Returns:
        The trained, compiled `keras.Model`.

    Example:

    >>> model = train_digits_classifier(epochs=1)
    """
    keras.utils.set_random_seed(seed)
    x, y = load_digits_split("train")
    return _classifiers.fit_classifier(
        build_digits_classifier(), x, y, epochs=epochs, seed=seed, learning_rate=3e-3,
        verbose=verbose,
    )


def get_digits_classifier(cache_dir=None, retrain=False):
    """Returns the cached digits classifier, training and saving it if needed.

    The first call trains the CNN (a few seconds on CPU) and saves it as
    `digits_classifier_v1.keras` under `cache_dir`; later calls load it.

    Args:
        cache_dir: str or None. Folder for the `.keras` file. `None` uses
            `$GANZOO_CACHE` if set, else `~/.cache/ganzoo`. Defaults to None.
        retrain: bool. Train again and overwrite the cached file.
            Defaults to False.

    Returns:
        A `keras.Model` mapping images (any square size, 1 or 3 channels, in
        [-1, 1]) to probabilities over the 10 digit classes.

    Example:

    >>> clf = get_digits_classifier(cache_dir="/tmp/ganzoo-cache")
    >>> probs = clf.predict(np.zeros((2, 16, 16, 1)), verbose=0)
    """
    model, _ = _classifiers.cached_classifier(
        CLASSIFIER_FILENAME, train_digits_classifier, cache_dir, retrain
    )
    return model


def digits_class_accuracy(images, labels, classifier=None, batch_size=256):
    """Accuracy of the digits classifier on images against intended labels.

    Used for class-conditional GANs: `labels` are the classes the generator
    was asked for, so the score measures how recognisably it drew them
    (the "classification accuracy" protocol of e.g. Odena et al., 2017,
    "Conditional Image Synthesis with Auxiliary Classifier GANs").

    Args:
        images: array of shape `(n, h, w, c)`. Images in [-1, 1], any square
            size, 1 or 3 channels.
        labels: array of shape `(n,)`. Intended integer labels 0..9.
        classifier: `keras.Model` or None. Classifier producing class
            probabilities; None uses `get_digits_classifier()`.
            Defaults to None.
        batch_size: int. Prediction batch size. Defaults to 256.

    Returns:
        A dict `{"accuracy": float, "per_label_accuracy": {label: float}}`;
        `per_label_accuracy` has an entry for each label present in `labels`.

    Example:

    >>> x, y = load_digits_split("test")
    >>> digits_class_accuracy(x, y)["accuracy"] > 0.97
    True
    """
    images = _classifiers.check_images(images)
    _classifiers.check_labels(labels, images.shape[0])
    if classifier is None:
        classifier = get_digits_classifier()
    return _classifiers.class_accuracy(images, labels, classifier, batch_size)


def classifier_features(images, classifier=None, batch_size=256):
    """Penultimate ("features" layer) activations of the digits classifier.

    Args:
        images: array of shape `(n, h, w, c)`. Images in [-1, 1].
        classifier: `keras.Model` or None. A model with a layer named
            `"features"`; None uses `get_digits_classifier()`.
            Defaults to None.
        batch_size: int. Prediction batch size. Defaults to 256.

    Returns:
        A float64 numpy array of shape `(n, 128)`.

    Example:

    >>> f = classifier_features(np.zeros((4, 8, 8, 1)))
    """
    images = _classifiers.check_images(images)
    if classifier is None:
        classifier = get_digits_classifier()
    return _classifiers.features(images, classifier, batch_size)


def frechet_classifier_distance(images_a, images_b, classifier=None, batch_size=256):
    """Fréchet Classifier Distance between two image sets on digits features.

    FID (Heusel et al., 2017, "GANs Trained by a Two Time-Scale Update Rule
    Converge to a Local Nash Equilibrium") with the digits classifier's
    128-d penultimate features in place of InceptionV3 pool3 features.

    Args:
        images_a: array of shape `(n, h, w, c)`. First image set in [-1, 1].
        images_b: array of shape `(m, h, w, c)`. Second image set in [-1, 1].
        classifier: `keras.Model` or None. None uses
            `get_digits_classifier()`. Defaults to None.
        batch_size: int. Prediction batch size. Defaults to 256.

    Returns:
        The distance as a Python float (>= 0).

    Example:

    >>> xa, _ = load_digits_split("train")
    >>> xb, _ = load_digits_split("test")
    >>> fcd = frechet_classifier_distance(xa, xb)
    """
    if classifier is None:
        classifier = get_digits_classifier()
    fa = classifier_features(images_a, classifier, batch_size)
    fb = classifier_features(images_b, classifier, batch_size)
    return frechet_distance_from_features(fa, fb)
