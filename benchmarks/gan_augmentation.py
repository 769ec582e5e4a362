"""Does a cgan trained on k labelled digits help a classifier? GAN-train and augmentation, measured.

Issue 17 item 5. For each k (real labelled MNIST train digits, k/10 per class, drawn per
seed) and seed:

1. train `ganzoo.get("cgan", filters=--filters, learning_rate=--gan-lr,
   discriminator=--gan-discriminator, pac=--gan-pac)` (defaults: the MNIST setting of
   docs/models/cgan.md) on the k digits for exactly `--gan-updates` updates of batch 32
   (shuffled whole passes over the k digits, the last one cut short);
2. generate `--num-generated` digits, equally many per label;
3. train the same classifier three times — (a) on the k real digits, (b) on the generated
   digits only ("GAN-train", Shmelkov et al. 2018), (c) on real + generated — and report
   each one's accuracy on the 1,000 real test digits.

The classifier is the project's MNIST CNN and recipe (`build_mnist_classifier`, the
training set plus its 2-pixel `shifted_copies`, Adam 2e-3, batch 128) run for the same
number of updates whatever the training set's size (exactly `--clf-updates` batches of
shuffled whole passes over the set), so small sets are not under-trained. One JSON line per
(k, seed) with the three accuracies, the cgan's class accuracy on its own generated digits
(judged by `ganzoo.metrics.get_mnist_classifier()`), and CPU seconds; the mean ± sample std
over seeds per k at the end.

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


def passes(n_rows, n, seed):
    """`n_rows` indices into `n` rows: shuffled whole passes, the last one cut short.

    Fitting one epoch on `passes(updates * batch_size, ...)` rows with `shuffle=False` gives
    exactly `updates` full batches, each row seen the same number of times (give or take one).
    """
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.permutation(n) for _ in range(math.ceil(n_rows / n))])[:n_rows]


def stratified_subset(y, k, seed):
    """Indices of k/10 digits per class, drawn with `seed`."""
    rng = np.random.default_rng(seed)
    return np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == c))[:k // 10] for c in range(10)]))


def train_classifier(x, y, updates, seed, batch_size=128):
    """The project's MNIST CNN recipe for a fixed number of updates; returns the model."""
    from ganzoo.metrics import _classifiers
    from ganzoo.metrics import mnist_classifier as mc

    x5, y5 = mc.shifted_copies(x), np.tile(y, 5)
    idx = passes(updates * batch_size, len(x5), seed)  # exactly `updates` batches, one epoch
    return _classifiers.fit_classifier(mc.build_mnist_classifier(), x5[idx], y5[idx], epochs=1, seed=seed,
                                       learning_rate=mc.LEARNING_RATE, batch_size=batch_size)


def within_label_spread(x, y):
    """Per-pixel std over the digits of one label, averaged over pixels, then over labels.

    The diversity within a label: a generator that gives one digit per label whatever its
    noise scores near 0; compare with the same figure on real digits.
    """
    return float(np.mean([np.std(x[y == c], axis=0).mean() for c in np.unique(y)]))


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
    test_spread = within_label_spread(x_test, y_test)
    rows = []
    for k in args.ks:
        for seed in args.seeds:
            c0, w0 = cpu_seconds(), time.time()
            idx = stratified_subset(y_all, k, seed)
            x_k, y_k = x_all[idx], y_all[idx].astype("int32")
            keras.utils.set_random_seed(seed)
            gan = ganzoo.get("cgan", image_shape=(32, 32, 1), num_classes=10, filters=args.filters, seed=seed,
                             learning_rate=args.gan_lr, discriminator=args.gan_discriminator, pac=args.gan_pac)
            rows_idx = passes(args.gan_updates * 32, len(x_k), seed)  # exactly --gan-updates batches
            gan.fit(x_k[rows_idx], y_k[rows_idx], batch_size=32, epochs=1, shuffle=False, verbose=0)
            gan_cpu = cpu_seconds() - c0
            y_gen = np.repeat(np.arange(10), args.num_generated // 10).astype("int32")
            x_gen = gan.generate(len(y_gen), labels=y_gen, seed=seed + 100)
            gen_acc = metrics.mnist_class_accuracy(x_gen, y_gen, judge)["accuracy"]
            acc, clf_cpu = {}, {}
            for name, (x, y) in {"real": (x_k, y_k), "gan_train": (x_gen, y_gen),
                                 "real_plus_generated": (np.concatenate([x_k, x_gen]),
                                                         np.concatenate([y_k, y_gen]))}.items():
                c1 = cpu_seconds()
                clf = train_classifier(x, y, args.clf_updates, seed)
                clf_cpu[name] = round(cpu_seconds() - c1, 1)
                acc[name] = metrics.mnist_class_accuracy(x_test, y_test, clf)["accuracy"]
            row = {"k": k, "seed": seed, "backend": keras.config.backend(), "filters": args.filters,
                   "gan_updates": args.gan_updates, "gan_lr": args.gan_lr,
                   "gan_discriminator": args.gan_discriminator, "gan_pac": args.gan_pac, "clf_updates": args.clf_updates,
                   "num_generated": len(y_gen), "cgan_class_accuracy": round(gen_acc, 4),
                   "generated_within_label_spread": round(within_label_spread(x_gen, y_gen), 4),
                   "test_within_label_spread": round(test_spread, 4),
                   **{f"acc_{n}": round(v, 4) for n, v in acc.items()},
                   "gan_cpu_s": round(gan_cpu, 1), "clf_cpu_s": clf_cpu, "total_cpu_s": round(cpu_seconds() - c0, 1),
                   "wall_s": round(time.time() - w0, 1)}
            rows.append(row)
            print(json.dumps(row), flush=True)
            if args.jsonl:
                append_line(args.jsonl, json.dumps(row))  # whole-or-absent (ganzoo.atomic)
    summary = {}
    for k in args.ks:
        sel = [r for r in rows if r["k"] == k]
        ddof = 1 if len(sel) > 1 else 0  # the sample std over seeds
        summary[k] = {n: f"{np.mean([r[n] for r in sel]):.4f} ± {np.std([r[n] for r in sel], ddof=ddof):.4f}"
                      for n in ("acc_real", "acc_gan_train", "acc_real_plus_generated", "cgan_class_accuracy")}
    print(json.dumps({"summary": summary}, indent=1))


if __name__ == "__main__":
    main()
