"""Evaluation metrics for ganzoo GANs.

Image metrics (Fréchet distance in `frechet`, KID in `kid`, Inception score and the
feature extractor in `inception`, PSNR/SSIM in `fidelity`), 2-D mode coverage, and an offline
digits classifier (class accuracy, Fréchet Classifier Distance). Functions
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
from ganzoo.metrics.mode_coverage import mode_coverage

__all__ = [
    "AreaResizeToGray",
    "FeatureExtractor",
    "build_digits_classifier",
    "classifier_features",
    "default_cache_dir",
    "digits_class_accuracy",
    "feature_statistics",
    "fid",
    "frechet_classifier_distance",
    "frechet_distance",
    "frechet_distance_from_features",
    "get_digits_classifier",
    "inception_score",
    "inception_score_from_images",
    "inception_v3_features",
    "kernel_inception_distance",
    "kid",
    "load_digits_split",
    "mode_coverage",
    "psnr",
    "rgb_to_y",
    "ssim",
    "train_digits_classifier",
]
