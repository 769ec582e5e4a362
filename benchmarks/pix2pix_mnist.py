"""Pix2Pix on a restoration it can learn on a CPU: occluded, noisy MNIST digits → clean.

Pairs: the bundled MNIST digits (`ganzoo.data.load("mnist", image_size=32)`), degraded by
`ganzoo.data.occlude_and_noise` (one mid-grey square of side 12-16 px near the centre,
then Gaussian noise σ = 0.3 in [-1, 1] units, clipped). Training pairs are drawn fresh
for every pass over the 4,000 train digits (seed `1000 * seed + pass`); the 1,000 test
digits are degraded once, with seed `--test-seed` (the same for every training seed),
and never trained on.

For each seed it trains, for the same number of updates on the same batches of pairs:
- pix2pix: `ganzoo.get("pix2pix")` (U-Net + PatchGAN, GAN + 100 · L1, Adam(2e-4, 0.5));
- L1 only: the same U-Net (`ganzoo.models.pix2pix.unet_generator`, same width, seed and
  optimizer) trained by `keras.Model.fit` on the L1 loss alone (the paper's "L1" ablation),
and scores on the held-out test digits, against the clean digits: PSNR (per image on
[0, 1], then the mean), the offline MNIST classifier's Fréchet distance (FCD) to the
1,000 clean test digits, and its accuracy on the degraded digit's true label, for the
degraded input, pix2pix, L1 only and the clean digits (for the clean digits the FCD is
the real-vs-real floor: the 4,000 clean train digits against the 1,000 clean test
digits; clean test against itself would be 0). CPU-s are the process's user + sys time.

Appends one JSON line per seed to `--out` and writes a grid (rows: input | pix2pix |
L1 only | clean) for the first seed.

    KERAS_BACKEND=jax PYTHONPATH=. python benchmarks/pix2pix_mnist.py --steps 1000 --seeds 0 1 2
"""
import argparse
import json
import os
import time

import numpy as np


def psnr(pred, target):
    """Mean over images of the PSNR (dB) on [0, 1], images given in [-1, 1]."""
    p = (np.clip(np.asarray(pred, "float64"), -1, 1) + 1) / 2
    t = (np.asarray(target, "float64") + 1) / 2
    mse = np.mean((p - t) ** 2, axis=tuple(range(1, p.ndim)))
    return float(np.mean(10 * np.log10(1.0 / np.maximum(mse, 1e-10))))


