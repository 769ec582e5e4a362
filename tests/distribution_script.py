"""Child process of tests/test_distribution.py: train registered models on N devices.

The device count must be fixed before JAX or TensorFlow starts, hence a process per setting:

python tests/distribution_script.py equivalence --devices N --models a,b [--layout data|model]
        [--batch-axis K] [--config JSON] [--sync-bn] [--build-outside]
    For each model: a few fit steps on one device with global batch B, then the same steps
    from the same initial state under the N-device layout; prints one JSON line per model
    with the largest relative difference of any state variable (`max_rel`).
    With --config JSON, builder arguments over the test configuration (e.g. the toolkit's
    ema_decay, spectral_norm, r1_gamma); each line also gives `toolkit_rel` and
    `toolkit_count`: the largest difference among the generator-average (EMA) weights and
    the spectral-norm `u` vectors, and how many such variables there are. --layout model:
    ModelParallel on a (K, N / K) mesh ("batch", "model"), every generator (and EMA
    generator) kernel whose output size divides by N / K split on "model". --sync-bn
    (TensorFlow): the distributed model's BatchNorm layers synchronized
    (`synchronize_batch_norm`).
python tests/distribution_script.py uneven --devices N
    gan under data_parallel(N) fit on data whose last batch does not split over N devices
    (refused before any step, the message printed), then on data whose last batch does.
python tests/distribution_script.py pool --devices N
    TensorFlow: an ImagePool queried in 4 steps of a global batch of 4 split over the
    replicas, against one pool fed the global batches; prints both outputs and buffers.
python tests/distribution_script.py jobs --devices N --jobs '[{"mode": "equivalence", "models": "a,b", ...}, ...]'
    Several of the modes above in this one process (one start-up for all): each job's keys
    override the command line's (mode, models, layout, batch_axis, sync_bn, config as a JSON
    object).
python tests/distribution_script.py cli --devices N --cli-args '["train", "gan", ...]'
    `ganzoo.cli.main(ARGS)` with N devices; prints {"rc": exit code}.
python tests/distribution_script.py train --devices N --model M --out F.npz
        [--backup DIR] [--epochs E] [--crash-after K] [--save F.keras] [--processes P --process-id I --port Q]
    Fit M on N devices (JAX DataParallel / TF MirroredStrategy; N=1: no distribution) and
    write every state variable to F.npz. With --backup, under ganzoo.resume.BackupAndRestore
    (resuming from DIR when it holds a backup); --crash-after K stops after K batches.
    With --processes, this is process I of P jax processes joined through 127.0.0.1:Q.

JAX: XLA_FLAGS gets --xla_force_host_platform_device_count=N appended (the caller's flags,
e.g. tests/conftest.py's, are kept). TensorFlow: the CPU is split into N logical devices.
"""
import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

STEPS = int(os.environ.get("GANZOO_DIST_STEPS", 3))  # fit steps compared
BATCH = 4  # global batch: splits over 1, 2 and 4 devices
# Differences are relative to a variable's largest magnitude, or to this when it is
# smaller (tests/test_distribution.py says why).
SCALE_FLOOR = 1e-2
# Adam's epsilon in the equivalence runs (the papers' 1e-7/1e-8 otherwise): with a tiny
# epsilon Adam's first updates are +-lr for any gradient, however close to 0, so float32
# rounding of a near-zero gradient (a different summation order on N devices) flips whole
# updates, and three steps amplify it (measured: cyclegan's test model, a generator
# momentum 10 % apart after 3 steps, 2e-5 after 1). The check is about distribution, not
# about that chaos.
EPSILON = 1e-3


def _parse():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["equivalence", "train", "noise", "cli", "uneven", "pool", "jobs"])
    p.add_argument("--jobs", default="[]", help="jobs mode: JSON list of {mode, models, layout, config}")
    p.add_argument("--cli-args", default="[]", help="cli mode: JSON list of `ganzoo` arguments")
    p.add_argument("--build-outside", action="store_true")
    p.add_argument("--config", default="{}", help="JSON builder arguments over the test config")
    p.add_argument("--devices", type=int, default=1)
    p.add_argument("--sync-bn", action="store_true",
                   help="TensorFlow: synchronize_batch_norm on the distributed model")
    p.add_argument("--models", default="")
    p.add_argument("--model", default="")
    p.add_argument("--layout", choices=["data", "model"], default="data")
    p.add_argument("--batch-axis", type=int, default=1,
                   help="layout model: devices on the mesh's batch axis (the rest split the generator)")
    p.add_argument("--out")
    p.add_argument("--backup")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--crash-after", type=int, default=0)
    p.add_argument("--save")
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--process-id", type=int, default=0)
    p.add_argument("--port", type=int, default=0)
    return p.parse_args()


