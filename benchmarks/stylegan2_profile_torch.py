"""Where the torch backend's `stylegan2` `fit` step spends its CPU time (torch.profiler).

Builds the CPU-sized 32×32 MNIST model of docs/models/stylegan2.md (latent 64, a 2-layer
mapping, `channel_base=512, channel_max=64`), trains one warm-up step through `model.fit`,
then profiles `--steps` steps: a plain one and, with `--r1`, one lazy-R1 step (the
discriminator's update count set to a multiple of `r1_interval` first). Prints the aten
ops by self CPU time, the most frequent ops, and process CPU seconds per step (profiled,
so inflated). `--threads` fixes torch's intra-op threads (1 by default, so that a busy
machine's oversubscription does not decide the shares).

    python benchmarks/stylegan2_profile_torch.py --batch-size 32 --r1
"""
import argparse
import importlib.util
import os
import sys
import time

os.environ["KERAS_BACKEND"] = "torch"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
import torch
from torch.profiler import ProfilerActivity, profile

import ganzoo


def _summarize():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "profile_torch_fit.py")
    spec = importlib.util.spec_from_file_location("profile_torch_fit", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.summarize


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--steps", type=int, default=1)
    p.add_argument("--r1", action="store_true", help="also profile one lazy-R1 step")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0: leave torch's default)")
    p.add_argument("--top", type=int, default=14)
    p.add_argument("--rows", type=int, default=25)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s), load {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores; stylegan2 32x32x1, batch {args.batch_size}")
    model = ganzoo.get("stylegan2", image_shape=(32, 32, 1), latent_dim=64, mapping_layers=2, channel_base=512,
                       channel_max=64, r1_gamma=0.0064, seed=0)
    b = args.batch_size
    x = np.random.default_rng(0).uniform(-1, 1, (b * args.steps, 32, 32, 1)).astype("float32")
    model.fit(x[:b], batch_size=b, epochs=1, verbose=0)  # warm-up: an R1 step (update 0)
    summarize = _summarize()
    runs = [("plain step", None)] + ([("lazy-R1 step", model.r1_interval)] if args.r1 else [])
    for name, iterations in runs:
        if iterations is not None:
            model.d_optimizer.iterations.assign(iterations)
        steps = args.steps if iterations is None else 1
        cpu = time.process_time()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            model.fit(x[:b * steps], batch_size=b, epochs=1, verbose=0, shuffle=False)
        cpu = time.process_time() - cpu
        print(f"\n##### {name}")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows))
        summarize(f"ganzoo stylegan2, torch backend, fit, {name}", prof, steps, cpu, args.top)


if __name__ == "__main__":
    main()
