"""Mode coverage of 2-D mixture-of-Gaussians samples (ring / grid)."""
import numpy as np
from keras import ops

from ganzoo import arguments
from ganzoo.metrics._utils import check_finite, check_positive_int, check_rank, to_numpy


def mode_coverage(samples, modes, std, threshold=3.0, min_count=1):
    """Counts covered modes and high-quality samples of a Gaussian mixture.

    The protocol of VEEGAN (Srivastava et al., 2017, "VEEGAN: Reducing Mode
    Collapse in GANs using Implicit Variational Learning") and PacGAN
    (Lin et al., 2018, "PacGAN: The power of two samples in generative
    adversarial networks"): a sample is *high quality* if its Euclidean
    distance to the nearest mode is at most `threshold * std`; a mode is
    *covered* if it is the nearest mode of at least `min_count` high-quality
    samples. For the ring (8 modes at radius 1, std 0.01) and the grid
    (25 modes at {-4,-2,0,2,4}^2, std 0.05) the defaults match the papers.

    Args:
        samples: array of shape `(n, d)`. Generated samples, `n >= 1`.
        modes: array of shape `(k, d)`. Mode centres.
        std: float. Standard deviation of each mixture component.
        threshold: float. Quality radius in units of `std`. Defaults to 3.0.
        min_count: int. High-quality samples a mode needs to count as
            covered. Defaults to 1.

    Returns:
        A dict with `"modes_covered"` (int), `"num_modes"` (int),
        `"high_quality_fraction"` (float in [0, 1]) and `"mode_counts"`
        (list of ints: high-quality samples per mode, in `modes` order).

    Example:

    >>> angles = 2 * np.pi * np.arange(8) / 8
    >>> ring = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    >>> mode_coverage(ring[:5], ring, std=0.01)["modes_covered"]
    5
    """
    x = to_numpy(samples, "samples")
    m = to_numpy(modes, "modes")
    check_rank(x, 2, "samples", "(num_samples, dim)")
    check_rank(m, 2, "modes", "(num_modes, dim)")
    check_finite(x, "samples")
    check_finite(m, "modes")
    if x.shape[0] == 0 or m.shape[0] == 0:
        raise ValueError(
            "`samples` and `modes` must be non-empty. "
            f"Received: samples.shape={x.shape}, modes.shape={m.shape}"
        )
    if x.shape[1] != m.shape[1]:
        raise ValueError(
            "`samples` and `modes` must have the same dimension. "
            f"Received: samples.shape={x.shape}, modes.shape={m.shape}"
        )
    arguments.positive_float("std", std)
    arguments.positive_float("threshold", threshold)
    check_positive_int(min_count, "min_count")
    # Squared distances (n, k) via keras.ops.
    xt = ops.convert_to_tensor(x.astype("float32"))
    mt = ops.convert_to_tensor(m.astype("float32"))
    diff = ops.expand_dims(xt, 1) - ops.expand_dims(mt, 0)
    dist2 = ops.sum(diff * diff, axis=-1)
    nearest = np.asarray(ops.convert_to_numpy(ops.argmin(dist2, axis=1)))
    min_dist = np.sqrt(np.asarray(ops.convert_to_numpy(ops.min(dist2, axis=1)), "float64"))
    good = min_dist <= threshold * std
    counts = np.bincount(nearest[good], minlength=m.shape[0])
    return {
        "modes_covered": int(np.sum(counts >= min_count)),
        "num_modes": int(m.shape[0]),
        "high_quality_fraction": float(np.mean(good)),
        "mode_counts": [int(c) for c in counts],
    }
