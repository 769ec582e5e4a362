"""Where the torch backend's DCGAN `fit` step spends its time (torch.profiler table).

Run: `python benchmarks/profile_torch_fit.py [--image-size 64] [--batch-size 16]`
(CPU here; on a CUDA machine add `--device cuda` to include kernel times).
"""
import argparse
import os
import sys

os.environ["KERAS_BACKEND"] = "torch"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

import ganzoo  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = p.parse_args()
    size, b = args.image_size, args.batch_size
    model = ganzoo.get("dcgan", image_shape=(size, size, 3), seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (b * args.steps, size, size, 3)).astype("float32")
    model.fit(x[:b], batch_size=b, epochs=1, verbose=0)  # warm-up
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if args.device == "cuda" else [])
    with profile(activities=activities) as prof:
        model.fit(x, batch_size=b, epochs=1, verbose=0)
    sort = "self_cuda_time_total" if args.device == "cuda" else "self_cpu_time_total"
    print(prof.key_averages().table(sort_by=sort, row_limit=18))


if __name__ == "__main__":
    main()
