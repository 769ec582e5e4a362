"""Why ganzoo has its own BackupAndRestore: crash mid-epoch, resume, compare with no crash.

KERAS_BACKEND=tensorflow python benchmarks/keras_backup_vs_ganzoo.py

dcgan test config, 16 examples, batch 4 (4 batches/epoch), 3 epochs, backups every 3 batches,
a crash (exception) after the 7th batch, then the same fit again. Prints, per callback
class, the optimizers' final `iterations` (12 if every batch trained exactly once) and
whether every state variable equals the uninterrupted run's.
"""
import json
import os
import shutil
import sys
import tempfile

import keras
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import ganzoo  # noqa: E402
from ganzoo.registry import get_test_config  # noqa: E402
from ganzoo.resume import _variables  # noqa: E402


class Crash(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == 7:
            raise KeyboardInterrupt


def fit(backup_cls, backup_dir, crash):
    keras.utils.set_random_seed(0)
    model = ganzoo.get("dcgan", **get_test_config("dcgan"))
    cbs = [backup_cls(backup_dir, save_freq=3)] + ([Crash()] if crash else [])
    try:
        model.fit(model.example_data(16, seed=1), batch_size=4, epochs=3, shuffle=False, verbose=0, callbacks=cbs)
    except KeyboardInterrupt:
        pass
    return model


def state(model):
    return [np.asarray(keras.ops.convert_to_numpy(v)) for _, v in _variables(model)]


reference = state(fit(ganzoo.resume.BackupAndRestore, tempfile.mkdtemp(), crash=False))
for cls in (keras.callbacks.BackupAndRestore, ganzoo.resume.BackupAndRestore):
    d = tempfile.mkdtemp()
    fit(cls, d, crash=True)
    model = fit(cls, d, crash=False)
    got = state(model)
    print(json.dumps({
        "backend": keras.config.backend(),
        "callback": f"{cls.__module__.split('.')[0]}.{cls.__name__}",
        "iterations": {o: int(keras.ops.convert_to_numpy(getattr(model, o).iterations)) for o in model.optimizer_networks},
        "equal_to_uninterrupted": all(np.array_equal(a, b) for a, b in zip(got, reference)),
    }))
    shutil.rmtree(d, ignore_errors=True)
