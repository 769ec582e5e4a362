"""Score a `dcgan` / `gan` / `cgan` trained on `mnist` with the offline MNIST classifier.

Trains nothing: give the `model.keras` written by `ganzoo train ... --dataset mnist`.
Prints one JSON object with
- `confident_fraction`: the fraction of `--num` generated digits (default 1,000) that the
  classifier recognises with max probability >= 0.9, with `confident_per_class`, and the
  same on the real test digits (`confident_fraction_real_test`, the ceiling);
- `fcd`: Fréchet classifier distance between `--num` generated digits and the 1,000 real
  test digits, and `fcd_real_floor`: the same between the 4,000 real train digits and
  the test digits (what a perfect generator of new digits would score);
- for conditional models, `accuracy` / `per_label_accuracy` on 100 generated digits per
  label against the asked label, and `accuracy_real_ceiling` on the real test digits;
  `fcd_per_label`: FCD between the 100 generated digits of each label and the 100 test
  digits of that label, with `fcd_per_label_floor`: the 400 train digits of each label
  against its test digits (few samples per label bias FCD upwards: compare with the floor);
  `within_label_pixel_std`: the mean over pixels of the standard deviation over the 100
  generated digits of a label (how much the noise changes the image), per label, with
  `within_label_pixel_std_real`, the same over the 100 test digits of each label (a
  generator that ignores its noise scores near 0).

    KERAS_BACKEND=jax python benchmarks/mnist_eval.py runs/dcgan-mnist/model.keras
"""
import argparse
import json

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--num", type=int, default=1000, help="Generated digits to score.")
    p.add_argument("--per-label", type=int, default=100)
    p.add_argument("--seed", type=int, default=1, help="Noise seed of the generated digits.")
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo import metrics

    model = ganzoo.load_model(args.model)
    size = model.sample_shape[0]
    clf = metrics.get_mnist_classifier()
    x_train = ganzoo.data.load("mnist", split="train", image_size=size, shuffle=False)
    x_test, y_test = ganzoo.data.load("mnist", split="test", image_size=size, labels=True, shuffle=False)
    out = {"model": args.model, "name": model.name, "backend": keras.config.backend(),
           "image_size": size, "num_generated": args.num, "num_real_test": len(x_test),
           "classifier_test_accuracy": metrics.mnist_class_accuracy(x_test, y_test, clf)["accuracy"]}
    if getattr(model, "data_kind", None) == "labeled":
        labels = np.repeat(np.arange(10), args.per_label).astype("int32")
        per_label = model.generate(len(labels), labels=labels, seed=args.seed)
        acc = metrics.mnist_class_accuracy(per_label, labels, clf)
        out["accuracy"] = acc["accuracy"]
        out["per_label_accuracy"] = acc["per_label_accuracy"]
        out["accuracy_real_ceiling"] = out["classifier_test_accuracy"]
        _, y_train = ganzoo.data.load("mnist", split="train", image_size=size, labels=True, shuffle=False)
        out["fcd_per_label"] = [round(metrics.mnist_frechet_distance(
            per_label[labels == c], x_test[y_test == c], clf), 2) for c in range(10)]
        out["fcd_per_label_floor"] = [round(metrics.mnist_frechet_distance(
            x_train[y_train == c], x_test[y_test == c], clf), 2) for c in range(10)]
        out["within_label_pixel_std"] = [round(float(per_label[labels == c].std(axis=0).mean()), 4)
                                         for c in range(10)]
        out["within_label_pixel_std_real"] = [round(float(x_test[y_test == c].std(axis=0).mean()), 4)
                                              for c in range(10)]
        fake = model.generate(args.num, labels=np.arange(args.num) % 10, seed=args.seed + 1)
    else:
        fake = model.generate(args.num, seed=args.seed)
    conf = metrics.mnist_confident_fraction(fake, clf)
    out["confident_fraction"] = conf["confident_fraction"]
    out["confident_per_class"] = conf["confident_per_class"]
    out["confident_fraction_real_test"] = metrics.mnist_confident_fraction(x_test, clf)["confident_fraction"]
    out["fcd"] = metrics.mnist_frechet_distance(fake, x_test, clf)
    out["fcd_real_floor"] = metrics.mnist_frechet_distance(x_train, x_test, clf)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
