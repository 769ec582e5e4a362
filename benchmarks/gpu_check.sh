#!/usr/bin/env bash
# The prepared GPU check (docs/benchmarks.md, "GPU check"): on a bare H100/H200 machine
# with Python, PyTorch and JAX (no network, no keras), install keras and ganzoo from local
# wheels, run the DCGAN throughput rows (batch 128 and 2048: ganzoo on JAX float32 and
# mixed_bfloat16 and on torch, the native PyTorch peer in float32 and bf16) and the fast
# `dcgan` tests on JAX and torch, and write ONE JSON file, in at most 8 minutes.
#
#   bash benchmarks/gpu_check.sh [--wheels DIR] [--out FILE] [--budget SECONDS]
#   bash benchmarks/gpu_check.sh --dry-run [--out FILE]   # CPU, tiny shapes, ~1 minute
#
# The wheel folder (default: .whl in the checkout, which .gitignore ignores) is built on
# a machine with the package index, in the repository root:
#
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#       --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
#       --platform manylinux2014_x86_64 -d .whl keras==3.15.1 namex optree
#   python3 -m pip wheel . --no-deps -w .whl
#
# (keras needs absl-py, numpy, rich, h5py, ml-dtypes, packaging, namex and optree; the
# H200 image has all but namex and optree. `unzip -p .whl/keras-*.whl '*/METADATA' |
# grep ^Requires-Dist` lists them.) The JSON goes to --out, else $OUT/gpu_check.json,
# else ./gpu_check.json. Exit status 0 when every phase ran and every test passed;
# missed performance targets are reported in the JSON, not in the status.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1 TF_CPP_MIN_LOG_LEVEL=2
# Several runner processes share the GPU: JAX must not take 75 % of its memory up front.
export XLA_PYTHON_CLIENT_PREALLOCATE=false
exec "$python" "$here/gpu_check.py" "$@"
