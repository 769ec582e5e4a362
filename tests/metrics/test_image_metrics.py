"""Image metrics (ganzoo/metrics/{frechet,kid,inception,fidelity}.py) against their reference formulas."""
import keras
import numpy as np
import pytest
import scipy.linalg
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from ganzoo import metrics
from ganzoo.metrics import (
    FeatureExtractor,
    fid,
    frechet_distance,
    frechet_distance_from_features,
    inception_score,
    inception_score_from_images,
    inception_v3_features,
    kernel_inception_distance,
    kid,
    psnr,
    rgb_to_y,
    ssim,
)


def reference_fd(f1, f2):
    """The classic FID formula with scipy.linalg.sqrtm (real part)."""
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2)
    covmean = np.real(covmean)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))


@pytest.mark.parametrize(
    "n1,n2,d,rank",
    [
        (400, 300, 16, None),  # well conditioned
        (10, 12, 32, None),  # fewer samples than dims: singular covariances
        (200, 150, 20, 5),  # rank-deficient features
    ],
)
def test_frechet_distance_matches_scipy_reference(n1, n2, d, rank):
    rng = np.random.default_rng(1)
    if rank is None:
        f1 = rng.normal(size=(n1, d))
        f2 = rng.normal(loc=0.3, scale=1.5, size=(n2, d))
    else:
        proj = rng.normal(size=(rank, d))
        f1 = rng.normal(size=(n1, rank)) @ proj
        f2 = (rng.normal(size=(n2, rank)) + 0.5) @ proj
    got = frechet_distance_from_features(f1, f2)
    assert isinstance(got, float)
    np.testing.assert_allclose(got, reference_fd(f1, f2), rtol=1e-6)


def test_frechet_distance_self_is_zero_and_closed_form():
    f = np.random.default_rng(0).normal(size=(300, 12))
    assert frechet_distance_from_features(f, f) == pytest.approx(0.0, abs=1e-8)
    # Two isotropic Gaussians: ||dmu||^2 + d (s1 - s2)^2 for stds s1, s2.
    d = 4
    value = frechet_distance(np.zeros(d), np.eye(d), np.ones(d), 4 * np.eye(d))
    assert value == pytest.approx(d + d * (1 - 2) ** 2)


def test_frechet_distance_bad_input():
    with pytest.raises(ValueError, match=r"features1\.shape=\(10,\)"):
        frechet_distance_from_features(np.zeros(10), np.zeros((10, 2)))
    with pytest.raises(ValueError, match=r"features2\.shape=\(5, 3\)"):
        frechet_distance_from_features(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match=r"sigma2\.shape=\(2, 3\)"):
        frechet_distance(np.zeros(2), np.eye(2), np.zeros(2), np.zeros((2, 3)))


def reference_kid(f1, f2, num_subsets, subset_size, seed):
    """Direct numpy unbiased MMD^2 estimator with the cubic kernel."""
    d = f1.shape[1]
    rng = np.random.default_rng(seed)
    m = min(subset_size, len(f1), len(f2))
    vals = []
    for _ in range(num_subsets):
        x = f1[rng.choice(len(f1), m, replace=False)]
        y = f2[rng.choice(len(f2), m, replace=False)]
        k = lambda a, b: (a @ b.T / d + 1.0) ** 3  # noqa: E731
        kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
        total = 0.0
        for i in range(m):
            for j in range(m):
                if i != j:
                    total += kxx[i, j] + kyy[i, j]
        vals.append(total / (m * (m - 1)) - 2.0 * kxy.mean())
    return float(np.mean(vals)), float(np.std(vals))


