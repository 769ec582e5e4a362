"""Mode coverage of `gan` or `wgan_gp` on the 2-D `ring` and `grid` mixtures (PacGAN Table 1 protocol).

For each seed: train a ganzoo model with `fit` on mixture samples, draw 2,500 samples
(the PacGAN evaluation size), and score them with `ganzoo.metrics.mode_coverage`: modes
covered (nearest mode of >= 1 sample within 3 std), the fraction of high-quality samples,
and the reverse KL of the high-quality samples' mode histogram to the uniform one. Prints
one JSON object per seed and a summary with mean, std and standard error (std / sqrt(n)).

    KERAS_BACKEND=jax python benchmarks/mode_coverage.py --dataset ring --seeds 0 1 2 3 4
    KERAS_BACKEND=jax python benchmarks/mode_coverage.py --model wgan_gp --dataset grid --seeds 0 1 2

Defaults: the builder's own (`gan`: MLP 256-256, Adam 2e-4 β1 0.5; `wgan_gp`: MLP 512×3,
λ = 10, 5 critic updates per generator update, Adam 1e-4 (0.5, 0.9)), 5,000 generator steps
of batch 100 on fresh samples (`wgan_gp`: each of its 5 critic updates gets its own batch of
100, so one step reads 500 samples).

`--arch pacgan --pac m` is PacGAN's 2-D setup (Lin et al. 2018, Table 1; facts from the
paper and its reference repository's `synthetic_data_experiments/2D*_GAN&PacGAN/config.py`):
ganzoo's `GAN` (`ganzoo.GAN`, the model `ganzoo.get("gan")` builds) with `pac=m`,
trained by `fit`, on networks built here by `pacgan_networks`:

- G: z ~ N(0, I_2) → 4 × [Dense(400, no bias) → BatchNorm → ReLU] → Dense(2);
- D: 3 maxout layers (Dense(200 × 5) → max over the 5 pieces), Dense(1) logit; input `2 m`;
- all kernels N(0, 0.02), biases 0; BatchNorm γ = 1, β = 0, ε = 1e-4 and moving averages
  updated by 0.05 of the batch statistics (momentum 0.95), as the reference (Blocks);
- Adam(1e-4, β1 = 0.8, β2 = 0.999, ε = 1e-8) for both networks;
- 100,000 training samples; one step reads 100 packed groups (100 · m samples, each drawn
  from the 100,000 with replacement as the reference's packing dataset does); an epoch is
  1,000 steps; the paper trains 400 epochs (400,000 steps). `--steps` shortens it.

Differences from the reference that remain: ganzoo's `GAN` alternates the updates (D, then
G through the updated D on the same generated batch) where the reference's
`ali_algorithm` takes both gradients on one graph and updates them together; ganzoo's
generator normalises the 100 · m generated samples of a step as one batch, the reference
each of its m calls of 100 separately; ganzoo's BatchNorm keeps a moving variance, Blocks a
moving standard deviation.

    # the full protocol (400,000 steps per run; hours per run on a CPU):
    KERAS_BACKEND=jax python benchmarks/mode_coverage.py --arch pacgan --dataset grid --pac 4 \\
        --steps 400000 --seeds 0 1 2 3 4 5 6 7 8 9
"""
import argparse
import json
import resource
import time

import numpy as np

#: The reference's epoch: 100,000 packed examples in batches of 100.
PACGAN_EPOCH_STEPS = 1000
PACGAN_NUM_SAMPLES = 100_000


