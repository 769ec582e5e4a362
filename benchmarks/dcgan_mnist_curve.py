"""DCGAN on `mnist` as README command 1 trains it, scored during training: a settings sweep.

Trains `ganzoo.get("dcgan", filters=..., learning_rate=..., beta_1=...)` on the 4,000
`mnist` train digits padded to 32×32 with the command line's batches (`ShuffledBatches`,
reshuffled per epoch from `--seed`), and every `--every` epochs scores 1,000 generated
digits (noise seed 1, as `benchmarks/mnist_eval.py`) with the offline MNIST classifier.
Prints (and appends to `--jsonl`) one JSON line per scoring with the updates so far and the
process CPU seconds spent *training* (user + system, scoring excluded), so settings can be
compared at equal CPU cost on a loaded machine. With `--ema-decay` the model keeps the
toolkit's generator EMA and each line also scores the average (`ema_confident`,
`ema_per_class`, `ema_fcd`); `confident` / `fcd` stay the live generator's (the average
does not change training, so they are the run without EMA). `--augment` trains with the
toolkit's DiffAugment policy (`augment=`, e.g. "color,translation,cutout"); `--decay-start E`
decays both learning rates linearly from epoch E towards 0 at the last epoch. `--precise-bn N`
also scores the generator (and the EMA) with BatchNorm statistics re-estimated from N batches
of latent vectors (`ganzoo.precise_bn`; `pbn_*` keys), then restores the moving statistics,
so training and the other scores are unchanged.

    KERAS_BACKEND=jax python benchmarks/dcgan_mnist_curve.py --lr 5e-4 --epochs 35 --every 5
"""
import argparse
import json
import os
import resource
import time

from ganzoo.atomic import append_line


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--filters", type=int, default=16)
    p.add_argument("--latent-dim", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--epochs", type=int, default=35)
    p.add_argument("--every", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--num", type=int, default=1000)
    p.add_argument("--ema-decay", type=float, default=None, help="The toolkit's generator EMA (ema_decay).")
    p.add_argument("--ema-start", type=int, default=0, help="Generator updates before the EMA starts (ema_start).")
    p.add_argument("--augment", default=None,
                   help='The toolkit\'s DiffAugment policy, e.g. "color,translation,cutout" (augment).')
    p.add_argument("--decay-start", type=int, default=None,
                   help="From this epoch (0-based) on, the learning rate decays linearly towards 0 at --epochs "
                        "(keras.callbacks.LearningRateScheduler, both optimizers).")
    p.add_argument("--precise-bn", type=int, default=None,
                   help="Also score each generator (and the EMA) with precise BatchNorm statistics "
                        "(ganzoo.precise_bn) from this many batches of --batch-size latent vectors: "
                        "pbn_confident / pbn_fcd (ema_pbn_...); the moving statistics are put back after.")
    p.add_argument("--jsonl", default=None)
    p.add_argument("--save", default=None, help="Write the trained model here (.keras).")
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo import metrics
    from ganzoo.backend import sync_state
    from ganzoo.resume import EpochSetter, ShuffledBatches

    start_cpu, start_wall = cpu_seconds(), time.time()
    keras.utils.set_random_seed(args.seed)
    clf = metrics.get_mnist_classifier()
    x = ganzoo.data.load("mnist", image_size=32, seed=args.seed)
    x_test = ganzoo.data.load("mnist", split="test", image_size=32, shuffle=False)
    gan = ganzoo.get("dcgan", image_shape=(32, 32, 1), filters=args.filters, latent_dim=args.latent_dim,
                     learning_rate=args.lr, beta_1=args.beta1, seed=args.seed, ema_decay=args.ema_decay,
                     ema_start=args.ema_start,
                     augment=args.augment)
    data = ShuffledBatches(x, args.batch_size, seed=args.seed)
    cfg = {k: getattr(args, k) for k in ("filters", "latent_dim", "batch_size", "lr", "beta1", "seed")}
    if args.ema_decay is not None:
        cfg["ema_decay"] = args.ema_decay
        cfg["ema_start"] = args.ema_start
    if args.augment:
        cfg["augment"] = args.augment
    if args.decay_start is not None:
        cfg["decay_start"] = args.decay_start
    cfg["backend"] = keras.config.backend()
    setup_cpu = cpu_seconds() - start_cpu
    scoring = {"cpu": 0.0, "wall": 0.0}

    def scores(fake, prefix=""):
        """Confident fraction (with its per-class counts) and FCD of `fake`, keys prefixed."""
        conf = metrics.mnist_confident_fraction(fake, clf)
        return {prefix + "confident": round(conf["confident_fraction"], 4),
                prefix + "per_class": [int(v) for v in conf["confident_per_class"]],
                prefix + "fcd": round(float(metrics.mnist_frechet_distance(fake, x_test, clf)), 2)}

    def score_precise(net, prefix):
        """`scores` of `net` with precise BatchNorm statistics; its moving statistics are put back."""
        import numpy as np

        from ganzoo.precise_bn import precise_batch_norm

        stats = [v for v in net.non_trainable_variables if v.path.endswith(("moving_mean", "moving_variance"))]
        saved = [keras.ops.convert_to_numpy(v) for v in stats]
        rng = np.random.default_rng(2)
        precise_batch_norm(net, (rng.standard_normal((args.batch_size, args.latent_dim)).astype("float32")
                                 for _ in range(args.precise_bn)))
        # `generate` would first sync the trainer's state into the variables (on JAX, the
        # old statistics): predict on its noise (seed 1) directly.
        fake = keras.ops.convert_to_numpy(net.predict(gan.example_inputs(args.num, seed=1), batch_size=256, verbose=0))
        for v, a in zip(stats, saved):
            v.assign(a)
        return scores(fake, prefix)

    class Score(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % args.every and epoch + 1 != args.epochs:
                return
            c0, w0 = cpu_seconds(), time.time()
            sync_state(self.model)
            fake = self.model.generate(args.num, seed=1, use_ema=False)
            row = dict(cfg, epoch=epoch + 1, updates=(epoch + 1) * len(data),
                       train_cpu=round(cpu_seconds() - start_cpu - setup_cpu - scoring["cpu"], 1),
                       setup_cpu=round(setup_cpu, 1),
                       wall=round(time.time() - start_wall - scoring["wall"], 1),
                       load1=round(os.getloadavg()[0], 1),
                       **scores(fake),
                       d_loss=round(float(logs.get("d_loss", float("nan"))), 3),
                       g_loss=round(float(logs.get("g_loss", float("nan"))), 3))
            if args.ema_decay is not None:
                row.update(scores(self.model.generate(args.num, seed=1, use_ema=True), "ema_"))
            if args.precise_bn:
                row.update(score_precise(self.model.generator, "pbn_"))
                if args.ema_decay is not None:
                    row.update(score_precise(self.model.ema_model, "ema_pbn_"))
            line = json.dumps(row)
            print(line, flush=True)
            if args.jsonl:
                append_line(args.jsonl, line)  # whole-or-absent (ganzoo.atomic)
            scoring["cpu"] += cpu_seconds() - c0
            scoring["wall"] += time.time() - w0

    callbacks = [EpochSetter(data), Score()]
    if args.decay_start is not None:
        span = args.epochs - args.decay_start
        callbacks.insert(0, keras.callbacks.LearningRateScheduler(
            lambda epoch, lr: args.lr * min(1.0, (args.epochs - epoch) / span)))
    gan.fit(data, epochs=args.epochs, shuffle=False, verbose=0, callbacks=callbacks)
    if args.save:
        gan.save(args.save)


if __name__ == "__main__":
    main()