def test_kid_matches_numpy_reference():
    rng = np.random.default_rng(2)
    f1 = rng.normal(size=(120, 8))
    f2 = rng.normal(loc=0.4, size=(90, 8))
    got = kernel_inception_distance(f1, f2, num_subsets=5, subset_size=50, seed=3)
    ref = reference_kid(f1, f2, num_subsets=5, subset_size=50, seed=3)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)
    assert got[0] > 0.05
    # Two halves of one distribution score far lower than shifted sets.
    same = kernel_inception_distance(f1[:60], f1[60:], num_subsets=5, subset_size=60)
    shifted = kernel_inception_distance(f1[:60], f1[60:] + 1.0, num_subsets=5, subset_size=60)
    assert abs(same[0]) < 0.1 * shifted[0]


def test_kid_bad_input():
    with pytest.raises(ValueError, match=r"subset_size=1"):
        kernel_inception_distance(np.zeros((4, 2)), np.zeros((4, 2)), subset_size=1)
    with pytest.raises(ValueError, match=r"features1\.shape=\(3, 2, 1\)"):
        kernel_inception_distance(np.zeros((3, 2, 1)), np.zeros((4, 2)))


def reference_is(p, splits):
    n = len(p)
    scores = []
    for k in range(splits):
        part = p[k * n // splits : (k + 1) * n // splits]
        py = part.mean(0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.where(part > 0, part * (np.log(part) - np.log(py)), 0.0).sum(1)
        scores.append(np.exp(kl.mean()))
    return float(np.mean(scores)), float(np.std(scores))


def test_inception_score_matches_reference_and_limits():
    rng = np.random.default_rng(4)
    logits = rng.normal(scale=3.0, size=(103, 7))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(inception_score(p, splits=4), reference_is(p, 4), rtol=1e-5)
    is_mean, is_std = inception_score(np.full((50, 10), 0.1), splits=5)
    assert is_mean == pytest.approx(1.0, abs=1e-5) and is_std == pytest.approx(0.0, abs=1e-5)
    one_hot = np.eye(10)[np.arange(100) % 10]
    assert inception_score(one_hot, splits=10)[0] == pytest.approx(10.0, rel=1e-5)


def test_inception_score_bad_input():
    with pytest.raises(ValueError, match="probs"):
        inception_score(np.full((4, 3), 2.0), splits=1)
    with pytest.raises(ValueError, match=r"splits=5"):
        inception_score(np.full((4, 2), 0.5), splits=5)


def _image_pair(shape=(3, 24, 20, 3), seed=5):
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, size=shape)
    b = np.clip(a + rng.normal(scale=0.2, size=shape), -1, 1)
    return a, b


def test_psnr_matches_skimage():
    a, b = _image_pair()
    per_image = psnr(a, b, reduction="none")
    ref = [peak_signal_noise_ratio(a[i], b[i], data_range=2.0) for i in range(len(a))]
    np.testing.assert_allclose(per_image, ref, rtol=1e-5)
    assert psnr(a, b) == pytest.approx(np.mean(ref), rel=1e-5)
    assert psnr(a, a) == float("inf")


def test_psnr_y_channel_with_border():
    a, b = _image_pair()
    a01, b01 = (a + 1) / 2, (b + 1) / 2
    y_a = (16 + a01 @ np.array([65.481, 128.553, 24.966])) / 255.0
    y_b = (16 + b01 @ np.array([65.481, 128.553, 24.966])) / 255.0
    ref = [
        peak_signal_noise_ratio(y_a[i, 4:-4, 4:-4], y_b[i, 4:-4, 4:-4], data_range=1.0)
        for i in range(len(a))
    ]
    got = psnr(a, b, y_channel=True, border=4, reduction="none")
    np.testing.assert_allclose(got, ref, rtol=1e-5)
    np.testing.assert_allclose(rgb_to_y(a)[..., 0], y_a, atol=1e-5)
    assert rgb_to_y(-np.ones((1, 1, 3))).item() == pytest.approx(16 / 255)
    assert rgb_to_y(np.ones((1, 1, 3))).item() == pytest.approx(235 / 255)


@pytest.mark.parametrize("channels", [1, 3])
def test_ssim_matches_skimage(channels):
    a, b = _image_pair(shape=(2, 24, 20, channels))
    per_image = ssim(a, b, reduction="none")
    ref = [
        structural_similarity(
            a[i], b[i], gaussian_weights=True, sigma=1.5,
            use_sample_covariance=False, data_range=2.0, channel_axis=-1,
        )
        for i in range(len(a))
    ]
    np.testing.assert_allclose(per_image, ref, atol=1e-4)
    assert ssim(a, a) == pytest.approx(1.0, abs=1e-5)
    cropped = ssim(a, b, border=2, reduction="none")
    ref_crop = [
        structural_similarity(
            a[i, 2:-2, 2:-2], b[i, 2:-2, 2:-2], gaussian_weights=True, sigma=1.5,
            use_sample_covariance=False, data_range=2.0, channel_axis=-1,
        )
        for i in range(len(a))
    ]
    np.testing.assert_allclose(cropped, ref_crop, atol=1e-4)


def test_psnr_ssim_bad_input():
    with pytest.raises(ValueError, match=r"b\.shape=\(1, 8, 8, 1\)"):
        psnr(np.zeros((1, 8, 8, 3)), np.zeros((1, 8, 8, 1)))
    with pytest.raises(ValueError, match=r"a\.shape=\(1, 8, 8, 1\)"):
        ssim(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)))
    with pytest.raises(ValueError, match=r"data_range=-1"):
        psnr(np.zeros((1, 8, 8, 1)), np.zeros((1, 8, 8, 1)), data_range=-1)
    with pytest.raises(ValueError, match=r"images\.shape=\(2, 2\)"):
        rgb_to_y(np.zeros((2, 2)))