def cpu_seconds():
    """Process CPU seconds (user + system) so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def reverse_kl(mode_counts):
    """KL(p̂ ‖ uniform) of a mode histogram `mode_counts` (high-quality samples per mode).

    Example:
    ```python
    reverse_kl([10, 10, 0, 0])  # log 2: half the modes, evenly
    ```
    """
    counts = np.asarray(mode_counts, "float64")
    total = counts.sum()
    if total == 0:
        return float("inf")
    p = counts[counts > 0] / total
    return float(np.sum(p * np.log(p * len(counts))))


def pacgan_networks(pac=1, latent_dim=2, data_dim=2, g_units=400, g_layers=4, d_units=200, d_pieces=5,
                    d_layers=3, bn_momentum=0.95, bn_epsilon=1e-4, init_std=0.02):
    """PacGAN's 2-D generator and maxout discriminator (for `pac` packed samples) in Keras.

    Args:
        pac: int. Samples the discriminator judges at once. Defaults to 1.
        latent_dim: int. Noise size. Defaults to 2.
        data_dim: int. Sample size. Defaults to 2.
        g_units: int. Width of the generator's hidden layers. Defaults to 400.
        g_layers: int. Hidden layers of the generator. Defaults to 4.
        d_units: int. Maxout units of each discriminator layer. Defaults to 200.
        d_pieces: int. Pieces of each maxout unit. Defaults to 5.
        d_layers: int. Maxout layers. Defaults to 3.
        bn_momentum: float. BatchNorm moving-average momentum. Defaults to 0.95.
        bn_epsilon: float. BatchNorm ε. Defaults to 1e-4.
        init_std: float or None. Std of the N(0, std) kernel init; None: Keras' default
            (Glorot uniform). Defaults to 0.02.

    Example:
    ```python
    g, d = pacgan_networks(pac=2)
    model = ganzoo.GAN(g, d, pac=2)
    ```
    """
    import keras
    from keras import layers, ops

    init = keras.initializers.RandomNormal(0.0, init_std) if init_std else "glorot_uniform"
    z = keras.Input((latent_dim,), name="z")
    x = z
    for i in range(g_layers):
        x = layers.Dense(g_units, use_bias=False, kernel_initializer=init, name=f"g_dense{i}")(x)
        x = layers.BatchNormalization(momentum=bn_momentum, epsilon=bn_epsilon, name=f"g_bn{i}")(x)
        x = layers.ReLU(name=f"g_relu{i}")(x)
    x = layers.Dense(data_dim, kernel_initializer=init, name="g_out")(x)
    generator = keras.Model(z, x, name="generator")

    inp = keras.Input((data_dim * pac,), name="sample")
    h = inp
    for i in range(d_layers):
        h = layers.Dense(d_units * d_pieces, kernel_initializer=init, name=f"d_dense{i}")(h)
        # Maxout: unit u is the max of columns u·pieces ... u·pieces + pieces − 1.
        h = layers.Reshape((d_units, d_pieces), name=f"d_pieces{i}")(h)
        h = layers.Lambda(lambda t: ops.max(t, axis=-1), output_shape=(d_units,), name=f"d_maxout{i}")(h)
    logit = layers.Dense(1, kernel_initializer=init, name="d_out")(h)
    discriminator = keras.Model(inp, logit, name="discriminator")
    return generator, discriminator


def pacgan_model(pac, seed, learning_rate=1e-4, beta_1=0.8, adam_epsilon=1e-8, run_eagerly=False, **network_kwargs):
    """ganzoo's `GAN` (logistic D loss, non-saturating G loss) on `pacgan_networks`, compiled.

    Example:
    ```python
    model = pacgan_model(pac=4, seed=0)
    model.fit(x, batch_size=400, epochs=1)
    ```
    """
    import keras

    import ganzoo

    g, d = pacgan_networks(pac=pac, **network_kwargs)
    model = ganzoo.GAN(g, d, pac=pac, seed=seed, name="gan")
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1, epsilon=adam_epsilon),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1, epsilon=adam_epsilon),
        run_eagerly=run_eagerly,
    )
    return model


def pacgan_epoch(pool, pac, batch_size, steps, rng):
    """`steps` batches of `batch_size · pac` samples drawn with replacement from `pool`.

    Already in random order: `fit` takes them with `shuffle=False`, so that a run cut into
    shorter `fit` calls (benchmarks/mode_coverage_twin.py) sees the same batches.
    """
    idx = rng.integers(0, len(pool), size=steps * batch_size * pac)
    return pool[idx]


def score(samples, modes, std):
    """Modes covered, % high quality, reverse KL and median nearest-mode distance (in stds)."""
    from ganzoo.metrics import mode_coverage

    cov = mode_coverage(samples, modes, std)
    # The median distance to the nearest mode in stds: a learning signal before 3σ is reached.
    dist = np.sqrt(((np.asarray(samples, "float64")[:, None] - np.asarray(modes)[None]) ** 2).sum(-1)).min(1)
    return {"modes": cov["modes_covered"], "high_quality_pct": 100 * cov["high_quality_fraction"],
            "reverse_kl": reverse_kl(cov["mode_counts"]), "median_dist_std": float(np.median(dist) / std)}


def summary(values):
    v = np.asarray(values, "float64")
    std = float(v.std(ddof=1)) if len(v) > 1 else 0.0
    return {"mean": float(v.mean()), "std": std, "se": std / np.sqrt(len(v))}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=("gan", "wgan_gp"), default="gan")
    p.add_argument("--arch", choices=("builder", "pacgan"), default="builder",
                   help="builder: ganzoo.get(MODEL)'s networks; pacgan: PacGAN's 2-D setup (gan only)")
    p.add_argument("--pac", type=int, default=1, help="PacGAN packing m")
    p.add_argument("--dataset", choices=("ring", "grid"), default="ring")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--steps", type=int, default=None,
                   help="training steps (batches); default 5,000 (builder) or 400,000 (pacgan)")
    p.add_argument("--batch-size", type=int, default=100, help="pacgan: packed groups per step")
    # None: the `gan` builder's defaults (ganzoo.get("gan")).
    p.add_argument("--hidden", type=int, nargs="+", default=None)
    p.add_argument("--latent-dim", type=int, default=None)
    p.add_argument("--learning-rate", type=float, default=None)
    p.add_argument("--batchnorm", action="store_true", help="BatchNorm in the generator (gan)")
    p.add_argument("--num-eval", type=int, default=2500)
    p.add_argument("--jsonl", default=None, help="append the summary line to this file")
    args = p.parse_args()
    if args.arch == "pacgan" and args.model != "gan":
        p.error("--arch pacgan is for --model gan")
    if args.pac < 1:
        p.error(f"--pac must be >= 1. Received: --pac {args.pac}")

    import keras

    import ganzoo
    from ganzoo.data import MIXTURE_STD, grid_modes, ring_modes

    modes = ring_modes() if args.dataset == "ring" else grid_modes()
    std = MIXTURE_STD[args.dataset]
    if args.arch == "pacgan":
        steps = args.steps or 400 * PACGAN_EPOCH_STEPS
        epoch_steps = min(PACGAN_EPOCH_STEPS, steps)
        epochs = steps // epoch_steps
        per_step = args.batch_size * args.pac
        overrides = {"arch": "pacgan", "pac": args.pac}
    else:
        steps_per_epoch = 100
        epochs = max(1, (args.steps or 5000) // steps_per_epoch)
        # Real samples one generator step reads: wgan_gp's critic updates each take their own batch.
        per_step = args.batch_size * (5 if args.model == "wgan_gp" else 1)
    rows = []
    for seed in args.seeds:
        keras.utils.set_random_seed(seed)
        if args.arch == "pacgan":
            pool = ganzoo.data.load(args.dataset, seed=seed, num_samples=PACGAN_NUM_SAMPLES)
            rng = np.random.default_rng(seed)
            gan = pacgan_model(args.pac, seed)
            cpu0, t0 = cpu_seconds(), time.time()
            for _ in range(epochs):  # a fresh draw of packed groups each epoch, as the reference
                gan.fit(pacgan_epoch(pool, args.pac, args.batch_size, epoch_steps, rng),
                        batch_size=per_step, epochs=1, shuffle=False, verbose=0)
        else:
            x = ganzoo.data.load(args.dataset, seed=seed, num_samples=steps_per_epoch * per_step)
            overrides = {k: v for k, v in (("latent_dim", args.latent_dim), ("learning_rate", args.learning_rate),
                                           ("hidden_units", args.hidden and tuple(args.hidden)),
                                           ("batchnorm", args.batchnorm or None),
                                           ("pac", args.pac if args.pac > 1 else None)) if v is not None}
            if args.model == "wgan_gp":
                overrides.pop("batchnorm", None)
                if "learning_rate" in overrides:
                    p.error("--learning-rate is for gan; wgan_gp uses the paper's Adam(1e-4, 0.5, 0.9)")
            gan = ganzoo.get(args.model, data_shape=(2,), seed=seed, **overrides)
            cpu0, t0 = cpu_seconds(), time.time()
            gan.fit(x, batch_size=per_step, epochs=epochs, verbose=0)
        wall, cpu = time.time() - t0, cpu_seconds() - cpu0
        row = {"seed": seed, **score(gan.generate(args.num_eval, seed=1000 + seed), modes, std),
               "train_s": round(wall, 1), "train_cpu_s": round(cpu, 1)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    steps_done = epochs * (epoch_steps if args.arch == "pacgan" else steps_per_epoch)
    m, q, k = (summary([r[key] for r in rows]) for key in ("modes", "high_quality_pct", "reverse_kl"))
    out = {
        "benchmark": "mode_coverage", "model": args.model, "dataset": args.dataset, "backend": keras.config.backend(),
        "num_modes": len(modes), "steps": steps_done, "batch_size": args.batch_size,
        "samples_per_step": per_step, "overrides": overrides, "latent_dim": gan.latent_dim,
        "num_eval": args.num_eval,
        "modes_mean": m["mean"], "modes_std": m["std"], "modes_se": m["se"],
        "high_quality_mean": q["mean"], "high_quality_std": q["std"], "high_quality_se": q["se"],
        "reverse_kl_mean": k["mean"], "reverse_kl_std": k["std"], "reverse_kl_se": k["se"],
        "runs": rows,
    }
    line = json.dumps(out)
    print(line)
    if args.jsonl:
        _append_atomic(args.jsonl, line + "\n")


def _append_atomic(path, text):
    """Append `text` (one line and its newline) to `path`, whole-or-absent."""
    from ganzoo.atomic import append_line

    append_line(path, text.rstrip("\n"))


if __name__ == "__main__":
    main()
