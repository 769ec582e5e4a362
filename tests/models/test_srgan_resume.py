"""srgan (ganzoo/models/srgan.py) resumed across its warm-up: the phase dispatch and the resume skip.

SRGAN picks a compiled step per phase from a host-side copy of the generator's step, made
when `fit` makes its train function, i.e. before `BackupAndRestore` restores the state. The
model's `on_resume` hook reads the restored step again, and the batches a mid-epoch resume
skips never reach the phase dispatch (the skip sits outside it, `Trainer.train_function`):
a run resumed past the end of the warm-up equals the uninterrupted run, bitwise.
"""
import pytest

from ganzoo.resume import BackupAndRestore
from tests import harness
from tests.harness import Crash

# 8 pairs in batches of 4: 2 batches an epoch, 3 epochs; the warm-up is the first 3 steps.
NUM, BATCH, EPOCHS, WARMUP = 8, 4, 3, 3


def _fit(backup_dir, save_freq, callbacks=()):
    model = harness.build("srgan", warmup_steps=WARMUP)
    data = model.example_data(NUM, seed=1)
    backup = BackupAndRestore(backup_dir, save_freq=save_freq)
    model.fit(data, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[backup, *callbacks])
    return model, backup


# (save_freq, crash after batch, what the resume starts from)
CASES = {
    # The last backup is after step 3 (the end of the warm-up), one batch into epoch index 1:
    # that batch is skipped, the next ones are adversarial.
    "mid_epoch": (1, 4, {"epoch": 1, "step": 1, "global_step": 3}),
    # Epoch-end backups: the crash in epoch index 1 resumes from step 2, one warm-up step left.
    "epoch_end": ("epoch", 3, {"epoch": 1, "step": 0, "global_step": 2}),
}


# Three fits of two compiled phases each (26 CPU-s on TensorFlow): the mid-epoch case is
# `heavy` (fast tier under torch, slow elsewhere), the epoch-end case slow everywhere.
@pytest.mark.parametrize("case", [pytest.param("mid_epoch", marks=pytest.mark.heavy),
                                  pytest.param("epoch_end", marks=pytest.mark.slow)])
def test_resume_across_the_warmup_equals_uninterrupted(case, tmp_path):
    save_freq, crash_after, expected = CASES[case]
    with pytest.raises(KeyboardInterrupt):
        _fit(tmp_path / "backup", save_freq, [Crash(crash_after)])
    resumed, backup = _fit(tmp_path / "backup", save_freq)
    assert {k: backup.restored[k] for k in expected} == expected
    reference, _ = _fit(tmp_path / "reference", save_freq)
    # 6 generator steps, the last 3 adversarial: the discriminator stepped 3 times in both.
    assert harness.iterations(reference.g_optimizer) == harness.iterations(resumed.g_optimizer) == 6
    assert harness.iterations(reference.d_optimizer) == harness.iterations(resumed.d_optimizer) == 3
    harness.assert_same_state(harness.state_arrays(reference), harness.state_arrays(resumed))
