"""Mode coverage of `gan` on the 2-D `ring` and `grid` mixtures (PacGAN Table 1 protocol).

For each seed: train `ganzoo.get("gan", ...)` on fresh mixture samples, draw 2,500
samples (the PacGAN evaluation size), and count with `ganzoo.metrics.mode_coverage`
the modes covered (nearest mode of >= 1 sample within 3 std) and the fraction of
high-quality samples. Prints one JSON object: per-seed rows and mean ± std.

    KERAS_BACKEND=jax python benchmarks/mode_coverage.py --dataset ring --seeds 0 1 2 3 4

Defaults: the `gan` builder's own (MLP 256-256, Adam 2e-4 β1 0.5), 5,000 steps of batch 100.
"""
import argparse
import json
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", choices=("ring", "grid"), default="ring")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--steps", type=int, default=5000, help="training steps (batches)")
    p.add_argument("--batch-size", type=int, default=100)
    # None: the `gan` builder's defaults (ganzoo.get("gan")).
    p.add_argument("--hidden", type=int, nargs="+", default=None)
    p.add_argument("--latent-dim", type=int, default=None)
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--batchnorm", action="store_true", help="BatchNorm in the generator")
    p.add_argument("--num-eval", type=int, default=2500)
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo.data import MIXTURE_STD, grid_modes, ring_modes
    from ganzoo.metrics import mode_coverage

    modes = ring_modes() if args.dataset == "ring" else grid_modes()
    std = MIXTURE_STD[args.dataset]
    steps_per_epoch = 100
    epochs = max(1, args.steps // steps_per_epoch)
    rows = []
    for seed in args.seeds:
        keras.utils.set_random_seed(seed)
        x = ganzoo.data.load(args.dataset, seed=seed, num_samples=steps_per_epoch * args.batch_size)
        overrides = {k: v for k, v in (("latent_dim", args.latent_dim), ("learning_rate", args.learning_rate),
                                       ("hidden_units", args.hidden and tuple(args.hidden)),
                                       ("batchnorm", args.batchnorm or None)) if v is not None}
        gan = ganzoo.get("gan", data_shape=(2,), seed=seed, **overrides)
        t0 = time.time()
        gan.fit(x, batch_size=args.batch_size, epochs=epochs, verbose=0)
        wall = time.time() - t0
        samples = gan.generate(args.num_eval, seed=1000 + seed)
        cov = mode_coverage(samples, modes, std)
        rows.append({"seed": seed, "modes": cov["modes_covered"],
                     "high_quality_pct": 100 * cov["high_quality_fraction"], "train_s": round(wall, 1)})
        print(json.dumps(rows[-1]), flush=True)
    m = np.array([r["modes"] for r in rows], float)
    q = np.array([r["high_quality_pct"] for r in rows], float)
    print(json.dumps({
        "benchmark": "mode_coverage", "dataset": args.dataset, "backend": keras.config.backend(),
        "num_modes": len(modes), "steps": epochs * steps_per_epoch, "batch_size": args.batch_size,
        "overrides": overrides, "latent_dim": gan.latent_dim,
        "num_eval": args.num_eval,
        "modes_mean": float(m.mean()), "modes_std": float(m.std()),
        "high_quality_mean": float(q.mean()), "high_quality_std": float(q.std()),
        "runs": rows,
    }))


if __name__ == "__main__":
    main()
