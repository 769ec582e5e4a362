"""CycleGAN on digits ↔ restyled digits: label preservation and cycle error.

Trains `ganzoo.get("cyclegan")` on the two unpaired digit domains of
`ganzoo.data.embedded_pairs.load_digit_domains` (A: plain digits, 1 channel; B:
inverted, thickened, coloured digits, 3 channels; 750 different digits each), then on
the 297 held-out test digits measures

- label preservation B→A: the digits classifier's accuracy on `G_BA(b_test)` against
  the true labels (the classifier was trained on plain train digits only);
- label preservation A→B: its accuracy on the luma of `G_AB(a_test)`, inverted
  (the restyle's colours undone), next to the same measure on the real restyled digits;
- cycle-reconstruction error: mean |F(G(a)) - a| and |G(F(b)) - b| in [-1, 1] units;

and writes PNG grids (input / translated / reconstructed) under docs/images/.
Prints one JSON object.

Run: KERAS_BACKEND=jax python benchmarks/cyclegan_digits.py --epochs 6 --constant-epochs 3
"""
import argparse
import json
import os
import time

import numpy as np


def _classifier():
    """The project digits classifier, or a stated fallback trained here on the train split."""
    try:
        from ganzoo.metrics import get_digits_classifier

        clf = get_digits_classifier()
        return lambda x: np.argmax(clf.predict(x, verbose=0, batch_size=256), -1), "ganzoo.metrics.get_digits_classifier"
    except ImportError:
        from sklearn.linear_model import LogisticRegression

        from ganzoo.data.embedded import resize_bilinear
        import ganzoo.data

        x, y = ganzoo.data.load("digits", split="train", labels=True, shuffle=False)
        lr = LogisticRegression(max_iter=2000).fit(x.reshape(len(x), -1), y)

        def predict(images):
            small = resize_bilinear(images[..., 0], 8)
            return lr.predict(small.reshape(len(small), -1))

        return predict, "fallback: sklearn LogisticRegression on 8x8 train digits (ganzoo.metrics not merged)"


def destyle(b):
    """Luma of a restyled digit, inverted back to light ink on a dark background, in [-1, 1]."""
    luma = b[..., :1] * 0.299 + b[..., 1:2] * 0.587 + b[..., 2:3] * 0.114
    lo, hi = luma.min(axis=(1, 2, 3), keepdims=True), luma.max(axis=(1, 2, 3), keepdims=True)
    return (1.0 - 2.0 * (luma - lo) / np.maximum(hi - lo, 1e-6)).astype("float32")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--image-size", type=int, default=32)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--constant-epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--filters", type=int, default=32)
    p.add_argument("--disc-filters", type=int, default=32)
    p.add_argument("--blocks", type=int, default=6)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--images", default="docs/images")
    p.add_argument("--save", default=None, help="Also save the trained model (.keras).")
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo.data.embedded_pairs import load_digit_domains
    from ganzoo.plotting import save_image_grid

    keras.utils.set_random_seed(args.seed)
    a, b = load_digit_domains("train", image_size=args.image_size)
    a_test, b_test, y_test, _ = load_digit_domains("test", image_size=args.image_size, labels=True)
    model = ganzoo.get(
        "cyclegan", image_shape=a.shape[1:], channels_b=b.shape[-1], filters=args.filters,
        disc_filters=args.disc_filters, num_residual_blocks=args.blocks,
        constant_epochs=args.constant_epochs, decay_epochs=args.epochs - args.constant_epochs,
        seed=args.seed,
    )
    start = time.time()
    # fit shuffles A and B independently? No: it shuffles the (a, b) rows together, but
    # the two halves hold different digits, so the pairs carry no correspondence; shuffle
    # B once more per epoch anyway through a fresh permutation.
    history = {}
    rng = np.random.default_rng(args.seed)
    for epoch in range(args.epochs):
        h = model.fit(a, b[rng.permutation(len(b))], batch_size=args.batch_size, epochs=epoch + 1,
                      initial_epoch=epoch, verbose=0)
        for k, v in h.history.items():
            history.setdefault(k, []).extend(float(x) for x in v)
        print(json.dumps({"epoch": epoch + 1, **{k: round(v[-1], 4) for k, v in history.items()},
                          "lr": float(keras.ops.convert_to_numpy(model.g_optimizer.learning_rate)),
                          "seconds": round(time.time() - start, 1)}), flush=True)
    train_s = time.time() - start

    fake_b = model.translate(a_test, "a_to_b")
    rec_a = model.translate(fake_b, "b_to_a")
    fake_a = model.translate(b_test, "b_to_a")
    rec_b = model.translate(fake_a, "a_to_b")
    predict, clf_name = _classifier()
    acc = lambda x: float(np.mean(predict(x) == y_test))  # noqa: E731
    result = {
        "backend": keras.config.backend(),
        "config": vars(args),
        "train_seconds": round(train_s, 1),
        "steps": int(keras.ops.convert_to_numpy(model.g_optimizer.iterations)),
        "final_learning_rate": float(keras.ops.convert_to_numpy(model.g_optimizer.learning_rate)),
        "classifier": clf_name,
        "accuracy_real_a_test": acc(a_test),
        "label_preservation_b_to_a": acc(fake_a),
        "accuracy_destyled_real_b_test": acc(destyle(b_test)),
        "label_preservation_a_to_b_destyled": acc(destyle(fake_b)),
        "cycle_l1_a": float(np.mean(np.abs(rec_a - a_test))),
        "cycle_l1_b": float(np.mean(np.abs(rec_b - b_test))),
        "l1_fake_b_vs_true_restyle": float(np.mean(np.abs(fake_b - b_test))),
        "final_losses": {k: v[-1] for k, v in history.items()},
    }
    os.makedirs(args.images, exist_ok=True)
    gray3 = lambda x: np.repeat(x, 3, -1) if x.shape[-1] == 1 else x  # noqa: E731
    n = 10
    save_image_grid(np.concatenate([gray3(a_test[:n]), fake_b[:n], gray3(rec_a[:n])]),
                    os.path.join(args.images, "cyclegan_digits_a_to_b.png"), ncols=n,
                    title="A (test) / G_AB(A) / G_BA(G_AB(A))")
    save_image_grid(np.concatenate([b_test[:n], gray3(fake_a[:n]), rec_b[:n]]),
                    os.path.join(args.images, "cyclegan_digits_b_to_a.png"), ncols=n,
                    title="B (test) / G_BA(B) / G_AB(G_BA(B))")
    if args.save:
        model.save(args.save)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
