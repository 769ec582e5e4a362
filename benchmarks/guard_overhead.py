"""Cost of the NaN guard: steps/s with the in-graph flag and the TerminateOnNaN callback.

KERAS_BACKEND=jax python benchmarks/guard_overhead.py --model gan --steps 600

Modes, each timed on the same model after a warm-up epoch:
  full     the default: in-graph flag + TerminateOnNaN reading the logs every batch
  every50  in-graph flag + TerminateOnNaN(check_every=50)
  flag     in-graph flag only (model.terminate_on_nan = False)
  none     neither (record_nonfinite replaced by a no-op before the step is compiled)
Prints one JSON line per mode.
"""
import argparse
import json
import time

import keras
import numpy as np

import ganzoo
from ganzoo import guards


def build(name):
    keras.utils.set_random_seed(0)
    if name == "gan":
        return ganzoo.get("gan"), np.asarray(ganzoo.data.load("ring", seed=0), "float32"), 256
    return ganzoo.get("dcgan", image_shape=(16, 16, 1), filters=16), ganzoo.data.load("digits", image_size=16), 64


def run(mode, name, steps, repeats):
    real = guards.record_nonfinite
    if mode == "none":
        guards.record_nonfinite = lambda *a, **k: None
    try:
        model, x, batch = build(name)
        callbacks = []
        if mode in ("flag", "none"):
            model.terminate_on_nan = False
        if mode == "every50":
            callbacks = [guards.TerminateOnNaN(check_every=50)]
        x = x[: steps * batch]
        model.fit(x[: 4 * batch], batch_size=batch, epochs=1, verbose=0, callbacks=callbacks)  # compile
        best = 0.0
        for _ in range(repeats):
            t = time.perf_counter()
            model.fit(x, batch_size=batch, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
            best = max(best, (len(x) // batch) / (time.perf_counter() - t))
    finally:
        guards.record_nonfinite = real
    return best


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="gan", choices=("gan", "dcgan"))
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    for mode in ("none", "flag", "every50", "full"):
        sps = run(mode, args.model, args.steps, args.repeats)
        print(json.dumps({"backend": keras.config.backend(), "model": args.model, "mode": mode,
                          "steps": args.steps, "best_steps_per_s": round(sps, 1)}), flush=True)


if __name__ == "__main__":
    main()
