"""StyleGAN2 training throughput at 32×32 through `model.fit`, on the backend of this process.

Builds the `stylegan2` model of docs/models/stylegan2.md's MNIST run (32×32×1 unless told
otherwise), trains `--warmup` steps (compilation included, not timed), then `--repeats`
times `--steps` steps, each timed by wall clock and by this process's CPU time
(`time.process_time`: user + system of all its threads). Prints one JSON line with the
median images/s (wall) and CPU-seconds per image, and the 1-minute load average before
and after: rows taken with a load above the core count carry `load_warning` and are not
figures for publication. Data stays resident (one random batch in [-1, 1]), so no input
pipeline is measured; every step is a full StyleGAN2 step (lazy R1 on every
`r1_interval`-th one, as in training).

With `--backends jax,tensorflow,torch` it runs itself once per backend, one after the
other, each in a fresh process (`KERAS_BACKEND` set), and prints each backend's JSON line
as it comes (`--jsonl` also appends them to a file). `--torch-threads` fixes torch's
intra-op threads (0: torch's default, one per core); the row records the count used.

    KERAS_BACKEND=jax python benchmarks/stylegan2_throughput.py --batch-size 32 --steps 16
    python benchmarks/stylegan2_throughput.py --backends jax,tensorflow,torch --jsonl stylegan2_throughput.jsonl
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from ganzoo.atomic import append_line


def run_backends(args, argv):
    # One fresh process per backend (Keras picks its backend at import), one after the other.
    own = []
    skip = False
    for item in argv:
        if skip:
            skip = False
            continue
        if item in ("--backends", "--jsonl"):
            skip = True
            continue
        if item.startswith(("--backends=", "--jsonl=")):
            continue
        own.append(item)
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        env = dict(os.environ, KERAS_BACKEND=backend)
        done = subprocess.run([sys.executable, os.path.abspath(__file__)] + own, env=env, capture_output=True,
                              text=True, check=False)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        row = json.loads(lines[-1]) if done.returncode == 0 and lines else {
            "backend": backend, "error": (done.stderr.strip().splitlines() or ["no output"])[-1],
            "returncode": done.returncode}
        line = json.dumps(row)
        print(line, flush=True)
        if args.jsonl:
            append_line(args.jsonl, line)  # whole-or-absent (ganzoo.atomic)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--channels", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=16, help="Steps per timed repeat (16: one lazy R1 each).")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--dtype", default="float32")
    p.add_argument("--backends", default=None, help="Comma-separated: run each in its own process, in turn.")
    p.add_argument("--jsonl", default=None, help="With --backends: also append each row to this file.")
    p.add_argument("--torch-threads", type=int, default=0, help="torch intra-op threads (0: torch's default).")
    args = p.parse_args()
    if args.backends:
        return run_backends(args, sys.argv[1:])

    import ast

    import keras
    import numpy as np

    import ganzoo

    threads = None
    if keras.config.backend() == "torch":
        import torch

        if args.torch_threads:
            torch.set_num_threads(args.torch_threads)
        threads = torch.get_num_threads()
    keras.config.set_dtype_policy(args.dtype)
    kwargs = {"latent_dim": 64, "mapping_layers": 2, "channel_base": 512, "channel_max": 64, "r1_gamma": 0.0064,
              "ema_decay": 0.99}
    for item in args.overrides:
        key, _, value = item.partition("=")
        try:
            kwargs[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            kwargs[key] = value
    keras.utils.set_random_seed(0)
    model = ganzoo.get("stylegan2", image_shape=(args.size, args.size, args.channels), **kwargs)
    x = np.random.default_rng(0).uniform(-1, 1, (args.batch_size,) + model.sample_shape).astype("float32")
    load_before = os.getloadavg()[0]

    def run(steps):
        model.fit(np.repeat(x, steps, axis=0), batch_size=args.batch_size, epochs=1, verbose=0, shuffle=False)

    run(args.warmup)
    walls, cpus = [], []
    for _ in range(args.repeats):
        cpu0, t0 = time.process_time(), time.perf_counter()
        run(args.steps)
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - cpu0)
    load_after = os.getloadavg()[0]
    images = args.steps * args.batch_size
    row = {
        "backend": keras.config.backend(), "dtype": args.dtype, "size": args.size, "batch_size": args.batch_size,
        "steps": args.steps, "repeats": args.repeats, "builder": kwargs,
        "parameters": int(model.generator.count_params() + model.discriminator.count_params()),
        "images_per_s": round(images / statistics.median(walls), 2),
        "cpu_s_per_image": round(statistics.median(cpus) / images, 4),
        "wall_s": [round(w, 2) for w in walls], "cpu_s": [round(c, 2) for c in cpus],
        "cpu_s_per_step": round(statistics.median(cpus) / args.steps, 4), "torch_threads": threads,
        "load_before": round(load_before, 2), "load_after": round(load_after, 2), "cores": os.cpu_count(),
    }
    row["load_warning"] = (f"load {max(load_before, load_after):.1f} > {os.cpu_count()} cores: measured under load"
                           if max(load_before, load_after) > os.cpu_count() else None)
    print(json.dumps(row))


if __name__ == "__main__":
    main()
