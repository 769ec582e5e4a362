"""Former home of the image metrics; kept for one release as a re-export.

The metrics now live one job per file: `ganzoo.metrics.frechet` (Fréchet distance),
`ganzoo.metrics.kid` (KID), `ganzoo.metrics.inception` (Inception score, the feature
extractor, FID/KID/IS on images) and `ganzoo.metrics.fidelity` (PSNR, SSIM, luma).
Import from `ganzoo.metrics` instead.
"""
from ganzoo.metrics.fidelity import psnr, rgb_to_y, ssim
from ganzoo.metrics.frechet import (
    feature_statistics,
    frechet_distance,
    frechet_distance_from_features,
)
from ganzoo.metrics.inception import (
    INCEPTION_V3_NOTOP_FILENAME,
    INCEPTION_V3_SIZE,
    FeatureExtractor,
    fid,
    inception_score,
    inception_score_from_images,
    inception_v3_features,
    kid,
)
from ganzoo.metrics.kid import kernel_inception_distance

__all__ = [
    "INCEPTION_V3_NOTOP_FILENAME",
    "INCEPTION_V3_SIZE",
    "FeatureExtractor",
    "feature_statistics",
    "fid",
    "frechet_distance",
    "frechet_distance_from_features",
    "inception_score",
    "inception_score_from_images",
    "inception_v3_features",
    "kernel_inception_distance",
    "kid",
    "psnr",
    "rgb_to_y",
    "ssim",
]
