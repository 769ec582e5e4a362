"""Mode coverage on the 2-D mixtures (ganzoo/metrics/mode_coverage.py), PacGAN's protocol."""
import numpy as np
import pytest

from ganzoo.metrics import (
    mode_coverage,
)


def _ring():
    angles = 2 * np.pi * np.arange(8) / 8
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def test_mode_coverage_ring():
    modes = _ring()
    good = np.repeat(modes[:5], 4, axis=0) + 0.01  # 20 samples within 3 std
    junk = np.array([[10.0, 10.0]] * 10 + [[0.0, 0.0]] * 10)  # 20 far samples
    out = mode_coverage(np.concatenate([good, junk]), modes, std=0.01)
    assert out["modes_covered"] == 5
    assert out["num_modes"] == 8
    assert out["high_quality_fraction"] == pytest.approx(0.5)
    assert out["mode_counts"] == [4, 4, 4, 4, 4, 0, 0, 0]
    # A sample just outside 3 std of its mode is low quality.
    out = mode_coverage(modes[:1] + [0.031, 0.0], modes, std=0.01)
    assert out["modes_covered"] == 0 and out["high_quality_fraction"] == 0.0
    # min_count raises the bar for coverage.
    assert mode_coverage(good, modes, std=0.01, min_count=5)["modes_covered"] == 0


def test_mode_coverage_grid():
    g = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    modes = np.stack(np.meshgrid(g, g), -1).reshape(-1, 2)
    samples = modes + np.random.default_rng(0).normal(scale=0.05 / 3, size=modes.shape)
    out = mode_coverage(samples, modes, std=0.05)
    assert out["modes_covered"] == 25 and out["high_quality_fraction"] == 1.0


def test_mode_coverage_bad_input():
    with pytest.raises(ValueError, match=r"samples\.shape=\(3, 3\)"):
        mode_coverage(np.zeros((3, 3)), _ring(), std=0.01)
    with pytest.raises(ValueError, match=r"std=0"):
        mode_coverage(np.zeros((3, 2)), _ring(), std=0)