ARGS = _parse()
BACKEND = os.environ.get("KERAS_BACKEND", "jax")
# Devices per process; with several jax processes each contributes its own.
LOCAL_DEVICES = max(ARGS.devices // ARGS.processes, 1)
if BACKEND == "jax":
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") +
                               f" --xla_force_host_platform_device_count={LOCAL_DEVICES}").strip()
    if ARGS.processes > 1:
        import jax

        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        import keras

        keras.distribution.initialize(f"127.0.0.1:{ARGS.port}", ARGS.processes, ARGS.process_id)
elif BACKEND == "tensorflow":
    import tensorflow as tf

    (cpu,) = tf.config.list_physical_devices("CPU")
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * ARGS.devices)
    tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})

import keras  # noqa: E402
keras.config.disable_traceback_filtering()
import numpy as np  # noqa: E402

import ganzoo  # noqa: E402
from ganzoo.backend.distribution import (  # noqa: E402
    data_parallel, mirrored_strategy, synchronize_batch_norm)
from ganzoo.registry import get_test_config  # noqa: E402
from ganzoo.resume import BackupAndRestore, _variables  # noqa: E402
from tests.harness import state_arrays  # noqa: E402


def fresh():
    """Layer-name counters reset (outside any strategy scope: TensorFlow resets its graph)."""
    keras.backend.clear_session(free_memory=False)


def build(name, epsilon=None):
    """`name` in its test configuration; with `epsilon`, each default optimizer with that epsilon.

    After fresh(): the same layer names (hence variable paths) and initial weights every time.
    """
    keras.utils.set_random_seed(0)
    model = ganzoo.get(name, **{**get_test_config(name), **json.loads(ARGS.config)})
    if epsilon is not None:
        optimizers = {}
        for opt_name in model.optimizer_networks:
            config = getattr(model, opt_name).get_config()
            if "epsilon" in config:
                config["epsilon"] = epsilon
            optimizers[opt_name] = type(getattr(model, opt_name)).from_config(config)
        model.compile(**optimizers)
    return model


def example_data(model, n):
    data = model.example_data(n, seed=1)
    return data


def fit(model, data, **kwargs):
    history = model.fit(data, batch_size=BATCH, epochs=kwargs.pop("epochs", 1), shuffle=False,
                        verbose=0, **kwargs)
    return {k: float(v[-1]) for k, v in history.history.items()}


def training_state(model):
    # Metric variables hold per-replica partial sums under tf.distribute (read back summed):
    # the losses they give are compared through the logs instead.
    return {k: v for k, v in state_arrays(model).items() if not k.startswith("metrics:")}


def model_parallel_scope(name):
    """ModelParallel: batch on one mesh axis, the generator's kernels split on the other."""
    devices = keras.distribution.list_devices()
    width = len(devices) // ARGS.batch_axis  # devices on the "model" axis
    mesh = keras.distribution.DeviceMesh((ARGS.batch_axis, width), ("batch", "model"), devices)
    layout_map = keras.distribution.LayoutMap(mesh)
    fresh()
    probe = build(name)
    split, keys = 0, set()
    generators = [getattr(probe, n) for n in probe.network_names if n.startswith("generator")]
    if probe.__dict__.get("_ema_built") or hasattr(probe, "ema_generator"):
        generators.append(getattr(probe, "ema_generator", None) or probe.ema_model)
    for net in generators:
        for v in net.weights:
            # The output features of a Dense/Conv kernel, where they divide evenly.
            # (The EMA generator's layers have the generator's names: one key serves both.)
            key = f"^{v.path}$"
            if len(v.shape) >= 2 and v.shape[-1] % width == 0:
                if key not in keys:  # (`in layout_map` is always true: its lookup returns None)
                    keys.add(key)
                    layout_map[key] = (None,) * (len(v.shape) - 1) + ("model",)
                split += 1
    assert split, f"no generator kernel of {name} splits over {width} devices"
    SPLIT[name] = split
    return keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch").scope()


def distributed_scope(name):
    if ARGS.layout == "model":
        return model_parallel_scope(name)
    return data_parallel(ARGS.devices, batch_size=BATCH)


DETAIL = {}
SPLIT = {}  # model-parallel runs: how many generator variables the LayoutMap splits


