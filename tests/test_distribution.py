"""Multi-device training on Keras' engines (ganzoo/backend/distribution.py, docs/distribution.md).

A device count is fixed before JAX or TensorFlow starts, so each setting runs in a child
process (`tests/distribution_script.py`) on virtual CPU devices: JAX through
`XLA_FLAGS=--xla_force_host_platform_device_count=N` (appended to the flags conftest sets),
TensorFlow through logical CPU devices.

Tolerance of the equivalence checks: every float state variable of the N-device run is
within 5e-5 of the one-device run, relative to the variable's largest magnitude, or to
0.01 for a variable smaller than that. The two runs compute the same sums split
differently (per-device partial sums, then an all-reduce), so float32 rounding (6e-8
relative per operation) differs, accumulated over the forward and backward passes of a
step and over three steps. Measured (2 devices): JAX 1e-7 (gan, dcgan, cgan) to 1.2e-5
(srgan, an Adam momentum); TensorFlow 8e-7 (gan) and 4e-6 (cyclegan); below RTOL with a
margin of 4. The floor is for variables still near their zero start (a BatchNorm beta
after three Adam steps of 2e-4 is about 5e-4: its 1e-8 rounding would read as 2e-5).
The runs use Adam's epsilon 1e-3 (tests/distribution_script.py says why). Integer state
(seeds, step counters, image pool fill counts) must be equal.
"""
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.backend.distribution import data_parallel
from tests.harness import state_arrays

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "distribution_script.py")
ROOT = os.path.dirname(os.path.dirname(SCRIPT))
RTOL = 5e-5
SCALE_FLOOR = 1e-2
BACKEND = keras.config.backend()
# The models one device's result holds for under tf.distribute; the others have BatchNorm
# (per-replica statistics), except cyclegan, whose test model takes minutes here (it
# equals one device since its image pools are shared by the replicas: docs/distribution.md).
TF_EXACT = ("gan",)
TF_UNSUPPORTED = ("cyclegan",)

jax_only = pytest.mark.skipif(BACKEND != "jax", reason="keras.distribution runs on JAX")
tf_only = pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.distribute runs on TensorFlow")


