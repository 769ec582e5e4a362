"""Resume after a kill (ganzoo/resume.py): real SIGKILLs, torn and corrupt backups, callback state.

The in-process interrupt-and-resume check of every registered model is the harness'
`run_resume_test` (tests/models/test_registered.py). Here a child process is SIGKILLed
mid-epoch and rerun: one model per backend in the fast tier (gan), the models with the
most state (dcgan's BatchNorm, cyclegan's four networks, decaying rate and image pools)
in the slow tier.
"""
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
from tests import harness
from tests.harness import Crash as _Crash

REPO = Path(__file__).resolve().parent.parent


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
                 "--kill-after", str(harness.KILL_AFTER)],
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


def _check_sigkill_chain(names, workdir, timeout):
    # One child process chain: each model is SIGKILLed once mid-epoch, then the same
    # command runs again and resumes it from its backup.
    killed, runs = _run_killing(names, workdir, timeout=timeout)
    assert killed == set(names) and runs == len(names) + 1
    for name in names:
        assert json.loads((workdir / f"restored_{name}.json").read_text()) == harness.EXPECTED_RESTORE
        assert not (workdir / f"backup_{name}").exists()  # deleted once fit completed
        reference, _ = harness.train_with_backup(name, str(workdir / f"reference_{name}"))
        # The state compared includes both optimizers' moments and iterations, BatchNorm
        # statistics, the SeedGenerator state and the loss trackers.
        variable_names = [v.name for _, v in harness._variables(reference)]
        assert "seed_generator_state" in variable_names
        assert variable_names.count("iteration") >= 2
        for opt in reference.optimizer_networks:
            assert harness.iterations(getattr(reference, opt)) == 12
        got = np.load(workdir / f"final_{name}.npz")
        harness.assert_same_state(harness.state_arrays(reference), {k: got[k] for k in got.files})


def test_sigkill_mid_epoch_then_resume_equals_uninterrupted(tmp_path):
    _check_sigkill_chain(["gan"], tmp_path, timeout=300)


@pytest.mark.slow
def test_sigkill_chain_of_models_with_the_most_state(tmp_path):
    _check_sigkill_chain(["dcgan", "cyclegan"], tmp_path, timeout=600)


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
    # The crash was raised by a callback at batch 3, before the backup (last in the list) ran.
    assert backup3.restored["global_step"] == 2


def test_corrupt_backup_falls_back_to_previous(tmp_path):
    keras.utils.set_random_seed(0)
    model = ganzoo.get("gan", **get_test_config("gan"))
    with pytest.raises(KeyboardInterrupt):
        _tiny_fit(model, [BackupAndRestore(tmp_path, save_freq=1, double_checkpoint=True), _Crash(3)])
    (tmp_path / "state.npz").write_bytes(b"garbage")
    model2 = ganzoo.get("gan", **get_test_config("gan"))
    backup = BackupAndRestore(tmp_path, save_freq=1, double_checkpoint=True)
    _tiny_fit(model2, [backup])
    # Latest: epoch 1's end; previous: after batch 2 (batch 3 raised before the backup ran).
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
        _tiny_fit(model, [BackupAndRestore(tmp_path, save_freq=1), _Crash(2)])  # backed up after batch 1
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


@pytest.mark.parametrize("name", ["stylegan2", "pix2pix"])
def test_keras_file_keeps_the_layers_noise_state(tmp_path, name):
    # StyleGAN2's noise layers and pix2pix's Dropout own SeedGenerators that Keras does not
    # save: a loaded model must continue their draws, not restart or reseed them.
    keras.utils.set_random_seed(0)
    model = ganzoo.get(name, **get_test_config(name))
    _tiny_fit(model, [], epochs=1)
    def seed_states(m):  # every SeedGenerator's state but the model's own, in a fixed order
        return [keras.ops.convert_to_numpy(v) for v in m.variables
                if v.path.endswith("seed_generator_state") and v is not m.seed_generator.state]

    states = seed_states(model)
    assert states and all(int(s[1]) > 0 for s in states[:1]), states  # trained: the draws moved
    model.save(tmp_path / "m.keras")
    keras.utils.set_random_seed(123)
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    again = seed_states(loaded)
    assert len(again) == len(states)
    for a, b in zip(again, states):
        np.testing.assert_array_equal(a, b)


def test_keras_file_keeps_the_noise_state(tmp_path):
    keras.utils.set_random_seed(0)
    model = ganzoo.get("gan", **get_test_config("gan"))
    _tiny_fit(model, [], epochs=1)
    state = keras.ops.convert_to_numpy(model.seed_generator.state)
    model.save(tmp_path / "m.keras")
    keras.utils.set_random_seed(123)
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded.seed_generator.state), state)
