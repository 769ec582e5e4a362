"""Resume after a kill: a SIGKILLed and restarted run ends bitwise equal to an uninterrupted one."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.registry import get_test_config
from ganzoo.resume import BackupAndRestore

sys.path.insert(0, str(Path(__file__).parent))
import resume_script as rs  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
KILL_AFTER = 7  # 4 batches per epoch: killed after epoch 2's third batch
# Backups every 3 batches and at epoch ends: the last one before the kill is after
# batch 6, i.e. epoch index 1, 2 batches into it; batch 7 is lost and trained again.
EXPECTED_RESTORE = {"epoch": 1, "step": 2, "global_step": 6}
SIGKILL_MODELS = ("gan", "dcgan", "cyclegan")


def _child_env():
    env = dict(os.environ, KERAS_BACKEND=keras.config.backend(), TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


def _run_killing(names, workdir, timeout=240):
    """Run the child chain; SIGKILL it each time a model announces its kill point."""
    killed, runs = set(), 0
    deadline = time.time() + timeout
    while True:
        runs += 1
        with open(workdir / f"stderr_{runs}.txt", "w") as err:
            proc = subprocess.Popen(
                [sys.executable, str(REPO / "tests" / "resume_script.py"), ",".join(names), str(workdir),
                 "--kill-after", str(KILL_AFTER)],
                env=_child_env(), stdout=subprocess.DEVNULL, stderr=err,
            )
            while proc.poll() is None:
                new = [n for n in names if n not in killed and (workdir / f"killed_{n}").exists()]
                if new:
                    os.kill(proc.pid, signal.SIGKILL)  # a real kill: no handler, no cleanup
                    assert proc.wait() == -signal.SIGKILL
                    killed.add(new[0])
                    break
                if time.time() > deadline:
                    proc.kill()
                    pytest.fail(f"child timed out; stderr: {(workdir / f'stderr_{runs}.txt').read_text()[-3000:]}")
                time.sleep(0.05)
        if proc.returncode == 0:
            return killed, runs
        if proc.returncode != -signal.SIGKILL:
            pytest.fail(f"child failed ({proc.returncode}): {(workdir / f'stderr_{runs}.txt').read_text()[-3000:]}")


def _assert_same_state(expected, got_path):
    got = np.load(got_path)
    assert sorted(got.files) == sorted(expected), "different state variables"
    for key, value in expected.items():
        # Bitwise: same ops on the same inputs in the same order on CPU.
        np.testing.assert_array_equal(got[key], value, err_msg=key)


def test_sigkill_mid_epoch_then_resume_equals_uninterrupted(tmp_path):
    # One child process chain: each model is SIGKILLed once mid-epoch, then the same
    # command runs again and resumes it from its backup. cyclegan brings the most state
    # (four networks, two optimizers with a decaying rate, two image pools).
    names = list(SIGKILL_MODELS)
    killed, runs = _run_killing(names, tmp_path, timeout=600)
    assert killed == set(names) and runs == len(names) + 1
    for name in names:
        assert json.loads((tmp_path / f"restored_{name}.json").read_text()) == EXPECTED_RESTORE
        assert not (tmp_path / f"backup_{name}").exists()  # deleted once fit completed
        reference, _ = rs.train(name, str(tmp_path / f"reference_{name}"))
        expected = rs.state_arrays(reference)
        # The state compared includes both optimizers' moments and iterations, BatchNorm
        # statistics, the SeedGenerator state and the loss trackers.
        names = [v.name for _, v in rs._variables(reference)]
        assert "seed_generator_state" in names
        assert names.count("iteration") >= 2
        for opt in reference.optimizer_networks:
            assert int(keras.ops.convert_to_numpy(getattr(reference, opt).iterations)) == 12
        _assert_same_state(expected, tmp_path / f"final_{name}.npz")


class _Crash(keras.callbacks.Callback):
    """Simulates a crash: raises after the given batch (on_train_end never runs)."""

    def __init__(self, after):
        super().__init__()
        self.after, self.seen = after, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.after:
            raise KeyboardInterrupt("simulated crash")


# The others: the same backup/restore path, interrupted in-process (a process per model
# with a real SIGKILL costs a compilation each on every backend).
OTHER_MODELS = ganzoo.list_models(exclude=list(SIGKILL_MODELS))


@pytest.mark.parametrize("name", OTHER_MODELS)
def test_interrupted_then_resumed_equals_uninterrupted(name, tmp_path):
    backup_dir = str(tmp_path / "backup")
    keras.utils.set_random_seed(0)
    model = ganzoo.get(name, **get_test_config(name))
    data = model.example_data(rs.NUM_EXAMPLES, seed=1)
    with pytest.raises(KeyboardInterrupt):
        model.fit(data, batch_size=rs.BATCH_SIZE, epochs=rs.EPOCHS, shuffle=False, verbose=0,
                  callbacks=[BackupAndRestore(backup_dir, save_freq=rs.SAVE_FREQ), _Crash(KILL_AFTER)])
    resumed, backup = rs.train(name, backup_dir)
    assert {k: backup.restored[k] for k in EXPECTED_RESTORE} == EXPECTED_RESTORE
    reference, _ = rs.train(name, str(tmp_path / "reference"))
    expected = rs.state_arrays(reference)
    got = rs.state_arrays(resumed)
    for key, value in expected.items():
        np.testing.assert_array_equal(got[key], value, err_msg=key)


def _tiny_fit(model, callbacks, epochs=2):
    return model.fit(model.example_data(8, seed=1), batch_size=4, epochs=epochs, shuffle=False,
                     verbose=0, callbacks=callbacks)


def test_kill_during_save_keeps_last_good_backup(tmp_path, monkeypatch):
    keras.utils.set_random_seed(0)
    model = ganzoo.get("gan", **get_test_config("gan"))
    backup = BackupAndRestore(tmp_path, save_freq=1)
    with pytest.raises(KeyboardInterrupt):
        _tiny_fit(model, [backup, _Crash(3)])
    state = tmp_path / "state.npz"
    good = state.read_bytes()

    real_savez = np.savez

    def torn_savez(f, **arrays):  # the process dies half-way through writing
        f.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt("killed while saving")

    monkeypatch.setattr(np, "savez", torn_savez)
    model2 = ganzoo.get("gan", **get_test_config("gan"))
    with pytest.raises(KeyboardInterrupt):
        _tiny_fit(model2, [BackupAndRestore(tmp_path, save_freq=1)])
    monkeypatch.setattr(np, "savez", real_savez)
    assert state.read_bytes() == good  # the torn write went to state.npz.tmp only
    assert (tmp_path / "state.npz.tmp").exists()
    model3 = ganzoo.get("gan", **get_test_config("gan"))
    backup3 = BackupAndRestore(tmp_path, save_freq=1)
    _tiny_fit(model3, [backup3])
    assert backup3.restored["global_step"] == 3


def test_corrupt_backup_falls_back_to_previous(tmp_path):
    keras.utils.set_random_seed(0)
    model = ganzoo.get("gan", **get_test_config("gan"))
    with pytest.raises(KeyboardInterrupt):
        _tiny_fit(model, [BackupAndRestore(tmp_path, save_freq=1, double_checkpoint=True), _Crash(3)])
    (tmp_path / "state.npz").write_bytes(b"garbage")
    model2 = ganzoo.get("gan", **get_test_config("gan"))
    backup = BackupAndRestore(tmp_path, save_freq=1, double_checkpoint=True)
    _tiny_fit(model2, [backup])
    assert backup.restored["global_step"] == 2


def test_unreadable_backup_is_an_error_not_a_fresh_start(tmp_path):
    (tmp_path / "state.npz").write_bytes(b"garbage")
    model = ganzoo.get("gan", **get_test_config("gan"))
    with pytest.raises(ValueError, match=r"cannot be read.*Received: backup_dir="):
        _tiny_fit(model, [BackupAndRestore(tmp_path)])
    assert int(keras.ops.convert_to_numpy(model.d_optimizer.iterations)) == 0


def test_backup_of_another_model_is_refused(tmp_path):
    keras.utils.set_random_seed(0)
    model = ganzoo.get("gan", **get_test_config("gan"))
    with pytest.raises(KeyboardInterrupt):
        _tiny_fit(model, [BackupAndRestore(tmp_path, save_freq=1), _Crash(1)])
    other = ganzoo.get("dcgan", **get_test_config("dcgan"))
    with pytest.raises(ValueError, match=r"different model.*Received: backup_dir="):
        _tiny_fit(other, [BackupAndRestore(tmp_path)])


class _Counter(keras.callbacks.Callback):
    """A callback with state outside the model (like an EMA or an image pool)."""

    def __init__(self):
        super().__init__()
        self.total = np.zeros(3, "float32")

    def on_train_batch_end(self, batch, logs=None):
        self.total += 1.0

    def get_backup_state(self):
        return {"total": self.total.copy()}

    def set_backup_state(self, state):
        self.total = np.array(state["total"])


def test_callback_state_is_backed_up_and_restored(tmp_path):
    keras.utils.set_random_seed(0)
    model = ganzoo.get("gan", **get_test_config("gan"))
    with pytest.raises(KeyboardInterrupt):
        _tiny_fit(model, [BackupAndRestore(tmp_path, save_freq=1), _Counter(), _Crash(3)], epochs=3)
    counter = _Counter()
    _tiny_fit(ganzoo.get("gan", **get_test_config("gan")), [BackupAndRestore(tmp_path, save_freq=1), counter],
              epochs=3)
    # 3 batches before the crash (all backed up) + the 3 remaining of 6.
    np.testing.assert_array_equal(counter.total, np.full(3, 6.0))


def test_keras_file_keeps_the_noise_state(tmp_path):
    keras.utils.set_random_seed(0)
    model = ganzoo.get("gan", **get_test_config("gan"))
    _tiny_fit(model, [], epochs=1)
    state = keras.ops.convert_to_numpy(model.seed_generator.state)
    model.save(tmp_path / "m.keras")
    keras.utils.set_random_seed(123)
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded.seed_generator.state), state)
