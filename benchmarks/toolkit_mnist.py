"""The stability toolkit measured on the bundled MNIST: one row of docs/stability.md per call.

Trains one named row (`ROWS`: dcgan or wgan_gp, ± spectral norm, ± DiffAugment, on all
4,000 train digits or a stratified subset) on 32×32 digits at filters 16 (the README main
job's setting: dcgan with Adam 1e-3, batch 32; wgan_gp with the paper's Adam(1e-4, 0.5,
0.9), n_critic 5 and λ 10, 32 real digits per critic update), for `--steps` generator
updates, and scores 1,000 generated digits (noise seed 1) with the offline MNIST
classifier every `--score-every` updates:

- `confident`: the fraction recognised with max probability >= 0.9, with `per_class`;
- `class_kl`: KL(confident digits' class histogram ‖ uniform) in nats: 0 when the ten
  digits are equally represented, ln 10 = 2.30 when all are one digit (null when no
  digit is confident);
- `fcd`: Fréchet classifier distance to the 1,000 test digits, with `fcd_floor` (the
  4,000 real train digits against the test digits) and, for a subset row,
  `fcd_subset_floor` (its own real digits against the test digits).

Every row also keeps the toolkit's generator EMA (`--ema-decay`, default 0.995: an average
over about 200 updates, which suits runs of ~1,000 updates) and scores both generators:
`live` and `ema`. The average never feeds back into training, so `live` is the same row
without EMA (the same seed gives the same live generator with or without it).

Each scoring point appends one JSON line (config, updates, process CPU seconds spent
training, scoring excluded, the CPU seconds of all scoring so far (`score_cpu`) and the
metrics) to `--out`, written atomically.

    KERAS_BACKEND=jax python benchmarks/toolkit_mnist.py dcgan_sn --steps 1250 --seed 0
    KERAS_BACKEND=jax python benchmarks/toolkit_mnist.py --list
"""
import argparse
import json
import os
import resource
import time

import numpy as np

DIFFAUGMENT = "color,translation,cutout"

#: Row name -> the model, the real digits it trains on, and its toolkit options.
ROWS = {
    "dcgan": {"model": "dcgan", "train": 4000},
    "dcgan_sn": {"model": "dcgan", "train": 4000, "spectral_norm": True},
    "dcgan_da": {"model": "dcgan", "train": 4000, "augment": DIFFAUGMENT},
    "dcgan_sn_da": {"model": "dcgan", "train": 4000, "spectral_norm": True, "augment": DIFFAUGMENT},
    "dcgan_400": {"model": "dcgan", "train": 400},
    "dcgan_400_da": {"model": "dcgan", "train": 400, "augment": DIFFAUGMENT},
    "wgan_gp": {"model": "wgan_gp", "train": 4000},
    "wgan_gp_sn": {"model": "wgan_gp", "train": 4000, "spectral_norm": True},
    "wgan_gp_da": {"model": "wgan_gp", "train": 4000, "augment": DIFFAUGMENT},
    "wgan_gp_1000": {"model": "wgan_gp", "train": 1000},
}

NUM_CLASSES = 10
TRAIN_SIZE = 4000


