"""Where the torch backend's DCGAN `fit` step spends its time, against the native peer's step.

Run: `python benchmarks/profile_torch_fit.py [--image-size 64] [--batch-size 16] [--threads 1]`
(CPU here; on a CUDA machine add `--device cuda` to include kernel times).

Prints, for ganzoo's `dcgan` trained by `model.fit` on the torch backend and (with
`--peer`) for the native PyTorch peer of `dcgan_throughput.py`: the aten ops per training
step (every `aten::` event the profiler records, nested ones included), CPU time per step
(profiled, so inflated), and the ops that occur most often and those with the most
self CPU time. `--threads` fixes torch's intra-op threads (1 by default, so that a busy
machine's oversubscription does not decide the shares).
"""
import argparse
import collections
import importlib.util
import os
import sys
import time

os.environ["KERAS_BACKEND"] = "torch"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.profiler import ProfilerActivity, profile  # noqa: E402

import ganzoo  # noqa: E402


def _bench_module():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dcgan_throughput.py")
    spec = importlib.util.spec_from_file_location("dcgan_throughput", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def summarize(name, prof, steps, cpu_seconds, top):
    events = [e for e in prof.events() if e.name.startswith("aten::")]
    counts = collections.Counter(e.name for e in events)
    self_us = collections.Counter()
    for e in events:
        self_us[e.name] += e.self_cpu_time_total
    print(f"\n== {name}: {len(events) / steps:.0f} aten ops per step, "
          f"{cpu_seconds / steps:.3f} CPU-s per step (profiled)")
    print("most frequent:", ", ".join(f"{k} {v / steps:.0f}" for k, v in counts.most_common(top)))
    total = sum(self_us.values()) or 1
    print("most self CPU:", ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in self_us.most_common(top)))
    return len(events) / steps


def profile_ganzoo(args, activities):
    size, b = args.image_size, args.batch_size
    model = ganzoo.get("dcgan", image_shape=(size, size, 3), seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (b * args.steps, size, size, 3)).astype("float32")
    model.fit(x[:b], batch_size=b, epochs=1, verbose=0)  # warm-up
    cpu = time.process_time()
    with profile(activities=activities) as prof:
        model.fit(x, batch_size=b, epochs=1, verbose=0, shuffle=False)
    return prof, time.process_time() - cpu


def profile_peer(args, activities):
    bench = _bench_module()
    device = torch.device(args.device)
    net_g, net_d = (n.to(device) for n in bench.peer_networks(args.image_size))
    opt_g = torch.optim.Adam(net_g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(net_d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    criterion = torch.nn.BCEWithLogitsLoss()
    b, size = args.batch_size, args.image_size
    real = torch.rand(b, 3, size, size, device=device) * 2 - 1
    ones, zeros = torch.ones(b, device=device), torch.zeros(b, device=device)

    def step():  # the step of dcgan_throughput.run_peer in float32
        fake = net_g(torch.randn(b, 100, 1, 1, device=device))
        opt_d.zero_grad(set_to_none=True)
        err_d = criterion(net_d(real).view(-1), ones) + criterion(net_d(fake.detach()).view(-1), zeros)
        err_d.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        err_g = criterion(net_d(fake).view(-1), ones)
        err_g.backward()
        opt_g.step()

    step()  # warm-up
    cpu = time.process_time()
    with profile(activities=activities) as prof:
        for _ in range(args.steps):
            step()
    return prof, time.process_time() - cpu


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (0: leave torch's default)")
    p.add_argument("--peer", action="store_true", help="also profile the native PyTorch peer's step")
    p.add_argument("--top", type=int, default=12)
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} intra-op thread(s), load {os.getloadavg()[0]:.2f} "
          f"on {os.cpu_count()} cores; {args.image_size}x{args.image_size}x3, batch {args.batch_size}")
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if args.device == "cuda" else [])
    prof, cpu = profile_ganzoo(args, activities)
    sort = "self_cuda_time_total" if args.device == "cuda" else "self_cpu_time_total"
    print(prof.key_averages().table(sort_by=sort, row_limit=18))
    summarize("ganzoo dcgan, torch backend, fit", prof, args.steps, cpu, args.top)
    if args.peer:
        prof, cpu = profile_peer(args, activities)
        summarize("native PyTorch peer", prof, args.steps, cpu, args.top)


if __name__ == "__main__":
    main()
