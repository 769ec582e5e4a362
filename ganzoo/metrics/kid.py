"""Kernel inception distance (KID): unbiased MMD² with a polynomial kernel, over subsets.

Conventions (all of ganzoo): images are NHWC batches with values in [-1, 1]; functions
accept numpy arrays (or backend tensors) and return Python floats, tuples of floats or
numpy arrays, never backend tensors.
"""

import numpy as np
from keras import ops

from ganzoo.metrics._utils import (
    check_feature_pair,
    check_positive_int,
)


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
    f1, f2 = check_feature_pair(features1, features2)
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
