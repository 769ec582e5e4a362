"""The shared test harness: generic checks that every registered model passes.

keras-hub `src/tests/test_case.py` shape: each `run_*_test(model, ...)` is a check that any
registered model must pass, so a new `@register`ed model is covered by every check in
`tests/models/test_registered.py` with no new test code (its builder's `test_config` gives
the tiny configuration).

Building and compiling a model dominates the cost of the suite, so the checks that only
need *a* model of a kind (and do not care what it was trained on before) share one per
backend, dtype policy and name for the whole pytest session (`shared_model`). Checks that
need a model in a known state (resume, bitwise comparisons) build their own with `build`.
"""
import json

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.registry import get_test_config
from ganzoo.resume import BackupAndRestore, _variables

# The resume protocol (tests/resume_script.py runs it in child processes too): 16 examples
# in batches of 4 (4 batches an epoch) for 3 epochs, backups every 3 batches and at every
# epoch end. A kill after batch 7 loses batch 7: the last backup is after batch 6, i.e.
# epoch index 1, two batches into it.
NUM_EXAMPLES, BATCH_SIZE, EPOCHS, SAVE_FREQ = 16, 4, 3, 3
KILL_AFTER = 7
EXPECTED_RESTORE = {"epoch": 1, "step": 2, "global_step": 6}


# ------------------------------------------------------------------------- helpers
def numpy(v):
    """A variable or tensor as a numpy array."""
    return np.array(keras.ops.convert_to_numpy(v))


def to_float32(v):
    """A variable or tensor as a float32 numpy array (bfloat16/float16 weights included)."""
    return np.array(keras.ops.convert_to_numpy(v), dtype="float32")


def iterations(optimizer):
    return int(keras.ops.convert_to_numpy(optimizer.iterations))


def steps_taken(model):
    """`{optimizer name: its update count}`."""
    return {o: iterations(getattr(model, o)) for o in model.optimizer_networks}


def fit_or_xfail(model, *args, **kwargs):
    """`model.fit`, turning one known upstream failure into an xfail.

    torch on CPU: Keras runs convolutions with channels_last kernels, and torch's CPU
    half-precision (float16 and bfloat16) convolution backward (slow_conv2d) rejects that
    layout for a kernel with a single output filter (a discriminator's logit layer; dcgan
    and cgan). Reproduced with a bare `keras.layers.Conv2D(1, 4)` under mixed_float16, so
    not a ganzoo bug; on CUDA the cuDNN path does not have it.
    """
    try:
        return model.fit(*args, **kwargs)
    except RuntimeError as e:
        if keras.config.backend() == "torch" and "grad_weight must be contiguous" in str(e):
            pytest.xfail("torch CPU half-precision conv backward rejects Keras' channels_last 1-filter kernel")
        raise


def build(name, **overrides):
    """A fresh `name` model in its test configuration, from fixed seeds."""
    keras.utils.set_random_seed(0)
    return ganzoo.get(name, **{**get_test_config(name), **overrides})


_SHARED = {}


def shared_model(name):
    """One `name` model per backend and dtype policy for the whole session.

    For checks that hold whatever the model went through before (they compare before and
    after their own step); it is trained at least once, so optimizer state exists.
    """
    key = (keras.config.backend(), keras.config.dtype_policy().name, name)
    if key not in _SHARED:
        model = build(name)
        fit_or_xfail(model, model.example_data(8, seed=1), batch_size=BATCH_SIZE, epochs=1, verbose=0, shuffle=False)
        _SHARED[key] = model
    return _SHARED[key]


def _first_input(net, x):
    if isinstance(x, (tuple, list)) and len(net.inputs) == 1:
        return x[0]
    return x


def _assert_all_close(expected, got, **tol):
    keras.tree.map_structure(lambda a, b: np.testing.assert_allclose(a, b, **tol), expected, got)


def _moving_stats(model):
    return [v for v in model.non_trainable_variables if "moving" in v.path]