def cpu_seconds():
    """User + system CPU seconds of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def parse_args(argv=None):
    """Parse and check the command line; errors name the argument and the value.

    Args:
        argv: list of str or None. The arguments; `None` reads `sys.argv[1:]`.
            Defaults to None.

    Returns:
        argparse.Namespace.

    Example:
    ```python
    args = parse_args(["dcgan_400_da", "--steps", "500", "--score-every", "250"])
    ```
    """
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("row", nargs="?", help=f"One of: {', '.join(ROWS)}.")
    p.add_argument("--list", action="store_true", help="Print the rows and exit.")
    p.add_argument("--steps", type=int, default=1250, help="Generator updates. Defaults to 1250.")
    p.add_argument("--score-every", type=int, default=None,
                   help="Score every this many updates (a divisor of --steps). Defaults to --steps.")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch-size", type=int, default=32,
                   help="Real digits per discriminator (critic) update. Defaults to 32.")
    p.add_argument("--filters", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3, help="dcgan's Adam learning rate (the main job's).")
    p.add_argument("--ema-decay", type=float, default=0.995)
    p.add_argument("--num", type=int, default=1000, help="Generated digits scored.")
    p.add_argument("--out", default=os.path.join("benchmarks", "results", "toolkit_mnist.jsonl"))
    args = p.parse_args(argv)
    if args.list:
        return args
    if args.row not in ROWS:
        raise ValueError(f"`row` must be one of {sorted(ROWS)}. Received: row={args.row!r}")
    for name in ("steps", "batch_size", "filters", "num"):
        if getattr(args, name) < 1:
            raise ValueError(f"`{name}` must be >= 1. Received: {name}={getattr(args, name)}")
    if args.score_every is None:
        args.score_every = args.steps
    if args.score_every < 1 or args.steps % args.score_every:
        raise ValueError("`score_every` must be a positive divisor of `steps`. "
                         f"Received: score_every={args.score_every}, steps={args.steps}")
    if not 0.0 <= args.ema_decay < 1.0:
        raise ValueError(f"`ema_decay` must be in [0, 1). Received: ema_decay={args.ema_decay}")
    if not args.lr > 0:
        raise ValueError(f"`lr` must be > 0. Received: lr={args.lr}")
    return args


def row_config(args):
    """The JSON-able settings of a run: the row's options and the command line's.

    Args:
        args: argparse.Namespace. From `parse_args`.

    Returns:
        dict.

    Example:
    ```python
    row_config(parse_args(["wgan_gp_1000"]))["train"]  # 1000
    ```
    """
    row = dict(ROWS[args.row])
    cfg = {"row": args.row, "model": row.pop("model"), "train": row.pop("train"),
           "spectral_norm": row.get("spectral_norm", False), "augment": row.get("augment"),
           "filters": args.filters, "batch_size": args.batch_size, "seed": args.seed,
           "ema_decay": args.ema_decay, "steps": args.steps}
    if cfg["model"] == "dcgan":
        cfg["lr"] = args.lr
    else:
        cfg.update(lr=1e-4, d_steps=5, gp_weight=10.0)
    return cfg


def stratified_subset(x, y, total):
    """The first `total / 10` digits of every class, in the order given.

    Args:
        x: numpy array `(n, ...)`. Images.
        y: numpy array `(n,)`. Labels 0..9.
        total: int. A positive multiple of 10, at most what every class holds times 10.

    Returns:
        `(x_subset, y_subset)`, in ascending index order.

    Example:
    ```python
    x, y = ganzoo.data.load("mnist", image_size=32, labels=True, shuffle=False)
    x400, y400 = stratified_subset(x, y, 400)
    ```
    """
    if isinstance(total, bool) or not isinstance(total, int) or total < NUM_CLASSES or total % NUM_CLASSES:
        raise ValueError(f"`total` must be a positive multiple of {NUM_CLASSES}. Received: total={total!r}")
    per_class = total // NUM_CLASSES
    idx = []
    for k in range(NUM_CLASSES):
        members = np.flatnonzero(y == k)
        if len(members) < per_class:
            raise ValueError(f"Class {k} holds {len(members)} digits, fewer than {per_class}. "
                             f"Received: total={total}")
        idx.append(members[:per_class])
    idx = np.sort(np.concatenate(idx))
    return x[idx], y[idx]


def class_kl(per_class):
    """KL divergence (nats) of a class histogram from the uniform distribution; NaN if empty.

    Example:
    ```python
    class_kl([10] * 10)  # 0.0
    ```
    """
    counts = np.asarray(per_class, dtype="float64")
    if counts.sum() <= 0:
        return float("nan")
    p = counts / counts.sum()
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] * len(p))))


def append_line(path, row):
    """Append `row` as one JSON line to `path`, atomically (the old lines + the new one, replaced).

    Example:
    ```python
    append_line("benchmarks/results/toolkit_mnist.jsonl", {"row": "dcgan"})
    ```
    """
    from ganzoo import atomic

    atomic.append_line(path, json.dumps(row))


def build_model(cfg):
    """The row's model (dcgan or wgan_gp at 32×32×1), built and compiled."""
    import ganzoo

    toolkit = {"spectral_norm": cfg["spectral_norm"], "augment": cfg["augment"], "ema_decay": cfg["ema_decay"],
                   "seed": cfg["seed"]}
    if cfg["model"] == "dcgan":
        return ganzoo.get("dcgan", image_shape=(32, 32, 1), filters=cfg["filters"], learning_rate=cfg["lr"],
                          **toolkit)
    return ganzoo.get("wgan_gp", image_shape=(32, 32, 1), filters=cfg["filters"], d_steps=cfg["d_steps"],
                      gp_weight=cfg["gp_weight"], **toolkit)


