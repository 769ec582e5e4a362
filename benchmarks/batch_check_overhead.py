"""Cost of the per-batch data checks (ganzoo.guards.BatchChecks + CheckBatches) on cgan.

KERAS_BACKEND=jax python benchmarks/batch_check_overhead.py --steps 300 --repeats 5
(torch on a small CPU: OMP_NUM_THREADS=1, as tests/conftest.py sets, else its spinning workers
dominate the step.)

Two identical tiny cgan models (8×8×1, the registry's test configuration), one with the
checks (the default: labels checked and clipped in the step, the record read after every
batch) and one with `model.check_inputs = False` (neither). The NaN guard stays on in both.
After a warm-up fit (compilation), the two are timed in turns on the same numpy data, from
the end of batch 10 to the end of the epoch (fit's set-up and first-batch check left out).
Prints one JSON line: median and best ms per step for each, and their differences.
"""
import argparse
import json
import statistics
import time

import keras

import ganzoo
from ganzoo.registry import get_test_config


class StepClock(keras.callbacks.Callback):
    """Seconds per step between the end of batch `skip` and the end of the epoch."""

    def __init__(self, skip=10):
        super().__init__()
        self.skip = skip
        self.start = self.end = None
        self.batches = 0

    def on_train_batch_end(self, batch, logs=None):
        if batch == self.skip:
            self.start = time.perf_counter()
        self.end, self.batches = time.perf_counter(), batch

    def seconds_per_step(self):
        return (self.end - self.start) / (self.batches - self.skip)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=16)
    args = p.parse_args()
    models = {}
    for mode in ("checks", "no_checks"):
        keras.utils.set_random_seed(0)
        models[mode] = ganzoo.get("cgan", **get_test_config("cgan"))
        models[mode].check_inputs = mode == "checks"
    x, y = models["checks"].example_data(args.steps * args.batch_size, seed=0)
    times = {mode: [] for mode in models}
    for model in models.values():
        model.fit(x[: 4 * args.batch_size], y[: 4 * args.batch_size], batch_size=args.batch_size, verbose=0)
    for _ in range(args.repeats):
        for mode, model in models.items():
            clock = StepClock()
            model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=False, callbacks=[clock])
            times[mode].append(clock.seconds_per_step() * 1e3)
    med = {mode: statistics.median(t) for mode, t in times.items()}
    best = {mode: min(t) for mode, t in times.items()}
    print(json.dumps({
        "backend": keras.config.backend(), "steps": args.steps, "repeats": args.repeats,
        "batch_size": args.batch_size, "ms_per_step": {m: round(v, 3) for m, v in med.items()},
        "all_ms_per_step": {m: [round(v, 3) for v in t] for m, t in times.items()},
        "overhead_ms": round(med["checks"] - med["no_checks"], 3),
        "overhead_pct": round(100 * (med["checks"] / med["no_checks"] - 1), 1),
        "best_ms_per_step": {m: round(v, 3) for m, v in best.items()},
        "best_overhead_ms": round(best["checks"] - best["no_checks"], 3),
    }))


if __name__ == "__main__":
    main()
