"""Test set-up: the two tiers, one Keras state per test, the torch thread count.

Tiers (keras-hub's `--run_large` shape): plain `pytest` runs the fast tier; tests marked
`@pytest.mark.slow` (quality runs, example scripts, multi-minute trainings, extra SIGKILL
chains) run only with `--run-slow`. `pytest --run-slow -m slow` runs the slow tier alone.
"""
import atexit
import os
import shutil
import tempfile

# Quiet TensorFlow's C++ start-up logs in test output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# JAX: a persistent compilation cache shared by every model this session builds and by
# the child processes it starts (they inherit the variables). The suite builds the same
# tiny configurations many times, and XLA gives them identical programs: a cache hit
# costs ~1 CPU-second where compiling pix2pix's step costs ~16 (docs/development.md).
# A fresh directory per session unless GANZOO_JAX_CACHE_DIR names a lasting one.
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    if os.environ.get("GANZOO_JAX_CACHE_DIR"):
        os.environ["JAX_COMPILATION_CACHE_DIR"] = os.environ["GANZOO_JAX_CACHE_DIR"]
    else:
        os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(prefix="ganzoo-jax-cache-")
        atexit.register(shutil.rmtree, os.environ["JAX_COMPILATION_CACHE_DIR"], ignore_errors=True)
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")
# XLA's CPU backend without LLVM's optimisation passes: the test models are tiny, so the
# programs run about as fast and compile in less than half the CPU time (pix2pix's step:
# 8 vs 17 CPU-s). Comparisons inside a test run under the same flags, so bitwise checks
# hold; set XLA_FLAGS yourself to test with other flags.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")

import keras  # noqa: E402
import pytest  # noqa: E402

if keras.config.backend() == "tensorflow":
    import tensorflow as tf

    # Grappler's graph rewrites cost time at every first call of a traced step and buy
    # nothing for the tests' tiny models: about 15 % of a cyclegan build-and-fit.
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})

if keras.config.backend() == "torch":
    import torch

    # The test models are tiny: intra-op threads only add synchronisation, and on a busy
    # 2-core machine torch's spinning workers slowed a step 30x (1.3 vs 40 steps/s).
    torch.set_num_threads(1)


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the slow tier (tests marked @pytest.mark.slow)")


def pytest_configure(config):
    # pytest-xdist registers it too; declared here so that --strict-markers passes without it.
    config.addinivalue_line("markers", "xdist_group(name): run with the tests of the same group on one xdist worker")
    config.addinivalue_line("markers", "heavy: fast tier under torch only, slow tier under the other backends")


# Backend-independent test modules: the command line, data loading, plotting, inference
# helpers, callbacks' files, docs snippets, the classifiers used for evaluation, benchmark
# scripts. Their code calls the model's public methods, and what those methods do on each
# backend is covered by the backend-specific modules (tests/models/, test_gan, test_resume*,
# test_toolkit_*, test_layers, test_losses, test_guards, test_batch_checks, ...), which run
# under every backend. These run in ONE fast tier: under GANZOO_INDEPENDENT_BACKEND
# (default: torch when installed, the cheapest backend to build and train tiny models on;
# else whatever backend pytest runs under); GANZOO_INDEPENDENT_BACKEND=all runs them under
# every backend. The slow tier runs them whatever the backend.
BACKEND_INDEPENDENT = (
    "tests/test_cli.py", "tests/test_cli_backend.py", "tests/test_cli_finish.py", "tests/test_cli_inputs.py",
    "tests/test_cli_plugin.py", "tests/test_callbacks.py", "tests/test_inference.py", "tests/test_plotting.py",
    "tests/test_atomic.py", "tests/test_tensorboard.py", "tests/test_import_graph.py",
    "tests/test_mnist_mainjob.py", "tests/test_docs_snippets.py", "tests/data/", "tests/benchmarks/",
    "tests/metrics/test_mnist_classifier.py", "tests/metrics/test_digits_classifier.py",
)


def independent_backend():
    """The backend whose fast tier runs the BACKEND_INDEPENDENT modules ("all": every one)."""
    import importlib.util

    chosen = os.environ.get("GANZOO_INDEPENDENT_BACKEND")
    if chosen:
        return chosen
    return "torch" if importlib.util.find_spec("torch") is not None else keras.config.backend()


HEAVY_FAST_BACKEND = "torch"


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by marker
def pytest_collection_modifyitems(config, items):
    # `@pytest.mark.heavy`: a backend-specific check that costs many compilations (a resume
    # of a big model: three builds and traces). It runs in the fast tier under torch, where
    # a build costs no trace, and in the slow tier under the others (`slow` is added here).
    if keras.config.backend() != HEAVY_FAST_BACKEND:
        for item in items:
            if "heavy" in item.keywords:
                item.add_marker(pytest.mark.slow)
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow tier: run with --run-slow")
    chosen = independent_backend()
    elsewhere = pytest.mark.skip(reason=f"backend-independent: its fast tier is {chosen}'s "
                                        "(GANZOO_INDEPENDENT_BACKEND=all runs it here)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
        elif chosen not in ("all", keras.config.backend()) and item.nodeid.startswith(BACKEND_INDEPENDENT):
            item.add_marker(elsewhere)


def _cpu_seconds():
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """With GANZOO_TEST_CPU_LOG=FILE, append each test's CPU seconds (its own process and the
    children it waited for: setup, call and teardown) to FILE as `seconds<TAB>node id`.

    Wall-clock `--durations` mean little on a shared machine; CPU seconds survive the load,
    so the test budget can be worked on while other jobs run (docs/development.md).
    """
    log = os.environ.get("GANZOO_TEST_CPU_LOG")
    start = _cpu_seconds() if log else 0.0
    yield
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{_cpu_seconds() - start:.2f}\t{item.nodeid}\n")


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    """Every test starts from the same global seed and the float32 policy."""
    keras.utils.set_random_seed(0)
    keras.config.set_dtype_policy("float32")
    yield
    keras.config.set_dtype_policy("float32")
    # Layer-name counters only: a full `clear_session()` also runs the garbage collector
    # (~0.1-1 s a test with TensorFlow loaded) and drops kernel caches that the
    # harness' shared models reuse.
    keras.backend.clear_session(free_memory=False)
