"""Child process of tests/test_resume.py: train registered models with a backup.

python tests/resume_script.py NAME[,NAME...] WORKDIR [--kill-after K]

For each model in turn (skipping those whose WORKDIR/final_NAME.npz exists): fit it with
`ganzoo.resume.BackupAndRestore(WORKDIR/backup_NAME)`. With `--kill-after K`, a model not
killed before (no WORKDIR/killed_NAME) writes that marker after its K-th trained batch and
the process sleeps, so that the parent can SIGKILL it at a known point. Run the same
command again and the model resumes from its backup. At the end of a model's training
every state variable goes to WORKDIR/final_NAME.npz and what was restored to
WORKDIR/restored_NAME.json.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

if keras.config.backend() == "torch":
    import torch

    # As tests/conftest.py does for the in-process reference run: the same thread count
    # gives the same reduction order, hence bitwise-equal results.
    torch.set_num_threads(1)

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import ganzoo  # noqa: E402
from ganzoo.registry import get_test_config  # noqa: E402
from ganzoo.resume import BackupAndRestore, _variables  # noqa: E402

NUM_EXAMPLES = 16
BATCH_SIZE = 4  # 4 batches per epoch
EPOCHS = 3
SAVE_FREQ = 3   # backups after global batches 3, 6, 9, ... and at every epoch end


class KillPoint(keras.callbacks.Callback):
    """After the K-th batch this process trains, announce it and wait to be killed."""

    def __init__(self, kill_after, marker):
        super().__init__()
        self.kill_after, self.marker, self.seen = kill_after, marker, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.kill_after:
            with open(self.marker, "w") as f:
                f.write(str(batch))
            time.sleep(300)


def train(name, backup_dir, kill_after=0, marker=None, epochs=EPOCHS):
    """Build `name` from fixed seeds and fit it; returns (model, backup callback)."""
    keras.utils.set_random_seed(0)
    model = ganzoo.get(name, **get_test_config(name))
    data = model.example_data(NUM_EXAMPLES, seed=1)
    backup = BackupAndRestore(backup_dir, save_freq=SAVE_FREQ)
    callbacks = [backup]
    if kill_after:
        callbacks.append(KillPoint(kill_after, marker))
    # shuffle=False: the data order of an epoch does not depend on where the run started.
    model.fit(data, batch_size=BATCH_SIZE, epochs=epochs, shuffle=False, verbose=0, callbacks=callbacks)
    return model, backup


def state_arrays(model):
    # Keyed by position only: variable names carry layer names, which get a suffix
    # (dense_10, adam_2) in a process that built the model before.
    return {f"{group}:{i}": np.asarray(keras.ops.convert_to_numpy(v))
            for i, (group, v) in enumerate(_variables(model))}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("names")
    p.add_argument("workdir")
    p.add_argument("--kill-after", type=int, default=0)
    args = p.parse_args()
    for name in args.names.split(","):
        final = os.path.join(args.workdir, f"final_{name}.npz")
        if os.path.exists(final):
            continue
        marker = os.path.join(args.workdir, f"killed_{name}")
        kill_after = 0 if os.path.exists(marker) else args.kill_after
        model, backup = train(name, os.path.join(args.workdir, f"backup_{name}"), kill_after, marker)
        restored = backup.restored and {k: backup.restored[k] for k in ("epoch", "step", "global_step")}
        with open(os.path.join(args.workdir, f"restored_{name}.json"), "w") as f:
            json.dump(restored, f)
        np.savez(final + ".tmp.npz", **state_arrays(model))
        os.replace(final + ".tmp.npz", final)


if __name__ == "__main__":
    main()
