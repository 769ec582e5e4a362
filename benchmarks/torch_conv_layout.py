"""What Keras' torch-backend layout copies cost a DCGAN `fit` step (CPU work, variants side by side).

Keras models are channels-last, and Keras' torch backend (keras/src/backend/torch/nn.py,
keras 3.15) on every convolution (a) permutes the NHWC input to NCHW and makes it
contiguous, then converts it to channels_last memory format (a second copy), and
(b) permutes the (kh, kw, in, out) kernel to (out, in, kh, kw) and converts it to
channels_last memory format (a strided copy of the whole kernel). This script swaps
those two private helpers, in ONE process and round-robin, to measure what each copy
costs; it is a measurement, not a proposal to patch Keras:

  stock        Keras as installed
  input_views  the input permute stays a view (already channels_last in memory): no input copies
  no_copies    input_views, and the kernel is passed as the permuted view (no kernel copy)

Each variant's convolutions are first checked equal to stock's on random data. Reports
the median CPU-seconds (`time.process_time`) per step and the change against stock.

Run: `python benchmarks/torch_conv_layout.py --image-size 64 --batch-size 16`
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
from keras.src.backend.torch import nn as torch_nn  # noqa: E402

import ganzoo  # noqa: E402

STOCK = {"_transpose_spatial_inputs": torch_nn._transpose_spatial_inputs,
         "_maybe_convert_to_channels_last": torch_nn._maybe_convert_to_channels_last}


def _input_view(inputs):
    return torch.permute(inputs, (0, inputs.ndim - 1, *range(1, inputs.ndim - 1)))


VARIANTS = {
    "stock": {},
    "input_views": {"_transpose_spatial_inputs": _input_view},
    "no_copies": {"_transpose_spatial_inputs": _input_view, "_maybe_convert_to_channels_last": lambda t: t},
}


def use(name):
    for attr, fn in STOCK.items():
        setattr(torch_nn, attr, VARIANTS[name].get(attr, fn))


def check_equal():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 16, 16, 8)).astype("float32")
    k = rng.standard_normal((4, 4, 8, 6)).astype("float32")
    kt = rng.standard_normal((4, 4, 6, 8)).astype("float32")
    out = {}
    for name in VARIANTS:
        use(name)
        out[name] = (keras.ops.convert_to_numpy(keras.ops.conv(x, k, strides=2, padding="same")),
                     keras.ops.convert_to_numpy(keras.ops.conv_transpose(x, kt, strides=2, padding="same")))
    use("stock")
    for name in VARIANTS:
        for a, b in zip(out[name], out["stock"]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--image-size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    check_equal()
    size, b = args.image_size, args.batch_size
    model = ganzoo.get("dcgan", image_shape=(size, size, 3), seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (b * args.steps, size, size, 3)).astype("float32")
    cpu = {k: [] for k in VARIANTS}
    load = [os.getloadavg()[0]]
    try:
        model.fit(x[:b], batch_size=b, epochs=1, verbose=0)  # warm-up
        for _ in range(args.repeats):
            for name in VARIANTS:
                use(name)
                c = time.process_time()
                model.fit(x, batch_size=b, epochs=1, verbose=0, shuffle=False)
                cpu[name].append((time.process_time() - c) / args.steps)
            load.append(os.getloadavg()[0])
    finally:
        use("stock")
    base = statistics.median(cpu["stock"])
    for name in VARIANTS:
        med = statistics.median(cpu[name])
        print(json.dumps({
            "variant": name, "image_size": size, "batch_size": b, "threads": torch.get_num_threads(),
            "keras": keras.__version__, "torch": torch.__version__,
            "cpu_s_per_step": round(med, 4), "cpu_change_vs_stock_pct": round(100 * (med - base) / base, 1),
            "cpu_spread": [round(v, 4) for v in sorted(cpu[name])],
            "load_1min_max": round(max(load), 2), "cpu_count": os.cpu_count(),
            "loaded": max(load) > os.cpu_count()}), flush=True)


if __name__ == "__main__":
    main()