# -------------------------------------------------------------------------- checks
def run_fit_step_test(model, policy="float32"):
    """Two `fit` steps move every trained variable, every optimizer and the BN statistics.

    Under a half-precision `policy` it also checks that the networks compute in the half
    type while every variable stays float32, and that float16 gets a loss scale.
    """
    nets = {n: getattr(model, n) for n in model.network_names}
    trained = {n for group in model.optimizer_networks.values() for n in group}
    half = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}.get(policy)
    if half:
        for net_name, net in nets.items():
            dtypes = {layer.compute_dtype for layer in net._flatten_layers(include_self=False)}
            assert half in dtypes, (net_name, dtypes)
            assert {v.dtype for v in net.weights} <= {"float32", "int64", "int32", "uint32"}, net_name
        for opt_name in model.optimizer_networks:
            is_scaled = isinstance(getattr(model, opt_name), keras.optimizers.LossScaleOptimizer)
            # float16 needs a dynamic loss scale per optimizer; bfloat16 has float32's range.
            assert is_scaled == (policy == "mixed_float16"), (opt_name, type(getattr(model, opt_name)))

    before = {n: [to_float32(v) for v in nets[n].trainable_variables] for n in trained}
    stats_before = [to_float32(v) for v in _moving_stats(model)]
    steps_before = steps_taken(model)
    # float16: the dynamic loss scale starts at 2**15 and a step whose scaled gradients
    # overflow is skipped while the scale halves. With pix2pix's 100·L1 or CycleGAN's
    # 10·cycle loss the first ~6 steps overflow, so train 12 steps, not 2.
    n, batch = (24, 2) if policy == "mixed_float16" else (8, BATCH_SIZE)
    history = fit_or_xfail(model, model.example_data(n, seed=1), batch_size=batch, epochs=1, verbose=0,
                           shuffle=False)

    for loss_name in model.loss_names:
        values = history.history[loss_name]
        assert len(values) == 1 and np.isfinite(values[0]), (loss_name, values)
    if policy != "mixed_float16":  # a loss-scaled step that overflowed is skipped, not counted
        for opt_name, before_steps in steps_before.items():
            # Each optimizer steps at least once per batch.
            assert iterations(getattr(model, opt_name)) >= before_steps + n // batch, opt_name
    for net_name in trained:
        after = [to_float32(v) for v in nets[net_name].trainable_variables]
        assert all(np.isfinite(a).all() for a in after), net_name
        moved = [not np.allclose(a, b) for a, b in zip(before[net_name], after)]
        assert all(moved), f"{net_name}: {moved.count(False)} of {len(moved)} variables did not move ({policy})"
    stats_after = [to_float32(v) for v in _moving_stats(model)]
    if stats_before:
        assert any(not np.allclose(a, b) for a, b in zip(stats_before, stats_after)), "BatchNorm statistics unchanged"


def run_generate_test(model):
    """`generate(n)`: n finite float32 samples, images in the tanh range, seeded."""
    if not hasattr(model, "generate"):
        pytest.skip(f"{type(model).__name__} has no generate()")
    images = model.generate(5, seed=0)
    assert images.shape[0] == 5
    assert images.dtype == np.float32
    assert np.all(np.isfinite(images))
    if images.ndim == 4:  # images come from tanh
        assert images.min() >= -1.0 and images.max() <= 1.0
    np.testing.assert_allclose(images, model.generate(5, seed=0), atol=1e-6)


def run_serialization_test(model):
    """`get_config` → `from_config` (no file): the same config and, with the weights, outputs."""
    config = model.get_config()
    json.dumps(config)  # a .keras file stores it as JSON
    clone = type(model).from_config(config)
    assert type(clone) is type(model)
    assert clone.get_config() == config
    assert [tuple(v.shape) for v in clone.weights] == [tuple(v.shape) for v in model.weights]
    clone.set_weights(model.get_weights())
    inputs = model.example_inputs(3, seed=2)
    _assert_all_close(model.predict(inputs, verbose=0), clone.predict(inputs, verbose=0), rtol=1e-5, atol=1e-5)


def run_saving_test(model, tmp_path):
    """`.keras` round trip: same class, compiled, same outputs and optimizer state; it trains on."""
    inputs = model.example_inputs(3, seed=2)
    expected = model.predict(inputs, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)

    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    assert loaded.compiled
    _assert_all_close(expected, loaded.predict(inputs, verbose=0), rtol=1e-5, atol=1e-5)
    for opt_name in model.optimizer_networks:
        a, b = getattr(model, opt_name), getattr(loaded, opt_name)
        assert iterations(a) == iterations(b) > 0
        assert len(a.variables) == len(b.variables)
        for va, vb in zip(a.variables, b.variables):
            np.testing.assert_array_equal(numpy(va), numpy(vb))
    np.testing.assert_array_equal(numpy(loaded.seed_generator.state), numpy(model.seed_generator.state))
    # The loaded model keeps training from the restored state.
    loaded.fit(loaded.example_data(4, seed=3), batch_size=BATCH_SIZE, epochs=1, verbose=0)
    for opt_name in model.optimizer_networks:
        assert iterations(getattr(loaded, opt_name)) > iterations(getattr(model, opt_name))