def main(argv=None):
    args = parse_args(argv)
    if args.list:
        for name, row in ROWS.items():
            print(name, json.dumps(row))
        return
    cfg = row_config(args)

    import keras

    import ganzoo
    from ganzoo import metrics
    from ganzoo.backend import sync_state
    from ganzoo.resume import EpochSetter, ShuffledBatches

    start_cpu, start_wall = cpu_seconds(), time.time()
    cfg["backend"] = keras.config.backend()
    keras.utils.set_random_seed(args.seed)
    clf = metrics.get_mnist_classifier()
    if cfg["train"] == TRAIN_SIZE:  # as benchmarks/dcgan_mnist_curve.py: the same batches for a seed
        x = ganzoo.data.load("mnist", image_size=32, seed=args.seed)
    else:
        x_all, y_all = ganzoo.data.load("mnist", image_size=32, labels=True, shuffle=False)
        x, _ = stratified_subset(x_all, y_all, cfg["train"])
    x_train = ganzoo.data.load("mnist", image_size=32, shuffle=False)
    x_test = ganzoo.data.load("mnist", split="test", image_size=32, shuffle=False)
    floors = {"fcd_floor": round(float(metrics.mnist_frechet_distance(x_train, x_test, clf)), 2)}
    if cfg["train"] != TRAIN_SIZE:
        floors["fcd_subset_floor"] = round(float(metrics.mnist_frechet_distance(x, x_test, clf)), 2)
    gan = build_model(cfg)
    fit_batch = args.batch_size * cfg.get("d_steps", 1)  # wgan_gp splits its batch over the critic updates
    cfg["fit_batch"] = fit_batch
    data = ShuffledBatches(x, fit_batch, seed=args.seed, steps_per_epoch=args.score_every)
    setup_cpu = cpu_seconds() - start_cpu
    scoring = {"cpu": 0.0, "wall": 0.0}

    def score(images):
        conf = metrics.mnist_confident_fraction(images, clf)
        per_class = [int(v) for v in conf["confident_per_class"]]
        return {"confident": round(conf["confident_fraction"], 4), "per_class": per_class,
                "class_kl": None if sum(per_class) == 0 else round(class_kl(per_class), 4),
                "fcd": round(float(metrics.mnist_frechet_distance(images, x_test, clf)), 2)}

    class Score(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            c0, w0 = cpu_seconds(), time.time()
            sync_state(self.model)
            line = dict(cfg, updates=(epoch + 1) * args.score_every,
                        train_cpu=round(cpu_seconds() - start_cpu - setup_cpu - scoring["cpu"], 1),
                        setup_cpu=round(setup_cpu, 1),
                        wall=round(time.time() - start_wall - scoring["wall"], 1),
                        load1=round(os.getloadavg()[0], 1), **floors,
                        live=score(self.model.generate(args.num, seed=1, use_ema=False)),
                        ema=score(self.model.generate(args.num, seed=1, use_ema=True)),
                        d_loss=round(float(logs.get("d_loss", float("nan"))), 3),
                        g_loss=round(float(logs.get("g_loss", float("nan"))), 3))
            scoring["cpu"] += cpu_seconds() - c0
            line["score_cpu"] = round(scoring["cpu"], 1)  # all scoring so far, this point's included
            print(json.dumps(line), flush=True)
            append_line(args.out, line)
            scoring["wall"] += time.time() - w0

    gan.fit(data, epochs=args.steps // args.score_every, shuffle=False, verbose=0,
            callbacks=[EpochSetter(data), Score()])


if __name__ == "__main__":
    main()
