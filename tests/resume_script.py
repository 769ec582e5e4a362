"""Child process of tests/test_resume.py: train registered models with a backup.

python tests/resume_script.py NAME[,NAME...] WORKDIR [--kill-after K]

For each model in turn (skipping those whose WORKDIR/final_NAME.npz exists): fit it under
the harness' resume protocol (`tests.harness.train_with_backup`, backups in
WORKDIR/backup_NAME). With `--kill-after K`, a model not killed before (no
WORKDIR/killed_NAME) writes that marker after its K-th trained batch and the process
sleeps, so that the parent can SIGKILL it at a known point. Run the same command again
and the model resumes from its backup. At the end of a model's training every state
variable goes to WORKDIR/final_NAME.npz and what was restored to WORKDIR/restored_NAME.json.
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402

if keras.config.backend() == "torch":
    import torch

    # As tests/conftest.py does for the in-process reference run: the same thread count
    # gives the same reduction order, hence bitwise-equal results.
    torch.set_num_threads(1)

from tests.harness import state_arrays, train_with_backup  # noqa: E402


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
        callbacks = [] if os.path.exists(marker) or not args.kill_after else [KillPoint(args.kill_after, marker)]
        model, backup = train_with_backup(name, os.path.join(args.workdir, f"backup_{name}"), callbacks)
        restored = backup.restored and {k: backup.restored[k] for k in ("epoch", "step", "global_step")}
        with open(os.path.join(args.workdir, f"restored_{name}.json"), "w") as f:
            json.dump(restored, f)
        np.savez(final + ".tmp.npz", **state_arrays(model))
        os.replace(final + ".tmp.npz", final)


if __name__ == "__main__":
    main()