def run_script(*args, timeout=900):
    """Run the child script; returns the JSON lines it printed."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               KERAS_BACKEND=BACKEND)
    proc = subprocess.run([sys.executable, SCRIPT, *map(str, args)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]


def check_equivalent(results, names):
    assert sorted(r["model"] for r in results) == sorted(names)
    for r in results:
        assert r["initial_rel"] == 0.0, r  # both runs start from the same state
        assert r["moved_rel"] > 1e-3, r  # ... and training changed it
        assert r["max_rel"] <= RTOL, r
        assert r["loss_rel"] <= RTOL, r  # logged losses: means over the global batch


# ------------------------------------------------------------------------------ JAX
# Fast tier: dcgan, which covers noise and BatchNorm statistics (one subprocess); the slow
# tier (in CI) runs every registered model, cgan's labels included (~180 s on 2 cores).
@jax_only
def test_jax_data_parallel_on_2_devices_equals_one_device_dcgan():
    names = ["dcgan"]
    check_equivalent(run_script("equivalence", "--devices", 2, "--models", ",".join(names)), names)


@jax_only
@pytest.mark.slow
def test_jax_data_parallel_on_2_devices_equals_one_device_for_every_model():
    names = ganzoo.list_models()
    check_equivalent(run_script("equivalence", "--devices", 2, "--models", ",".join(names)), names)


@jax_only
@pytest.mark.slow
@pytest.mark.long  # ~2 minutes; CI runs the 2-device sweep, `-m long` this one
def test_jax_data_parallel_on_4_devices_equals_one_device_for_every_model():
    names = ganzoo.list_models()
    check_equivalent(run_script("equivalence", "--devices", 4, "--models", ",".join(names)), names)


@jax_only
@pytest.mark.slow
def test_jax_model_parallel_generator_equals_one_device():
    # Generator kernels split over a "model" mesh axis (LayoutMap), batch on "batch".
    names = ["dcgan", "gan"]
    check_equivalent(run_script("equivalence", "--devices", 2, "--layout", "model",
                                "--models", ",".join(names)), names)


@jax_only
@pytest.mark.slow
def test_jax_model_built_outside_the_scope_trains_under_it():
    names = ["dcgan"]
    check_equivalent(run_script("equivalence", "--devices", 2, "--build-outside",
                                "--models", ",".join(names)), names)


@jax_only
@pytest.mark.slow
def test_two_jax_processes_train_data_parallel_like_one(tmp_path):
    single = tmp_path / "single.npz"
    run_script("train", "--devices", 1, "--model", "gan", "--epochs", 1, "--out", single)
    port = 20000 + os.getpid() % 20000
    common = ["train", "--devices", 2, "--processes", 2, "--model", "gan", "--epochs", 1,
              "--port", port, "--out", tmp_path / "two.npz"]
    env = dict(os.environ, PYTHONPATH=ROOT, KERAS_BACKEND="jax")
    procs = [subprocess.Popen([sys.executable, SCRIPT, *map(str, common), "--process-id", str(i)],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err[-4000:]
    assert_state_close(np.load(single), np.load(tmp_path / "two.npz"))


def assert_state_close(expected, got):
    """Every state variable within RTOL of `expected` (loss-tracker variables left out)."""
    expected, got = dict(expected), dict(got)
    assert sorted(expected) == sorted(got)
    for key in expected:
        ref, val = expected[key], got[key]
        if key.startswith("metrics:"):
            continue
        if ref.dtype.kind in "fc":
            scale = max(float(np.max(np.abs(ref))), SCALE_FLOOR) if ref.size else 1.0
            np.testing.assert_allclose(val, ref, rtol=0, atol=RTOL * scale, err_msg=key)
        else:
            np.testing.assert_array_equal(val, ref, err_msg=key)


@pytest.mark.slow
@pytest.mark.skipif(BACKEND == "torch", reason="no distribution in released Keras on torch")
@pytest.mark.parametrize("first,second", [(2, 1), (1, 2)])
def test_a_backup_written_on_n_devices_resumes_on_m(tmp_path, first, second):
    # Uninterrupted on one device, against: `first` devices, crash after 3 batches of the
    # 8 (2 epochs x 4), resumed from the backup on `second` devices.
    name = "dcgan" if BACKEND == "jax" else "gan"  # BatchNorm is per replica on TF
    reference = tmp_path / "reference.npz"
    run_script("train", "--devices", 1, "--model", name, "--out", reference)
    backup = tmp_path / "backup"
    args = ["train", "--model", name, "--backup", backup, "--out", tmp_path / "resumed.npz"]
    assert run_script(*args, "--devices", first, "--crash-after", 3) == [{"crashed": True}]
    assert run_script(*args, "--devices", second, "--save", tmp_path / "model.keras")[-1]["done"]
    assert_state_close(np.load(reference), np.load(tmp_path / "resumed.npz"))
    if second > 1:  # saved under distribution: loads here, on one device, with that state
        loaded = ganzoo.load_model(str(tmp_path / "model.keras"))
        assert_state_close(np.load(tmp_path / "resumed.npz"), state_arrays(loaded))


# ------------------------------------------------------------------------ TensorFlow
@tf_only
def test_tf_mirrored_strategy_on_2_devices_equals_one_device_without_batch_norm():
    # Per-replica noise (rows of the global draw), losses over the global batch: equal to
    # one device. BatchNorm models: the next test. Each model twice in one process: the
    # second run's all-reduces must not be matched with the first's (one MirroredStrategy
    # per process, `mirrored_strategy`; a second strategy aborted with "Shape mismatch in
    # the collective instance 100").
    names = list(TF_EXACT) * 2
    check_equivalent(run_script("equivalence", "--devices", 2, "--models", ",".join(names)), names)


@tf_only
def test_tf_data_parallel_reuses_one_strategy_per_device_list():
    from ganzoo.backend.distribution import available_devices, mirrored_strategy

    devices = available_devices()[:1]
    assert mirrored_strategy(devices) is mirrored_strategy(list(devices))


@tf_only
@pytest.mark.slow
def test_tf_mirrored_strategy_batch_norm_is_per_replica():
    # Keras' BatchNorm under tf.distribute normalizes each replica's half with its own
    # statistics: the models train, but are not one device's run.
    names = [n for n in ganzoo.list_models() if n not in TF_EXACT + TF_UNSUPPORTED]
    results = run_script("equivalence", "--devices", 2, "--models", ",".join(names))
    assert sorted(r["model"] for r in results) == sorted(names)
    for r in results:
        assert r["moved_rel"] > 1e-3, r
        assert r["max_rel"] > RTOL, r  # per-replica statistics: not the one-device result


@tf_only
def test_tf_replicas_draw_different_noise_that_is_one_device_s_draw():
    (r,) = run_script("noise", "--devices", 2)
    per_replica = [np.array(p) for p in r["per_replica"]]
    assert not np.allclose(per_replica[0], per_replica[1])  # before: the same noise twice
    np.testing.assert_array_equal(np.concatenate(per_replica), np.array(r["one_device"]))


# ------------------------------------------------------------------------------ errors
@pytest.mark.skipif(BACKEND == "torch", reason="torch: the next test")
def test_data_parallel_refuses_more_devices_than_exist_and_uneven_batches():
    with pytest.raises(ValueError, match=r"Received: batch_size=6"):
        data_parallel(4, batch_size=6)
    with pytest.raises(ValueError, match=r"more devices .* Received: devices=4096"):
        data_parallel(4096, batch_size=4096)
    with pytest.raises(ValueError, match=r"Received: devices=0"):
        data_parallel(0)
    with data_parallel(1, batch_size=3):  # one device: nothing to split
        pass


@pytest.mark.skipif(BACKEND != "torch", reason="torch only")
def test_data_parallel_on_torch_names_the_backends_that_have_it():
    with pytest.raises(ValueError, match=r"jax.*tensorflow.*Received: devices=2"):
        data_parallel(2, batch_size=4)


# --------------------------------------------------------------------------------- CLI
CLI_TRAIN = ["train", "gan", "--dataset", "ring", "--epochs", "1", "--steps-per-epoch", "3",
             "--batch-size", "8", "--set", "hidden_units=(8,)", "--verbose", "0"]


@pytest.mark.skipif(BACKEND == "torch", reason="no distribution in released Keras on torch")
def test_cli_devices_trains_data_parallel_like_one_device(tmp_path):
    # `ganzoo train --devices 2` (a child with 2 virtual devices) against the same command
    # on one device (here): the global batch of 8 split 4 + 4 ends with one device's state.
    from ganzoo import cli

    assert cli.main([*CLI_TRAIN, "--out", str(tmp_path / "one")]) == 0
    command = [*CLI_TRAIN, "--devices", "2", "--out", str(tmp_path / "two")]
    assert run_script("cli", "--devices", 2, "--cli-args", json.dumps(command)) == [{"rc": 0}]
    one = ganzoo.load_model(str(tmp_path / "one" / "model.keras"))
    two = ganzoo.load_model(str(tmp_path / "two" / "model.keras"))
    assert int(keras.ops.convert_to_numpy(two.g_optimizer.iterations)) == 3
    assert_state_close(state_arrays(one), state_arrays(two))


def test_cli_devices_refuses_more_devices_than_exist_and_uneven_batches(tmp_path, capsys):
    from ganzoo import cli

    def error(*flags):
        assert cli.main([*CLI_TRAIN, "--out", str(tmp_path), *flags]) == 2
        return capsys.readouterr().err

    assert "Received: --devices 0" in error("--devices", "0")
    assert "multiple of --devices 3. Received: --batch-size 8" in error("--devices", "3")
    if BACKEND == "torch":
        assert "released Keras (3.15) does not have" in error("--devices", "2")
    else:
        assert "Received: devices=4096" in error("--devices", "4096", "--batch-size", "4096")
    assert not os.path.exists(tmp_path / "model.keras")


def test_whole_shares_makes_every_batch_split_evenly():
    from ganzoo.backend.distribution import whole_shares
    from ganzoo.resume import ShuffledBatches

    x, y = np.arange(1003 * 2, dtype="float32").reshape(1003, 2), np.arange(1003)
    cut_x, cut_y = whole_shares((x, y), 4)
    assert len(cut_x) == len(cut_y) == 1000
    np.testing.assert_array_equal(cut_x, x[:1000])  # the first ones, in order
    assert whole_shares(x, 1) is x
    assert len(ShuffledBatches(x, batch_size=12)[83]) == 7  # uncut: a last batch 4 devices cannot split
    batches = ShuffledBatches(whole_shares(x, 4), batch_size=12)
    assert sorted({len(batches[i]) % 4 for i in range(len(batches))}) == [0]
    assert len(batches[len(batches) - 1]) == 4  # the short last batch: 1 example per device
