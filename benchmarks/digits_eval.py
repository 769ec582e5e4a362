"""Evaluate a `cgan` or `dcgan` trained on `digits` with the offline digits classifier.

Trains nothing: give the `model.keras` written by `ganzoo train ... --dataset digits`.
Prints one JSON object with
- `fcd`: Fréchet classifier distance between 1,500 generated images and the 297 real
  test digits, and `fcd_real_floor`: the same between the 1,500 real train digits and
  the test digits (what a perfect generator of new digits would score);
- for conditional models, `accuracy` / `per_label_accuracy` of the classifier on 100
  generated images per label against the asked label, and `accuracy_real_ceiling` on
  the real test digits.

    KERAS_BACKEND=jax python benchmarks/digits_eval.py runs/cgan/model.keras
"""
import argparse
import json

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--per-label", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()

    import keras

    import ganzoo  # noqa: F401  (registers the model classes for loading)
    from ganzoo import metrics

    model = keras.saving.load_model(args.model)
    size = model.sample_shape[0]
    clf = metrics.get_digits_classifier()
    x_train = ganzoo.data.load("digits", split="train", image_size=size, shuffle=False)
    x_test, y_test = ganzoo.data.load("digits", split="test", image_size=size, labels=True, shuffle=False)
    out = {"model": args.model, "name": model.name, "backend": keras.config.backend(),
           "image_size": size, "num_real_test": len(x_test)}
    conditional = getattr(model, "data_kind", None) == "labeled"
    if conditional:
        labels = np.repeat(np.arange(10), args.per_label).astype("int32")
        images = model.generate(len(labels), labels=labels, seed=args.seed)
        acc = metrics.digits_class_accuracy(images, labels, clf)
        out["accuracy"] = acc["accuracy"]
        out["per_label_accuracy"] = acc["per_label_accuracy"]
        out["accuracy_real_ceiling"] = metrics.digits_class_accuracy(x_test, y_test, clf)["accuracy"]
    fake = model.generate(len(x_train), seed=args.seed + 1)
    out["fcd"] = metrics.frechet_classifier_distance(fake, x_test, clf)
    out["fcd_real_floor"] = metrics.frechet_classifier_distance(x_train, x_test, clf)
    out["num_generated_for_fcd"] = len(fake)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
