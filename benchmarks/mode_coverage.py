"""Mode coverage of `gan` or `wgan_gp` on the 2-D `ring` and `grid` mixtures (PacGAN Table 1 protocol).

For each seed: train `ganzoo.get(MODEL, ...)` on fresh mixture samples, draw 2,500
samples (the PacGAN evaluation size), and count with `ganzoo.metrics.mode_coverage`
the modes covered (nearest mode of >= 1 sample within 3 std) and the fraction of
high-quality samples. Prints one JSON object: per-seed rows and mean ± std.

    KERAS_BACKEND=jax python benchmarks/mode_coverage.py --dataset ring --seeds 0 1 2 3 4
    KERAS_BACKEND=jax python benchmarks/mode_coverage.py --model wgan_gp --dataset grid --seeds 0 1 2

Defaults: the builder's own (`gan`: MLP 256-256, Adam 2e-4 β1 0.5; `wgan_gp`: MLP 512×3,
λ = 10, 5 critic updates per generator update, Adam 1e-4 (0.5, 0.9)), 5,000 generator steps
of batch 100 (`wgan_gp`: each of its 5 critic updates gets its own batch of 100, so one
step reads 500 samples).
"""
import argparse
import json
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=("gan", "wgan_gp"), default="gan")
    p.add_argument("--dataset", choices=("ring", "grid"), default="ring")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--steps", type=int, default=5000, help="training steps (batches)")
    p.add_argument("--batch-size", type=int, default=100)
    # None: the `gan` builder's defaults (ganzoo.get("gan")).
    p.add_argument("--hidden", type=int, nargs="+", default=None)
    p.add_argument("--latent-dim", type=int, default=None)
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--batchnorm", action="store_true", help="BatchNorm in the generator (gan)")
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
    # Real samples one generator step reads: wgan_gp's critic updates each take their own batch.
    per_step = args.batch_size * (5 if args.model == "wgan_gp" else 1)
    rows = []
    for seed in args.seeds:
        keras.utils.set_random_seed(seed)
        x = ganzoo.data.load(args.dataset, seed=seed, num_samples=steps_per_epoch * per_step)
        overrides = {k: v for k, v in (("latent_dim", args.latent_dim), ("learning_rate", args.learning_rate),
                                       ("hidden_units", args.hidden and tuple(args.hidden)),
                                       ("batchnorm", args.batchnorm or None)) if v is not None}
        if args.model == "wgan_gp":
            overrides.pop("batchnorm", None)
            if "learning_rate" in overrides:
                p.error("--learning-rate is for gan; wgan_gp uses the paper's Adam(1e-4, 0.5, 0.9)")
        gan = ganzoo.get(args.model, data_shape=(2,), seed=seed, **overrides)
        t0 = time.time()
        gan.fit(x, batch_size=per_step, epochs=epochs, verbose=0)
        wall = time.time() - t0
        samples = gan.generate(args.num_eval, seed=1000 + seed)
        cov = mode_coverage(samples, modes, std)
        rows.append({"seed": seed, "modes": cov["modes_covered"],
                     "high_quality_pct": 100 * cov["high_quality_fraction"], "train_s": round(wall, 1)})
        print(json.dumps(rows[-1]), flush=True)
    m = np.array([r["modes"] for r in rows], float)
    q = np.array([r["high_quality_pct"] for r in rows], float)
    print(json.dumps({
        "benchmark": "mode_coverage", "model": args.model, "dataset": args.dataset, "backend": keras.config.backend(),
        "num_modes": len(modes), "steps": epochs * steps_per_epoch, "batch_size": args.batch_size,
        "overrides": overrides, "latent_dim": gan.latent_dim,
        "num_eval": args.num_eval,
        "modes_mean": float(m.mean()), "modes_std": float(m.std()),
        "high_quality_mean": float(q.mean()), "high_quality_std": float(q.std()),
        "runs": rows,
    }))


if __name__ == "__main__":
    main()
