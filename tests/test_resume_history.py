"""Resume (ganzoo/resume.py): the logged history and the callbacks of a resumed run.

A run interrupted (in-process crash raised from a callback) and resumed from its backup must
log, epoch by epoch, what the uninterrupted run logs, whether the backup was written in the
middle of an epoch (`save_freq=1`) or at an epoch end (`save_freq="epoch"`, the CLI's
default); and the batches a mid-epoch resume skips must not reach the other callbacks.
"""
import keras
import numpy as np
import pytest

from ganzoo.resume import BackupAndRestore
from tests import harness
from tests.harness import Crash

# 8 examples in batches of 4: 2 batches an epoch, 3 epochs, 6 batches.
NUM, BATCH, EPOCHS = 8, 4, 3


class EpochLogs(keras.callbacks.Callback):
    """Records the logs of every epoch end, by epoch index."""

    def __init__(self):
        super().__init__()
        self.logs = {}

    def on_epoch_end(self, epoch, logs=None):
        self.logs[epoch] = dict(logs)


class BatchCounter(keras.callbacks.Callback):
    """A callback with state outside the model: counts the batches it is told about."""

    def __init__(self):
        super().__init__()
        self.begins = np.zeros((), "int64")
        self.ends = np.zeros((), "int64")
        self.seen = []  # (epoch, batch) of every on_train_batch_end, in this process
        self.epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        self.begins += 1

    def on_train_batch_end(self, batch, logs=None):
        self.ends += 1
        self.seen.append((self.epoch, batch))

    def get_backup_state(self):
        return {"begins": self.begins.copy(), "ends": self.ends.copy()}

    def set_backup_state(self, state):
        self.begins, self.ends = np.array(state["begins"]), np.array(state["ends"])


def _fit(name, backup_dir, callbacks, save_freq):
    model = harness.build(name)
    data = model.example_data(NUM, seed=1)
    backup = BackupAndRestore(backup_dir, save_freq=save_freq)
    model.fit(data, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[backup, *callbacks])
    return model, backup


# (save_freq, crash after batch, what the resume starts from)
CASES = {
    # Backups every batch: the last one is after batch 3 (batch 4 raised first), one batch
    # into epoch index 1; the resumed run skips that batch and trains the other.
    "mid_epoch": (1, 4, {"epoch": 1, "step": 1, "global_step": 3}),
    # Backups at epoch ends only: the crash in epoch index 1 resumes from its start.
    "epoch_end": ("epoch", 3, {"epoch": 1, "step": 0, "global_step": 2}),
}


# pix2pix (the model whose trackers ended at 16 batches instead of 8 after a torch resume)
# compiles for ~10-25 s per backend: slow tier.
@pytest.mark.parametrize("name", ["gan", pytest.param("pix2pix", marks=pytest.mark.slow)])
@pytest.mark.parametrize("case", sorted(CASES))
def test_resumed_history_equals_uninterrupted(name, case, tmp_path):
    save_freq, crash_after, expected = CASES[case]
    first = EpochLogs()
    with pytest.raises(KeyboardInterrupt):
        _fit(name, tmp_path / "backup", [first, Crash(crash_after)], save_freq)
    second = EpochLogs()
    resumed, backup = _fit(name, tmp_path / "backup", [second], save_freq)
    assert {k: backup.restored[k] for k in expected} == expected
    reference = EpochLogs()
    _fit(name, tmp_path / "reference", [reference], save_freq)

    # Epochs finished before the crash come from the first run, the others from the resumed one.
    got = {e: logs for e, logs in first.logs.items() if e < expected["epoch"]}
    got.update(second.logs)
    assert sorted(got) == sorted(reference.logs) == list(range(EPOCHS))
    for epoch in range(EPOCHS):
        assert sorted(got[epoch]) == sorted(reference.logs[epoch]) == sorted(resumed.loss_names)
        for key, value in reference.logs[epoch].items():
            # The same batches, in the same order, through the same trackers: bitwise.
            assert got[epoch][key] == value, (case, epoch, key, got[epoch][key], value)
    # The trackers end holding the last epoch's batches only (2), as in the uninterrupted run.
    harness.assert_same_state(harness.state_arrays(reference.model), harness.state_arrays(resumed))


@pytest.mark.parametrize("position", ["before_backup", "after_backup"])
def test_skipped_batches_do_not_reach_the_callbacks(position, tmp_path):
    # A mid-epoch resume draws the batch the backup covers without training on it: the
    # callbacks saw it before the crash (their state is in the backup), so they must not
    # be called for it again, wherever they are in the list.
    def callbacks(counter, extra=()):
        return [counter, *extra] if position == "before_backup" else [*extra, counter]

    counter = BatchCounter()
    with pytest.raises(KeyboardInterrupt):
        _fit("gan", tmp_path, callbacks(counter, [Crash(4)]), save_freq=1)
    counter = BatchCounter()
    _, backup = _fit("gan", tmp_path, callbacks(counter), save_freq=1)
    assert backup.restored["step"] == 1  # epoch index 1, batch 0 skipped
    # Batch 0 of epoch 1 is not reported again; every later batch is, once.
    assert counter.seen == [(1, 1), (2, 0), (2, 1)]
    # 3 batches counted before the crash and kept in the backup, 3 trained after it: 6.
    assert int(counter.begins) == int(counter.ends) == EPOCHS * NUM // BATCH
