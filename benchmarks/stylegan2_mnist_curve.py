"""`stylegan2` (or `progan`) on `mnist` at 32×32, scored during training at equal CPU cost.

The same measurement as `benchmarks/dcgan_mnist_curve.py` (whose rows are the dcgan
reference): trains on the 4,000 `mnist` train digits padded to 32×32, in `ShuffledBatches`
reshuffled per epoch from `--seed`, and at the end of every `--every` epochs scores 1,000
generated digits (noise seed 1, as `benchmarks/mnist_eval.py`) with the offline MNIST
classifier: the confident fraction (max probability ≥ 0.9), its per-class counts and the
Fréchet classifier distance to the 1,000 test digits. Each row carries the updates so far
and the process CPU seconds spent *training* (`resource.getrusage`, user + system of all
threads; compilation included, set-up and scoring excluded), so runs compare at equal CPU
on a loaded machine, where wall clock says nothing. Training stops at the first scoring
past `--max-train-cpu`.

Builder arguments: the CPU-sized model of docs/models/stylegan2.md unless `--set`
overrides them; `--lr` sets both Adam learning rates (the paper's betas kept).

    KERAS_BACKEND=jax python benchmarks/stylegan2_mnist_curve.py --max-train-cpu 400 --jsonl curve.jsonl --save sg2.keras
    KERAS_BACKEND=jax python benchmarks/stylegan2_mnist_curve.py --model progan --batch-size 16 --steps-per-epoch 400 \\
        --set filters=32 --set stable_steps=400 --set fade_steps=400
"""
import argparse
import ast
import json
import os
import resource
import time

from ganzoo.atomic import append_line

#: The CPU-sized 32×32 builder arguments of docs/models/stylegan2.md (the ADA paper's
#: automatic configuration for this size and batch: γ = 0.0002·32²/32, a 2-layer mapping).
DEFAULTS = {
    "stylegan2": {"latent_dim": 64, "mapping_layers": 2, "channel_base": 512, "channel_max": 64,
                  "r1_gamma": 0.0064, "ema_decay": 0.99},
    "progan": {"filters": 32, "stable_steps": 400, "fade_steps": 400},
}


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=sorted(DEFAULTS), default="stylegan2")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=None, help="Both Adam learning rates (default: the model's).")
    p.add_argument("--epochs", type=int, default=100, help="At most this many epochs.")
    p.add_argument("--steps-per-epoch", type=int, default=None, help="Default: one pass over the 4,000 digits.")
    p.add_argument("--every", type=int, default=1, help="Score every this many epochs.")
    p.add_argument("--max-train-cpu", type=float, default=400.0, help="Stop at the first scoring past this.")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--num", type=int, default=1000)
    p.add_argument("--jsonl", default=None)
    p.add_argument("--save", default=None, help="Write the model here (.keras) at every scoring.")
    args = p.parse_args()

    import keras

    import ganzoo
    from ganzoo import metrics
    from ganzoo.backend import sync_state
    from ganzoo.resume import EpochSetter, ShuffledBatches
    from ganzoo.saving import save_atomic

    start_cpu, start_wall = cpu_seconds(), time.time()
    kwargs = dict(DEFAULTS[args.model])
    for item in args.overrides:
        key, _, value = item.partition("=")
        try:
            kwargs[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            kwargs[key] = value
    keras.utils.set_random_seed(args.seed)
    clf = metrics.get_mnist_classifier()
    x = ganzoo.data.load("mnist", image_size=32, seed=args.seed)
    x_test = ganzoo.data.load("mnist", split="test", image_size=32, shuffle=False)
    gan = ganzoo.get(args.model, image_shape=(32, 32, 1), seed=args.seed, **kwargs)
    if args.lr is not None:
        opts = {}
        for name in gan.optimizer_networks:
            cfg = getattr(gan, name).get_config()
            opts[name] = keras.optimizers.Adam(args.lr, beta_1=cfg["beta_1"], beta_2=cfg["beta_2"],
                                               epsilon=cfg["epsilon"])
        gan.compile(**opts)
    data = ShuffledBatches(x, args.batch_size, seed=args.seed, steps_per_epoch=args.steps_per_epoch)
    cfg = {"model": args.model, "builder": kwargs, "batch_size": args.batch_size, "lr": args.lr, "seed": args.seed,
           "backend": keras.config.backend()}
    setup_cpu = cpu_seconds() - start_cpu
    scoring = {"cpu": 0.0, "wall": 0.0}

    class Score(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % args.every and epoch + 1 != args.epochs:
                return
            c0, w0 = cpu_seconds(), time.time()
            sync_state(self.model)
            fake = self.model.generate(args.num, seed=1)
            conf = metrics.mnist_confident_fraction(fake, clf)
            train_cpu = cpu_seconds() - start_cpu - setup_cpu - scoring["cpu"] - (cpu_seconds() - c0)
            row = dict(cfg, epoch=epoch + 1, updates=(epoch + 1) * len(data),
                       train_cpu=round(train_cpu, 1), setup_cpu=round(setup_cpu, 1),
                       wall=round(time.time() - start_wall - scoring["wall"], 1),
                       load1=round(os.getloadavg()[0], 1),
                       confident=round(conf["confident_fraction"], 4),
                       per_class=[int(v) for v in conf["confident_per_class"]],
                       fcd=round(float(metrics.mnist_frechet_distance(fake, x_test, clf)), 2),
                       **{k: round(float(v), 4) for k, v in (logs or {}).items()})
            if args.model == "progan":
                row["growth"] = self.model.growth()
            line = json.dumps(row)
            print(line, flush=True)
            if args.jsonl:
                append_line(args.jsonl, line)  # whole-or-absent (ganzoo.atomic)
            scoring["cpu"] += cpu_seconds() - c0
            scoring["wall"] += time.time() - w0
            if args.save:  # after every scoring, so that a run stopped early leaves its last model
                save_atomic(self.model, args.save)
            if train_cpu >= args.max_train_cpu:
                self.model.stop_training = True

    gan.fit(data, epochs=args.epochs, shuffle=False, verbose=0, callbacks=[EpochSetter(data), Score()])


if __name__ == "__main__":
    main()
