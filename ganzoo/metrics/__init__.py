"""Evaluation metrics for ganzoo GANs.

Image metrics (Fréchet distance in `frechet`, KID in `kid`, Inception score and the
feature extractor in `inception`, PSNR/SSIM in `fidelity`), 2-D mode coverage, and two
offline classifiers: one for scikit-learn's 8x8 digits and one for the bundled MNIST (class
accuracy, confident fraction, Fréchet Classifier Distance). Functions
take numpy arrays and return Python floats, tuples or dicts of floats. See
docs/metrics.md.
"""
from ganzoo.metrics.digits_classifier import (
    AreaResizeToGray,
    build_digits_classifier,
    classifier_features,
    default_cache_dir,
    digits_class_accuracy,
    frechet_classifier_distance,
    get_digits_classifier,
    load_digits_split,
    train_digits_classifier,
)
from ganzoo.metrics.fidelity import psnr, rgb_to_y, ssim
from ganzoo.metrics.frechet import (
    feature_statistics,
    frechet_distance,
    frechet_distance_from_features,
)
from ganzoo.metrics.inception import (
    FeatureExtractor,
    fid,
    inception_score,
    inception_score_from_images,
    inception_v3_features,
    kid,
)
from ganzoo.metrics.kid import kernel_inception_distance
from ganzoo.metrics.mnist_classifier import (
    CenterCropToGray,
    build_mnist_classifier,
    get_mnist_classifier,
    mnist_class_accuracy,
    mnist_confident_fraction,
    mnist_frechet_distance,
    mnist_test_accuracy,
    train_mnist_classifier,
)
from ganzoo.metrics.mode_coverage import mode_coverage

__all__ = [
    "AreaResizeToGray",
    "CenterCropToGray",
    "FeatureExtractor",
    "build_digits_classifier",
    "build_mnist_classifier",
    "classifier_features",
    "default_cache_dir",
    "digits_class_accuracy",
    "feature_statistics",
    "fid",
    "frechet_classifier_distance",
    "frechet_distance",
    "frechet_distance_from_features",
    "get_digits_classifier",
    "get_mnist_classifier",
    "inception_score",
    "inception_score_from_images",
    "inception_v3_features",
    "kernel_inception_distance",
    "kid",
    "load_digits_split",
    "mnist_class_accuracy",
    "mnist_confident_fraction",
    "mnist_frechet_distance",
    "mnist_test_accuracy",
    "mode_coverage",
    "psnr",
    "rgb_to_y",
    "ssim",
    "train_digits_classifier",
    "train_mnist_classifier",
]
