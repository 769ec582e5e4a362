"""CPU work of the NaN guard's gradient check on the torch backend: variants side by side.

`record_nonfinite` (ganzoo/guards.py) decides whether an update's gradients are finite
from one float32 total. This script times, in ONE process and round-robin, the DCGAN
`fit` step with that total computed four ways:

  chain    the current code: a sum per gradient, added one by one (about 2 ops per gradient)
  stacked  a sum per gradient, stacked, one final sum (keras.ops only; N + 2 ops)
  foreach  torch._foreach_norm(grads, 1): one multi-tensor op, stacked and summed
  none     no gradient check (the loss check only): the lower bound

Each round trains `--steps` steps per variant; the report is the median CPU-seconds
(`time.process_time`) and wall seconds per step of each, and the difference to `chain`.
torch runs eagerly, so swapping the function takes effect at once on the same model.

Run: `KERAS_BACKEND=torch python benchmarks/guard_fusion.py --image-size 16 --batch-size 4`
"""
import argparse
import json
import os
import statistics
import sys
import time

os.environ["KERAS_BACKEND"] = "torch"
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from keras import ops  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo import guards  # noqa: E402


def total_chain(grads):
    total = None
    for g in grads:
        s = ops.sum(ops.cast(g, "float32"))
        total = s if total is None else total + s
    return total


def total_stacked(grads):
    return ops.sum(ops.stack([ops.sum(ops.cast(g, "float32")) for g in grads]))


def total_foreach(grads):
    return torch.stack(torch._foreach_norm([g.float() for g in grads], 1)).sum()


def make_guard(total_fn):
    """`record_nonfinite` with its gradient total computed by `total_fn` (None: no check)."""

    def record(model, optimizer_name, loss, grads):
        optimizer = getattr(model, optimizer_name)
        finite = ops.all(ops.isfinite(loss))
        if total_fn is not None and grads and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            finite = ops.logical_and(finite, ops.isfinite(total_fn(grads)))
        index = list(model.optimizer_networks).index(optimizer_name) + 1
        update_number = ops.cast(optimizer.iterations.value, "int32") + 1
        new = ops.stack([ops.convert_to_tensor(index, "int32"), update_number])
        state = model.nonfinite_state
        current = state.value
        first = ops.logical_and(ops.logical_not(finite), ops.equal(current[0], 0))
        state.assign(ops.where(first, new, current))

    return record


VARIANTS = {"chain": total_chain, "stacked": total_stacked, "foreach": total_foreach, "none": None}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--image-size", type=int, default=16)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    # The variants agree on what they flag: finite gradients pass, one NaN or Inf fails.
    grads = [torch.randn(4, 4, 3, 8), torch.randn(8)]
    for fn in (total_chain, total_stacked, total_foreach):
        assert bool(torch.isfinite(fn(grads)))
        for bad in (float("nan"), float("inf")):
            broken = [grads[0].clone(), grads[1]]
            broken[0][1, 2, 0, 3] = bad
            assert not bool(torch.isfinite(fn(broken)))
    size, b = args.image_size, args.batch_size
    model = ganzoo.get("dcgan", image_shape=(size, size, 3), seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (b * args.steps, size, size, 3)).astype("float32")
    original = guards.record_nonfinite
    cpu = {k: [] for k in VARIANTS}
    wall = {k: [] for k in VARIANTS}
    load = [os.getloadavg()[0]]
    try:
        model.fit(x[: 2 * b], batch_size=b, epochs=1, verbose=0)  # warm-up
        for _ in range(args.repeats):
            for name, fn in VARIANTS.items():
                guards.record_nonfinite = make_guard(fn)
                c, t = time.process_time(), time.perf_counter()
                model.fit(x, batch_size=b, epochs=1, verbose=0, shuffle=False)
                cpu[name].append((time.process_time() - c) / args.steps)
                wall[name].append((time.perf_counter() - t) / args.steps)
            load.append(os.getloadavg()[0])
    finally:
        guards.record_nonfinite = original
    base = statistics.median(cpu["chain"])
    for name in VARIANTS:
        med = statistics.median(cpu[name])
        print(json.dumps({
            "variant": name, "image_size": size, "batch_size": b, "threads": torch.get_num_threads(),
            "cpu_ms_per_step": round(1000 * med, 3), "wall_ms_per_step": round(1000 * statistics.median(wall[name]), 3),
            "cpu_change_vs_chain_pct": round(100 * (med - base) / base, 2),
            "cpu_ms_spread": [round(1000 * v, 3) for v in sorted(cpu[name])],
            "load_1min_max": round(max(load), 2), "cpu_count": os.cpu_count(),
            "loaded": max(load) > os.cpu_count()}), flush=True)


if __name__ == "__main__":
    main()
