"""Does a cgan trained on k labelled digits help a classifier? GAN-train and augmentation, measured.

Issue 17 item 5. For each k (real labelled MNIST train digits, k/10 per class, drawn per
seed) and seed:

1. train `ganzoo.get("cgan", filters=--filters, learning_rate=--gan-lr,
   discriminator=--gan-discriminator, pac=--gan-pac)` (defaults: the MNIST setting of
   docs/models/cgan.md) on the k digits for `--gan-updates` updates of batch 32 (the k digits repeated to 4,000 rows per epoch, reshuffled);
2. generate `--num-generated` digits, equally many per label;
3. train the same classifier three times — (a) on the k real digits, (b) on the generated
   digits only ("GAN-train", Shmelkov et al. 2018), (c) on real + generated — and report
   each one's accuracy on the 1,000 real test digits.

The classifier is the project's MNIST CNN and recipe (`build_mnist_classifier`, the
training set plus its 2-pixel `shifted_copies`, Adam 2e-3, batch 128) run for the same
number of updates whatever the training set's size (`--clf-updates`; the set repeated to
fill them), so small sets are not under-trained. One JSON line per (k, seed) with the three
accuracies, the cgan's class accuracy on its own generated digits, and CPU seconds; the
mean ± std over seeds per k at the end.

    KERAS_BACKEND=jax python benchmarks/gan_augmentation.py --ks 100 500 4000 --seeds 0 1 2
"""
import argparse
import json
import math
import resource
import time

import numpy as np

from ganzoo.atomic import append_line


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def repeat_to(n_rows, *arrays):
    """Arrays repeated (whole copies) to at least `n_rows` rows."""
    reps = max(1, math.ceil(n_rows / len(arrays[0])))
    return [np.concatenate([a] * reps) for a in arrays]


def stratified_subset(y, k, seed):
    """Indices of k/10 digits per class, drawn with `seed`."""
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == c))[:k // 10] for c in range(10)]))


def train_classifier(x, y, updates, seed, batch_size=128):
    """The project's MNIST CNN recipe for a fixed number of updates; returns the model."""
    from ganzoo.metrics import _classifiers
    from ganzoo.metrics import mnist_classifier as mc

    x5, y5 = mc.shifted_copies(x), np.tile(y, 5)
    steps_per_epoch = math.ceil(len(x5) / batch_size)
    epochs = max(1, round(updates / steps_per_epoch))
    return _classifiers.fit_classifier(mc.build_mnist_classifier(), x5, y5, epochs=epochs, seed=seed,
                                       learning_rate=mc.LEARNING_RATE, batch_size=batch_size)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ks", type=int, nargs="+", default=[100, 500, 4000])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--filters", type=int, default=16)
    p.add_argument("--gan-updates", type=int, default=2500)
    p.add_argument("--gan-lr", type=float, default=1e-3)
    p.add_argument("--gan-discriminator", default="projection")
    p.add_argument("--gan-pac", type=int, default=2)
    p.add_argument("--num-generated", type=int, default=4000)
    p.add_argument("--clf-updates", type=int, default=400)
    p.add_argument("--jsonl", default=None)
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo import metrics

    x_all, y_all = ganzoo.data.load("mnist", split="train", image_size=32, labels=True, shuffle=False)
    x_test, y_test = ganzoo.data.load("mnist", split="test", image_size=32, labels=True, shuffle=False)
    judge = metrics.get_mnist_classifier()
    rows = []
    for k in args.ks:
        for seed in args.seeds:
            c0, w0 = cpu_seconds(), time.time()
            idx = stratified_subset(y_all, k, seed)
            x_k, y_k = x_all[idx], y_all[idx].astype("int32")
            keras.utils.set_random_seed(seed)
            gan = ganzoo.get("cgan", image_shape=(32, 32, 1), num_classes=10, filters=args.filters, seed=seed,
                             learning_rate=args.gan_lr, discriminator=args.gan_discriminator, pac=args.gan_pac)
            xr, yr = repeat_to(4000, x_k, y_k)
            steps = math.ceil(len(xr) / 32)
            gan.fit(xr, yr, batch_size=32, epochs=max(1, round(args.gan_updates / steps)), verbose=0)
            gan_cpu = cpu_seconds() - c0
            y_gen = np.repeat(np.arange(10), args.num_generated // 10).astype("int32")
            x_gen = gan.generate(len(y_gen), labels=y_gen, seed=seed + 100)
            gen_acc = metrics.mnist_class_accuracy(x_gen, y_gen, judge)["accuracy"]
            acc = {}
            for name, (x, y) in {"real": (x_k, y_k), "gan_train": (x_gen, y_gen),
                                 "real_plus_generated": (np.concatenate([x_k, x_gen]),
                                                         np.concatenate([y_k, y_gen]))}.items():
                clf = train_classifier(x, y, args.clf_updates, seed)
                acc[name] = metrics.mnist_class_accuracy(x_test, y_test, clf)["accuracy"]
            row = {"k": k, "seed": seed, "backend": keras.config.backend(), "filters": args.filters,
                   "gan_updates": args.gan_updates, "gan_lr": args.gan_lr,
                   "gan_discriminator": args.gan_discriminator, "gan_pac": args.gan_pac, "clf_updates": args.clf_updates,
                   "num_generated": len(y_gen), "cgan_class_accuracy": round(gen_acc, 4),
                   **{f"acc_{n}": round(v, 4) for n, v in acc.items()},
                   "gan_cpu_s": round(gan_cpu, 1), "total_cpu_s": round(cpu_seconds() - c0, 1),
                   "wall_s": round(time.time() - w0, 1)}
            rows.append(row)
            print(json.dumps(row), flush=True)
            if args.jsonl:
                append_line(args.jsonl, json.dumps(row))  # whole-or-absent (ganzoo.atomic)
    summary = {}
    for k in args.ks:
        sel = [r for r in rows if r["k"] == k]
        summary[k] = {n: f"{np.mean([r[n] for r in sel]):.4f} ± {np.std([r[n] for r in sel]):.4f}"
                      for n in ("acc_real", "acc_gan_train", "acc_real_plus_generated", "cgan_class_accuracy")}
    print(json.dumps({"summary": summary}, indent=1))


if __name__ == "__main__":
    main()