def training_pairs(x_train, steps, batch_size, seed, mask_size, noise_std):
    """`steps * batch_size` (degraded, clean) pairs: passes over `x_train`, fresh degradation each."""
    from ganzoo.data import occlude_and_noise

    need = steps * batch_size
    a, b = [], []
    for k in range(-(-need // len(x_train))):
        order = np.random.default_rng(1000 * seed + k).permutation(len(x_train))
        clean = x_train[order]
        a.append(occlude_and_noise(clean, mask_size=mask_size, noise_std=noise_std, seed=1000 * seed + k))
        b.append(clean)
    return np.concatenate(a)[:need], np.concatenate(b)[:need]


def _cpu():
    t = os.times()
    return t.user + t.system


def run_seed(args, seed, data, clf):
    import keras

    import ganzoo
    from ganzoo import metrics
    from ganzoo.models.pix2pix import unet_generator

    x_train, x_test, y_test, a_test = data
    a, b = training_pairs(x_train, args.steps, args.batch_size, seed, tuple(args.mask_size), args.noise_std)
    shape = a.shape[1:]

    keras.utils.set_random_seed(seed)
    model = ganzoo.get("pix2pix", image_shape=shape, filters=args.filters, disc_filters=args.filters, seed=seed)
    cpu = _cpu()
    wall = time.time()
    hist = model.fit(a, b, batch_size=args.batch_size, epochs=1, shuffle=False, verbose=0)
    pix_cpu, pix_wall = _cpu() - cpu, time.time() - wall

    keras.utils.set_random_seed(seed)
    l1 = unet_generator(shape, shape[-1], filters=args.filters, seed=seed, name="l1_only")
    l1.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5), loss="mae")
    cpu = _cpu()
    wall = time.time()
    l1_hist = l1.fit(a, b, batch_size=args.batch_size, epochs=1, shuffle=False, verbose=0)
    l1_cpu, l1_wall = _cpu() - cpu, time.time() - wall

    cpu = _cpu()
    outputs = {
        "input": a_test,
        "pix2pix": np.asarray(model.translate(a_test), "float32"),
        "l1_only": np.asarray(l1.predict(a_test, verbose=0, batch_size=256), "float32"),
    }
    scores = {}
    for name, images in outputs.items():
        scores[name] = {
            "psnr": round(psnr(images, x_test), 3),
            "fcd": round(metrics.mnist_frechet_distance(images, x_test, clf), 3),
            "accuracy": round(metrics.mnist_class_accuracy(images, y_test, clf)["accuracy"], 4),
        }
    scores["clean"] = {
        "psnr": None,
        "fcd": round(metrics.mnist_frechet_distance(x_train, x_test, clf), 3),
        "accuracy": round(metrics.mnist_class_accuracy(x_test, y_test, clf)["accuracy"], 4),
    }
    score_cpu = _cpu() - cpu
    result = {
        "benchmark": "pix2pix_mnist",
        "backend": keras.config.backend(),
        "seed": seed,
        "config": {k: v for k, v in vars(args).items() if k not in ("seeds", "out", "images")},
        "updates": args.steps,
        "train_pairs": len(a), "test_digits": len(x_test),
        "cpu_s": {"pix2pix": round(pix_cpu, 1), "l1_only": round(l1_cpu, 1), "scoring": round(score_cpu, 1)},
        "wall_s": {"pix2pix": round(pix_wall, 1), "l1_only": round(l1_wall, 1)},
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "scores": scores,
        "targets": {
            "pix2pix_psnr_above_input": scores["pix2pix"]["psnr"] > scores["input"]["psnr"],
            "pix2pix_fcd_below_l1_only": scores["pix2pix"]["fcd"] < scores["l1_only"]["fcd"],
        },
        "final_losses": {
            "pix2pix": {k: round(float(v[-1]), 4) for k, v in hist.history.items()},
            "l1_only": round(float(l1_hist.history["loss"][-1]), 4),
        },
    }
    return result, outputs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=1000, help="Updates of each model (both the same).")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--filters", type=int, default=16, help="U-Net and PatchGAN width (the paper: 64).")
    p.add_argument("--mask-size", type=int, nargs=2, default=[12, 16])
    p.add_argument("--noise-std", type=float, default=0.3)
    p.add_argument("--test-seed", type=int, default=12345)
    p.add_argument("--num-train", type=int, default=None, help="Use only the first N train digits.")
    p.add_argument("--num-test", type=int, default=None, help="Score only the first N test digits.")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--out", default="benchmarks/results/pix2pix_mnist.jsonl")
    p.add_argument("--images", default="docs/images/pix2pix_mnist.png",
                   help="Grid of the first seed ('' for none).")
    args = p.parse_args(argv)

    import ganzoo
    from ganzoo import metrics
    from ganzoo.atomic import append_line
    from ganzoo.plotting import save_image_grid

    x_train = ganzoo.data.load("mnist", split="train", image_size=32, shuffle=False, num_samples=args.num_train)
    x_test, y_test = ganzoo.data.load("mnist", split="test", image_size=32, labels=True, shuffle=False,
                                      num_samples=args.num_test)
    a_test = ganzoo.data.occlude_and_noise(x_test, mask_size=tuple(args.mask_size), noise_std=args.noise_std,
                                           seed=args.test_seed)
    clf = metrics.get_mnist_classifier()
    results = []
    for i, seed in enumerate(args.seeds):
        result, outputs = run_seed(args, seed, (x_train, x_test, y_test, a_test), clf)
        if args.out:
            append_line(args.out, json.dumps(result))
        print(json.dumps(result), flush=True)
        results.append(result)
        if i == 0 and args.images:
            # One row per class (its first test digit): degraded input | pix2pix | L1 only | clean.
            rows = [int(np.flatnonzero(y_test == c)[0]) for c in range(10) if np.any(y_test == c)]
            grid = np.stack([outputs["input"][rows], outputs["pix2pix"][rows], outputs["l1_only"][rows],
                             x_test[rows]], axis=1).reshape((-1,) + x_test.shape[1:])
            save_image_grid(grid, args.images, ncols=4, title="input | pix2pix | L1 only | clean")
    return results


if __name__ == "__main__":
    main()
