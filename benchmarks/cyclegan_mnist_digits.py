"""CycleGAN between two real handwriting styles: MNIST (A) ↔ scikit-learn digits (B).

Trains `ganzoo.get("cyclegan")` on `ganzoo.data.load_mnist_digits("train")` (1,500 MNIST
digits and 1,500 different scikit-learn digits, unpaired), then measures label
preservation in both directions on held-out digits, each with the classifier of the
domain translated *into* (neither classifier ever saw a translation):

- A→B: `get_digits_classifier()` on `G_AB(mnist test)` (1,000) against the MNIST labels;
  reference: the same classifier on the real digits test split (its ceiling) and on the
  MNIST test digits left untranslated (what the translation has to beat);
- B→A: `get_mnist_classifier()` on `G_BA(digits test)` (297) against the digits labels;
  reference: the MNIST classifier on real MNIST test digits (ceiling) and on the digits
  left untranslated;
- style: the MNIST classifier's Fréchet distance (FCD) of `G_BA(digits)` and of the raw
  digits to the real MNIST test digits (lower: closer to MNIST), and the cycle L1 errors.

At `--image-size 16` the MNIST classifier sees the 16×16 images enlarged bilinearly to
32×32 (its ceiling is measured the same way). Writes input / translation / reconstruction
grids to `--images` and prints one JSON object.

    KERAS_BACKEND=jax python benchmarks/cyclegan_mnist_digits.py --epochs 6 --constant-epochs 3
"""
import argparse
import json
import os
import resource
import time

import numpy as np


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def to_mnist_size(x):
    """16×16 images enlarged to the MNIST classifier's 32×32 (32×32 returned as they are)."""
    from ganzoo.data.embedded import resize_bilinear

    if x.shape[1] == 32:
        return x
    return resize_bilinear(x[..., 0], 32)[..., None].astype("float32")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--image-size", type=int, default=16)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--constant-epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--filters", type=int, default=16)
    p.add_argument("--disc-filters", type=int, default=16)
    p.add_argument("--blocks", type=int, default=6)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--images", default="docs/images")
    p.add_argument("--save", default=None, help="Also save the trained model (.keras).")
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo import metrics
    from ganzoo.plotting import save_image_grid

    keras.utils.set_random_seed(args.seed)
    a, b = ganzoo.data.load_mnist_digits("train", image_size=args.image_size)
    a_test, b_test, ya, yb = ganzoo.data.load_mnist_digits("test", image_size=args.image_size, labels=True)
    model = ganzoo.get(
        "cyclegan", image_shape=a.shape[1:], channels_b=b.shape[-1], filters=args.filters,
        disc_filters=args.disc_filters, num_residual_blocks=args.blocks,
        constant_epochs=args.constant_epochs, decay_epochs=args.epochs - args.constant_epochs,
        seed=args.seed,
    )
    c0, w0 = cpu_seconds(), time.time()
    rng = np.random.default_rng(args.seed)
    history = {}
    for epoch in range(args.epochs):  # B re-permuted every epoch: no (a, b) pairing is fixed
        h = model.fit(a, b[rng.permutation(len(b))], batch_size=args.batch_size, epochs=epoch + 1,
                      initial_epoch=epoch, verbose=0)
        for k, v in h.history.items():
            history.setdefault(k, []).extend(float(x) for x in v)
        print(json.dumps({"epoch": epoch + 1, **{k: round(v[-1], 4) for k, v in history.items()},
                          "cpu_s": round(cpu_seconds() - c0, 1), "wall_s": round(time.time() - w0, 1)}), flush=True)
    train_cpu, train_wall = cpu_seconds() - c0, time.time() - w0

    fake_b = model.translate(a_test, "a_to_b")
    rec_a = model.translate(fake_b, "b_to_a")
    fake_a = model.translate(b_test, "b_to_a")
    rec_b = model.translate(fake_a, "a_to_b")
    mnist_clf = metrics.get_mnist_classifier()
    digits_clf = metrics.get_digits_classifier()

    def digits_acc(x, y):
        return float(np.mean(np.argmax(digits_clf.predict(x, verbose=0, batch_size=256), -1) == y))

    def mnist_acc(x, y):
        return metrics.mnist_class_accuracy(to_mnist_size(x), y, mnist_clf)["accuracy"]

    mnist_ref = to_mnist_size(a_test)
    result = {
        "backend": keras.config.backend(),
        "config": vars(args),
        "train_cpu_s": round(train_cpu, 1),
        "train_wall_s": round(train_wall, 1),
        "load1_end": round(os.getloadavg()[0], 1),
        "steps": int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)),
        "a_to_b_label_preservation": digits_acc(fake_b, ya),
        "a_to_b_ceiling_digits_clf_on_real_digits_test": digits_acc(b_test, yb),
        "a_to_b_baseline_digits_clf_on_untranslated_mnist": digits_acc(a_test, ya),
        "b_to_a_label_preservation": mnist_acc(fake_a, yb),
        "b_to_a_ceiling_mnist_clf_on_real_mnist_test": mnist_acc(a_test, ya),
        "b_to_a_baseline_mnist_clf_on_untranslated_digits": mnist_acc(b_test, yb),
        "fcd_to_mnist_test_of_translated_digits": float(metrics.mnist_frechet_distance(
            to_mnist_size(fake_a), mnist_ref, mnist_clf)),
        "fcd_to_mnist_test_of_untranslated_digits": float(metrics.mnist_frechet_distance(
            to_mnist_size(b_test), mnist_ref, mnist_clf)),
        "cycle_l1_a": float(np.mean(np.abs(rec_a - a_test))),
        "cycle_l1_b": float(np.mean(np.abs(rec_b - b_test))),
        "final_losses": {k: v[-1] for k, v in history.items()},
    }
    os.makedirs(args.images, exist_ok=True)
    n = 10
    save_image_grid(np.concatenate([a_test[:n], fake_b[:n], rec_a[:n]]),
                    os.path.join(args.images, "cyclegan_mnist_to_digits.png"), ncols=n,
                    title="MNIST (test) / G_AB: as sklearn digits / back")
    save_image_grid(np.concatenate([b_test[:n], fake_a[:n], rec_b[:n]]),
                    os.path.join(args.images, "cyclegan_digits_to_mnist.png"), ncols=n,
                    title="sklearn digits (test) / G_BA: as MNIST / back")
    if args.save:
        model.save(args.save)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