def _tiny_extractor(size=16, channels=3):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((size, size, channels)),
            keras.layers.Conv2D(8, 3, strides=2, activation="tanh"),
            keras.layers.GlobalAveragePooling2D(),
        ]
    )


def test_feature_extractor_resizes_and_replicates_channels():
    ext = FeatureExtractor(_tiny_extractor())
    gray8 = np.random.default_rng(0).uniform(-1, 1, (5, 8, 8, 1))
    feats = ext(gray8, batch_size=2)
    assert feats.shape == (5, 8) and feats.dtype == np.float64
    # Grayscale replicated to RGB gives the same features as explicit RGB.
    rgb8 = np.repeat(gray8, 3, axis=-1)
    np.testing.assert_allclose(ext(rgb8), feats, rtol=1e-5, atol=1e-6)


def test_fid_kid_is_wrappers_with_tiny_models():
    rng = np.random.default_rng(6)
    real = rng.uniform(-1, 1, (64, 16, 16, 3)).astype("float32")
    fake = np.clip(real * 0.3 + 0.5, -1, 1).astype("float32")
    net = _tiny_extractor()
    assert fid(real, real, extractor=net, batch_size=16) == pytest.approx(0.0, abs=1e-6)
    d = fid(real, fake, extractor=net, batch_size=16)
    assert d > 1e-3
    kid_mean, kid_std = kid(real, fake, extractor=net, num_subsets=3, subset_size=32)
    assert kid_mean > 0 and kid_std >= 0
    clf = keras.Sequential([net, keras.layers.Dense(5, activation="softmax")])
    is_mean, is_std = inception_score_from_images(fake, clf, splits=2, batch_size=16)
    assert 1.0 <= is_mean <= 5.0
    with pytest.raises(ValueError, match="extractor"):
        fid(real, fake, extractor="inception")


def test_inception_v3_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="never downloads"):
        inception_v3_features()
    with pytest.raises(FileNotFoundError, match="never downloads"):
        inception_v3_features(weights=str(tmp_path / "missing.h5"))
    with pytest.raises(ValueError, match="weights='imagenet'"):
        inception_v3_features(weights="imagenet")
    # fid() with the default extractor must raise the same clear error.
    with pytest.raises(FileNotFoundError, match="never downloads"):
        fid(np.zeros((2, 8, 8, 1)), np.zeros((2, 8, 8, 1)))


def test_public_api_exports():
    for name in metrics.__all__:
        assert hasattr(metrics, name)
