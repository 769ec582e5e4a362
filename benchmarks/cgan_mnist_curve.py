"""cgan on `mnist` as `ganzoo train cgan --dataset mnist` trains it, scored during training.

Trains `ganzoo.get("cgan", filters=..., learning_rate=..., discriminator=...)` on the 4,000
`mnist` train digits padded to 32×32 with the command line's batches (`ShuffledBatches`,
the data and the orders of `--seed`, as `ganzoo train ... --seed`), and every `--every`
epochs generates `--per-label` digits of each label (noise seed 1, as
`benchmarks/mnist_eval.py`) and scores them with the offline MNIST classifier: class
accuracy against the asked label, per label, and the confident fraction. Prints (and
appends to `--jsonl`) one JSON line per scoring with the updates so far and the process
CPU seconds spent *training* (user + system, scoring excluded).

    KERAS_BACKEND=jax python benchmarks/cgan_mnist_curve.py --lr 1e-3 --epochs 16 --every 4
"""
import argparse
import json
import os
import resource
import time

import numpy as np

from ganzoo.atomic import append_line


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--filters", type=int, default=16)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--discriminator", default="concat")
    p.add_argument("--epochs", type=int, default=16)
    p.add_argument("--every", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--per-label", type=int, default=100)
    p.add_argument("--jsonl", default=None)
    p.add_argument("--save", default=None, help="Write the trained model here (.keras).")
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo import metrics
    from ganzoo.backend import sync_state
    from ganzoo.metrics._classifiers import predict_probs
    from ganzoo.resume import EpochSetter, ShuffledBatches

    start_cpu, start_wall = cpu_seconds(), time.time()
    keras.utils.set_random_seed(args.seed)
    x, y = ganzoo.data.load("mnist", image_size=32, seed=args.seed, labels=True)
    gan = ganzoo.get("cgan", image_shape=(32, 32, 1), num_classes=10, filters=args.filters,
                     learning_rate=args.lr, discriminator=args.discriminator, seed=args.seed)
    clf = metrics.get_mnist_classifier()  # after the build: the networks' initial weights are the CLI's
    data = ShuffledBatches((x, y), args.batch_size, seed=args.seed)
    cfg = {k: getattr(args, k) for k in ("filters", "batch_size", "lr", "discriminator", "seed")}
    cfg["backend"] = keras.config.backend()
    setup_cpu = cpu_seconds() - start_cpu
    scoring = {"cpu": 0.0, "wall": 0.0}
    labels = np.repeat(np.arange(10), args.per_label).astype("int32")

    class Score(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % args.every and epoch + 1 != args.epochs:
                return
            c0, w0 = cpu_seconds(), time.time()
            sync_state(self.model)
            fake = self.model.generate(len(labels), labels=labels, seed=1)
            acc = metrics.mnist_class_accuracy(fake, labels, clf)
            predicted = np.argmax(predict_probs(fake, clf), axis=-1).reshape(10, -1)
            row = dict(cfg, epoch=epoch + 1, updates=(epoch + 1) * len(data),
                       train_cpu=round(cpu_seconds() - start_cpu - setup_cpu - scoring["cpu"], 1),
                       setup_cpu=round(setup_cpu, 1),
                       wall=round(time.time() - start_wall - scoring["wall"], 1),
                       load1=round(os.getloadavg()[0], 1),
                       accuracy=round(float(acc["accuracy"]), 4),
                       per_label_accuracy={str(k): round(float(v), 2) for k, v in acc["per_label_accuracy"].items()},
                       most_predicted=[int(np.bincount(row, minlength=10).argmax()) for row in predicted],
                       confident=round(float(metrics.mnist_confident_fraction(fake, clf)["confident_fraction"]), 4),
                       d_loss=round(float(logs.get("d_loss", float("nan"))), 3),
                       g_loss=round(float(logs.get("g_loss", float("nan"))), 3))
            line = json.dumps(row)
            print(line, flush=True)
            if args.jsonl:
                append_line(args.jsonl, line)  # whole-or-absent (ganzoo.atomic)
            scoring["cpu"] += cpu_seconds() - c0
            scoring["wall"] += time.time() - w0

    gan.fit(data, epochs=args.epochs, shuffle=False, verbose=0, callbacks=[EpochSetter(data), Score()])
    if args.save:
        gan.save(args.save)


if __name__ == "__main__":
    main()