def run_network_saving_test(model, tmp_path):
    """The first network (the generator) saves and loads alone, with the same outputs."""
    net = getattr(model, model.network_names[0])
    path = tmp_path / "net.keras"
    net.save(path)
    loaded = keras.saving.load_model(path)
    x = _first_input(net, model.example_inputs(2, seed=0))
    np.testing.assert_allclose(net.predict(x, verbose=0), loaded.predict(x, verbose=0), atol=1e-5)


def run_bad_input_test(model):
    """Spoiled copies of the model's own example data are refused before any step.

    NaN in the first array, the batch axis missing, and (images) values in [0, 255]: each a
    ValueError that says what was received, with no optimizer step taken.
    """
    data = model.example_data(8, seed=1)
    parts = list(data) if isinstance(data, tuple) else [data]
    x = parts[0]
    cases = {"nan": np.where(np.arange(x.size).reshape(x.shape) == 5, np.nan, x).astype(x.dtype),
             "unbatched": x[0]}
    if x.ndim == 4:
        cases["0_255"] = (x + 1.0) * 127.5
    before = steps_taken(model)
    for case, bad in cases.items():
        spoiled = tuple([bad] + parts[1:]) if len(parts) > 1 else bad
        args = spoiled if isinstance(spoiled, tuple) else (spoiled,)
        with pytest.raises(ValueError, match="Received") as info:
            model.fit(*args, batch_size=BATCH_SIZE, epochs=1, verbose=0)
        assert steps_taken(model) == before, (case, str(info.value))


def train_with_backup(name, backup_dir, callbacks=(), epochs=EPOCHS):
    """Build `name` from fixed seeds and fit it under the resume protocol.

    Returns `(model, backup)`; `callbacks` run after the backup callback.
    """
    model = build(name)
    data = model.example_data(NUM_EXAMPLES, seed=1)
    backup = BackupAndRestore(backup_dir, save_freq=SAVE_FREQ)
    # shuffle=False: the data order of an epoch does not depend on where the run started.
    model.fit(data, batch_size=BATCH_SIZE, epochs=epochs, shuffle=False, verbose=0,
              callbacks=[backup, *callbacks])
    return model, backup


def state_arrays(model):
    """Every training-state variable as numpy, keyed by position.

    Variable names carry layer names, which get a suffix (dense_10, adam_2) in a process
    that built the model before, so positions are the key.
    """
    return {f"{group}:{i}": numpy(v) for i, (group, v) in enumerate(_variables(model))}


def assert_same_state(expected, got):
    assert sorted(got) == sorted(expected), "different state variables"
    for key, value in expected.items():
        # Bitwise: the same ops on the same inputs in the same order on CPU.
        np.testing.assert_array_equal(got[key], value, err_msg=key)


class Crash(keras.callbacks.Callback):
    """Simulates a crash: raises after the given batch (`on_train_end` never runs)."""

    def __init__(self, after):
        super().__init__()
        self.after, self.seen = after, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.after:
            raise KeyboardInterrupt("simulated crash")


def run_resume_test(name, tmp_path):
    """Interrupted after batch 7, resumed from the backup: bitwise the uninterrupted run.

    The state compared is every variable of the model (weights, BatchNorm statistics, the
    SeedGenerator), of every optimizer (moments, iterations) and of the loss trackers.
    In-process; tests/test_resume.py does the same with a real SIGKILL.
    """
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(KeyboardInterrupt):
        train_with_backup(name, backup_dir, callbacks=[Crash(KILL_AFTER)])
    resumed, backup = train_with_backup(name, backup_dir)
    assert {k: backup.restored[k] for k in EXPECTED_RESTORE} == EXPECTED_RESTORE
    reference, _ = train_with_backup(name, str(tmp_path / "reference"))
    for opt in reference.optimizer_networks:
        assert iterations(getattr(reference, opt)) >= NUM_EXAMPLES // BATCH_SIZE * EPOCHS
    assert_same_state(state_arrays(reference), state_arrays(resumed))