def max_rel(expected, got):
    """The largest difference of a float variable relative to its largest magnitude (at least SCALE_FLOOR), and where.

    Integer state (seeds, counters, step numbers) must be equal: a difference is `inf`.
    """
    worst, where = 0.0, None
    for key, ref in expected.items():
        if ref.dtype.kind not in "fc":
            if not np.array_equal(ref, got[key]):
                worst, where = float("inf"), key
            continue
        scale = max(float(np.max(np.abs(ref))), SCALE_FLOOR)
        rel = float(np.max(np.abs(got[key].astype("float64") - ref))) / scale if ref.size else 0.0
        if rel > worst:
            worst, where = rel, key
            DETAIL[key] = (float(np.max(np.abs(ref))), float(np.max(np.abs(got[key].astype("float64") - ref))),
                           float(np.mean(np.abs(ref))))
    return worst, where


def toolkit_keys(model):
    """Keys (state_arrays positions) of the generator-average (EMA) weights and spectral-norm `u`s."""
    from ganzoo.spectral import spectral_layers

    average = getattr(model, "ema_generator", None) or getattr(model, "ema_model", None)
    wanted = {id(v) for v in average.weights} if average else set()
    for net in model.network_names:
        wanted.update(id(layer.u) for layer in spectral_layers(getattr(model, net)))
    return [f"{group}:{i}" for i, (group, v) in enumerate(_variables(model)) if id(v) in wanted]


def equivalence():
    for name in ARGS.models.split(","):
        fresh()
        model = build(name, EPSILON)
        data = example_data(model, STEPS * BATCH)
        start = training_state(model)
        logs = fit(model, data)
        expected = training_state(model)
        scope = distributed_scope(name)
        fresh()
        if ARGS.build_outside:  # built and compiled before the scope, fit inside it
            model = build(name, EPSILON)
        with scope:
            if not ARGS.build_outside:
                model = build(name, EPSILON)
            synced = synchronize_batch_norm(model) if ARGS.sync_bn else 0
            initial, _ = max_rel(start, training_state(model))
            got_logs = fit(model, data)
        got = training_state(model)
        moved = max_rel({k: v for k, v in start.items() if v.dtype.kind == "f"}, expected)[0]
        worst, where = max_rel(expected, got)
        keys = toolkit_keys(model)
        toolkit_rel = max_rel({k: expected[k] for k in keys}, got)[0] if keys else None
        toolkit_moved = max_rel({k: start[k] for k in keys}, expected)[0] if keys else None
        # The logged losses: means over the global batch, as one device logs them.
        loss_rel = max(abs(got_logs[k] - v) / max(abs(v), 1e-3) for k, v in logs.items())
        print(json.dumps({"model": name, "max_rel": worst, "where": where, "initial_rel": initial,
                          "loss_rel": loss_rel, "detail": DETAIL.get(where), "logs": logs, "got_logs": got_logs,
                          "moved_rel": moved, "devices": ARGS.devices, "layout": ARGS.layout,
                          "toolkit_rel": toolkit_rel, "toolkit_moved": toolkit_moved,
                          "toolkit_count": len(keys), "config": json.loads(ARGS.config),
                          "synchronized_batch_norms": synced, "split_variables": SPLIT.get(name, 0),
                          "batch_axis": ARGS.batch_axis if ARGS.layout == "model" else ARGS.devices}),
              flush=True)


class StopAfter(keras.callbacks.Callback):
    def __init__(self, n):
        super().__init__()
        self.n, self.seen = n, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.n:
            raise KeyboardInterrupt("simulated crash")


def process_share(data):
    """This process' rows of every global batch: what it feeds `fit` in a multi-process run."""
    per = BATCH // ARGS.processes
    batches = data.reshape((-1, BATCH) + data.shape[1:])
    mine = batches[:, ARGS.process_id * per:(ARGS.process_id + 1) * per]
    return mine.reshape((-1,) + data.shape[1:])


def train():
    global BATCH
    if ARGS.processes == 1:
        scope = data_parallel(ARGS.devices, batch_size=BATCH)
    else:  # every device of every process; each process feeds its own rows of the batch
        distribution = keras.distribution.DataParallel(devices=keras.distribution.list_devices())
        distribution.auto_shard_dataset = False
        scope = distribution.scope()
    with scope:
        model = build(ARGS.model, EPSILON)
        data = example_data(model, 4 * BATCH)
        if ARGS.processes > 1:
            assert isinstance(data, np.ndarray), "multi-process run: one-array models only"
            data = process_share(data)
            BATCH //= ARGS.processes
        callbacks = []
        if ARGS.backup:
            callbacks.append(BackupAndRestore(ARGS.backup, save_freq=1))
        if ARGS.crash_after:
            callbacks.append(StopAfter(ARGS.crash_after))
        try:
            fit(model, data, epochs=ARGS.epochs, callbacks=callbacks)
        except KeyboardInterrupt:
            print(json.dumps({"crashed": True}), flush=True)
            return
        if ARGS.save:
            model.save(ARGS.save)
    if ARGS.process_id == 0:
        arrays = state_arrays(model)
        tmp = ARGS.out + ".tmp.npz"
        np.savez(tmp, **arrays)
        os.replace(tmp, ARGS.out)
    print(json.dumps({"done": True, "devices": len(keras.distribution.list_devices())
                      if BACKEND == "jax" else ARGS.devices}), flush=True)


