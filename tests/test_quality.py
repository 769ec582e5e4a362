"""Quality: the vanilla GAN learns the 8-Gaussian ring (PacGAN / VEEGAN protocol)."""
import time

import pytest

import ganzoo


@pytest.mark.slow
def test_gan_covers_all_ring_modes():
    # 5,000 steps of batch 100: 8/8 modes and ~85 % high-quality samples on JAX in ~10 s
    # (PacGAN Table 1 reports 6.3 modes / 98.2 % for its longer-trained GAN).
    steps, batch = 5000, 100
    x = ganzoo.data.load("ring", num_samples=steps * batch, seed=0)
    gan = ganzoo.get("gan", seed=0)
    start = time.perf_counter()
    gan.fit(x, batch_size=batch, epochs=1, verbose=0, shuffle=False)
    seconds = time.perf_counter() - start
    result = ganzoo.metrics.mode_coverage(
        gan.generate(2500, seed=1), ganzoo.data.ring_modes(), ganzoo.data.MIXTURE_STD["ring"]
    )
    print(f"ring: {result['modes_covered']}/8 modes, "
          f"{100 * result['high_quality_fraction']:.1f} % high-quality, {seconds:.1f} s")
    assert result["modes_covered"] == 8, result
    assert result["high_quality_fraction"] > 0.5, result