def noise():
    """TensorFlow: the noise each replica draws in a step, and one device's draw of the whole batch."""
    import tensorflow as tf

    per_device = BATCH // ARGS.devices
    strategy = mirrored_strategy([d.name for d in tf.config.list_logical_devices("CPU")])
    with strategy.scope():
        model = build("gan")
    start = keras.ops.convert_to_numpy(model.seed_generator.state)
    per_replica = strategy.run(tf.function(lambda: model.sample_noise(per_device)))
    per_replica = [keras.ops.convert_to_numpy(v) for v in strategy.experimental_local_results(per_replica)]
    model.seed_generator.state.assign(start)
    one_device = keras.ops.convert_to_numpy(model.sample_noise(BATCH))
    print(json.dumps({"per_replica": [v.tolist() for v in per_replica],
                      "one_device": one_device.tolist()}), flush=True)


def uneven():
    """fit under data_parallel(N): refused when the epoch's last batch does not split, else trained."""
    with data_parallel(ARGS.devices, batch_size=BATCH):
        model = build("gan")
        bad = example_data(model, BATCH + 1)  # a last batch of 1 example
        try:
            fit(model, bad)
            error = None
        except ValueError as e:
            error = str(e)
        steps_after_error = int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))
        fit(model, example_data(model, BATCH + ARGS.devices))  # a last batch of 1 per device
        steps = int(keras.ops.convert_to_numpy(model.g_optimizer.iterations))
    print(json.dumps({"error": error, "steps_after_error": steps_after_error, "steps": steps}), flush=True)


def pool():
    """TensorFlow: a pool shared by the replicas against one device's pool (same seed, same images)."""
    import tensorflow as tf
    from ganzoo.layers import ImagePool

    strategy = mirrored_strategy([d.name for d in tf.config.list_logical_devices("CPU")])
    per = BATCH // ARGS.devices
    batches = np.stack([np.arange(BATCH, dtype="float32").reshape(BATCH, 1, 1, 1) + 100 * k for k in range(4)])
    with strategy.scope():
        shared, seed = ImagePool(3, (1, 1, 1)), keras.random.SeedGenerator(0)

    @tf.function
    def step(k):
        r = tf.distribute.get_replica_context().replica_id_in_sync_group
        return shared.query(tf.gather(tf.constant(batches), k)[r * per:(r + 1) * per], seed)

    got = []
    for k in range(len(batches)):
        parts = strategy.experimental_local_results(strategy.run(step, args=(tf.constant(k),)))
        got.append(np.concatenate([keras.ops.convert_to_numpy(v) for v in parts]).ravel().tolist())
    one, one_seed = ImagePool(3, (1, 1, 1)), keras.random.SeedGenerator(0)
    expected = [keras.ops.convert_to_numpy(one.query(tf.constant(b), one_seed)).ravel().tolist() for b in batches]
    local = lambda v: [keras.ops.convert_to_numpy(x).ravel().tolist() for x in strategy.experimental_local_results(v)]
    print(json.dumps({"pool_out": got, "one_device_out": expected, "pool_buffers": local(shared.buffer.value),
                      "one_device_buffer": keras.ops.convert_to_numpy(one.buffer).ravel().tolist(),
                      "pool_counts": [int(c[0]) for c in local(shared.count.value)], "one_device_count": int(one.count.numpy())}),
          flush=True)


def cli():
    """`ganzoo ARGS...` (ganzoo.cli.main) in a process that has --devices devices."""
    from ganzoo import cli as ganzoo_cli

    code = ganzoo_cli.main(json.loads(ARGS.cli_args))
    print(json.dumps({"rc": code}), flush=True)


MODES = {"equivalence": equivalence, "train": train, "noise": noise, "cli": cli, "uneven": uneven, "pool": pool}


def jobs():
    """Several modes in this process, each with its own models / layout / config."""
    for job in json.loads(ARGS.jobs):
        for key, value in job.items():
            setattr(ARGS, key, json.dumps(value) if key == "config" else value)
        MODES[job["mode"]]()
        ARGS.config, ARGS.layout, ARGS.batch_axis, ARGS.sync_bn = "{}", "data", 1, False


if __name__ == "__main__":
    {**MODES, "jobs": jobs}[ARGS.mode]()
