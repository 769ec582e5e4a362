"""Resume training after a kill with every piece of state: `BackupAndRestore`.

What `keras.callbacks.BackupAndRestore` (Keras 3.15) does not do, measured on ganzoo models:

- it saves weights with `save_weights`, which leaves out the `SeedGenerator` state (the
  resumed run draws different noise) and the loss trackers;
- with `save_freq=<int>` it records the batch but resumes at the START of the interrupted
  epoch, replaying the batches already trained on (their updates are applied twice);
- it writes the weights file in place: a kill during the write leaves a corrupt file.

This subclass saves ALL model variables (weights, BatchNorm statistics, SeedGenerator
state, the non-finite flag), ALL optimizer variables (each `OptimizerGroup` member's
moments, `iterations` and therefore the learning-rate schedule position), the loss
trackers, the epoch, the batch within the epoch, and the state of any callback that
defines `get_backup_state()` / `set_backup_state(state)` (e.g. generator EMA, image pool,
learning-rate decay kept outside the model) into ONE `.npz` file written to a temporary
name and moved into place with `os.replace`, so a kill at any moment leaves either the
previous or the new backup, never a torn one. On restart it restores all of it and skips
the batches of the interrupted epoch that the backup already covers.

Equality with an uninterrupted run needs the same data order in every epoch, whatever the
epoch the process started at: numpy data with `shuffle=False`, a dataset that is already
shuffled once with a fixed seed, or a `tf.data` pipeline whose order does not depend on how
many epochs this process has iterated. Keras' own `shuffle=True` draws a new order from the
global RNG each epoch, so a resumed run sees other orders (training still resumes with the
full state, it just is not bitwise the uninterrupted run).
"""
import json
import os
import time

import keras
import numpy as np

from ganzoo.guards import NonFiniteLossError, describe_nonfinite

_STATE_FILE = "state.npz"
_FORMAT = 1


def _variables(model):
    """Every variable whose value makes up the training state, in a fixed order."""
    groups = {"model": list(model.variables)}
    opt = getattr(model, "optimizer", None)
    groups["optimizer"] = list(opt.variables) if opt is not None else []
    groups["metrics"] = list(model.metrics_variables)
    seen, out = set(), []
    for group, variables in groups.items():
        for v in variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append((group, v))
    return out


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """Back up the full training state; restore it and continue where training stopped.

    Same arguments as `keras.callbacks.BackupAndRestore`; the state is kept in
    `backup_dir/state.npz`. With `save_freq=<int>`, it also saves at each epoch end.

    Args:
        backup_dir: str. Folder for the backup (use one folder per training run).
        save_freq: `"epoch"` or int. Save every epoch end, or every `save_freq` batches
            (and every epoch end). Defaults to `"epoch"`.
        double_checkpoint: bool. Keep the previous backup as `state.prev.npz` and fall
            back to it if the latest cannot be read. Defaults to `False`.
        delete_checkpoint: bool. Delete the backup when `fit` completes. Defaults to `True`.

    Example:
    ```python
    gan = ganzoo.get("dcgan", image_shape=(16, 16, 1), filters=16)
    backup = ganzoo.resume.BackupAndRestore("runs/dcgan/backup", save_freq=50)
    gan.fit(x, batch_size=64, epochs=20, shuffle=False, callbacks=[backup])
    # killed? run the same lines again: training continues from the last backup.
    ```
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        if save_freq != "epoch" and (not isinstance(save_freq, int) or isinstance(save_freq, bool) or save_freq < 1):
            raise ValueError(
                f"`save_freq` must be 'epoch' or a positive int. Received: save_freq={save_freq!r}"
            )
        super().__init__(os.fspath(backup_dir), save_freq=save_freq, double_checkpoint=double_checkpoint,
                         delete_checkpoint=delete_checkpoint)
        self.state_path = os.path.join(self.backup_dir, _STATE_FILE)
        self.prev_state_path = os.path.join(self.backup_dir, "state.prev.npz")
        #: Callbacks with `get_backup_state`/`set_backup_state`; `AdversarialModel.fit`
        #: fills this from the callback list.
        self.stateful_callbacks = []
        self._epoch = 0           # epochs completed
        self._step = 0            # batches completed in the current epoch
        self._global_step = 0     # batches completed in total
        self._skip = 0            # batches of the resumed epoch to skip
        self._restored = None     # metadata of the restored backup
        self._pending_metrics = None
        self._skip_logs = {}
        self._skipped_batches = 0
        self._original_train_function = None

    # --------------------------------------------------------------------- restore
    def on_train_begin(self, logs=None):
        self._epoch = self._step = self._global_step = self._skip = self._skipped_batches = 0
        self._restored = None
        self._pending_metrics = None
        path = self._readable_backup()
        if path is None:
            return
        model = self.model
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(str(f["__meta__"]))
            arrays = {k: f[k] for k in f.files if k != "__meta__"}
        self._check_compatible(meta, model, path)
        pending = []
        for i, (group, v) in enumerate(_variables(model)):
            if group == "metrics":  # put back after `fit` resets the metrics (epoch begin)
                pending.append((v, arrays[f"v{i}"]))
            else:
                v.assign(arrays[f"v{i}"])
        self._pending_metrics = pending
        for cb in self.stateful_callbacks:
            key = f"cb_{type(cb).__name__}"
            if key in meta.get("callbacks", {}):
                cb.set_backup_state({k: arrays[f"{key}/{k}"] for k in meta["callbacks"][key]})
        self._epoch, self._step, self._global_step = meta["epoch"], meta["step"], meta["global_step"]
        self._skip = self._step
        model._initial_epoch = self._epoch
        self._restored = meta
        if self._skip:
            self._install_skip()

    def _readable_backup(self):
        for path in (self.state_path, self.prev_state_path):
            if not os.path.exists(path):
                continue
            try:
                with np.load(path, allow_pickle=False) as f:
                    json.loads(str(f["__meta__"]))
                return path
            except Exception as e:  # a torn or foreign file: try the previous one
                last_error = e
                continue
        if os.path.exists(self.state_path) or os.path.exists(self.prev_state_path):
            raise ValueError(
                f"The backup in {self.backup_dir!r} cannot be read ({last_error}); delete it (or "
                "`ganzoo train --no-resume`) to start over. "
                f"Received: backup_dir={self.backup_dir!r}"
            )
        return None

    def _check_compatible(self, meta, model, path):
        specs = [[list(v.shape), str(v.dtype)] for _, v in _variables(model)]
        if meta.get("format") != _FORMAT or meta.get("specs") != specs or meta.get("class") != type(model).__name__:
            raise ValueError(
                f"The backup {path!r} was written by a different model or configuration "
                f"({meta.get('class')} with {len(meta.get('specs', []))} state variables; this model is "
                f"{type(model).__name__} with {len(specs)}). Use another backup_dir or delete it. "
                f"Received: backup_dir={self.backup_dir!r}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        # `fit` resets the metrics just before this: put the interrupted epoch's running
        # loss means back so its logged averages cover all of its batches.
        if self._pending_metrics is not None:
            for v, value in self._pending_metrics:
                v.assign(value)
            self._pending_metrics = None
            self._skip_logs = {name: float(keras.ops.convert_to_numpy(value))
                               for name, value in self._model.logs().items()}

    def _install_skip(self):
        # The batches of the interrupted epoch up to the backup were trained on already.
        # The data iterator must still advance past them (so the remaining batches are the
        # ones an uninterrupted run would see), without training: for those calls the
        # compiled train function is replaced by one that only draws the batch.
        model = self._model
        original = model.train_function
        backend = keras.config.backend()
        callback = self

        def skipping_train_function(*args):
            if callback._skip <= 0:
                model.train_function = original
                return original(*args)
            callback._skip -= 1
            callback._skipped_batches += 1
            logs = callback._skip_logs
            if backend == "jax":
                state, iterator = args
                next(iterator)
                out = (dict(logs), state)
            elif backend == "tensorflow":
                next(args[0])
                out = dict(logs)
            else:  # torch: the epoch iterator has drawn the batch already
                out = dict(logs)
            if callback._skip <= 0:
                model.train_function = original
            return out

        if getattr(model, "steps_per_execution", 1) != 1:
            raise ValueError(
                "Resuming in the middle of an epoch needs steps_per_execution=1. "
                f"Received: steps_per_execution={model.steps_per_execution}"
            )
        self._original_train_function = original
        model.train_function = skipping_train_function

    # ------------------------------------------------------------------------ save
    def on_train_batch_end(self, batch, logs=None):
        self._step = batch + 1
        if self._skipped_batches:  # a skipped batch: the backup covers it already
            self._skipped_batches -= 1
            return
        self._global_step += 1
        if self.save_freq != "epoch" and self._global_step % self.save_freq == 0:
            self._save_state()

    def on_epoch_end(self, epoch, logs=None):
        self._epoch, self._step = epoch + 1, 0
        self._save_state()

    def _save_state(self):
        model = self.model  # on JAX this syncs the training state into the variables
        arrays, specs = {}, []
        for i, (_, v) in enumerate(_variables(model)):
            value = np.asarray(keras.ops.convert_to_numpy(v))
            if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                what = describe_nonfinite(model) or f"variable {v.path} is NaN/Inf"
                raise NonFiniteLossError(
                    f"Refusing to back up a non-finite training state ({what}; epoch {self._epoch + 1}, "
                    f"batch {self._step}); the last good backup in {self.backup_dir!r} is kept."
                )
            arrays[f"v{i}"] = value
            specs.append([list(v.shape), str(v.dtype)])
        cb_meta = {}
        for cb in self.stateful_callbacks:
            key = f"cb_{type(cb).__name__}"
            state = cb.get_backup_state() or {}
            cb_meta[key] = sorted(state)
            for k, value in state.items():
                arrays[f"{key}/{k}"] = np.asarray(value)
        meta = {
            "format": _FORMAT,
            "class": type(model).__name__,
            "backend": keras.config.backend(),
            "epoch": self._epoch,
            "step": self._step,
            "global_step": self._global_step,
            "specs": specs,
            "callbacks": cb_meta,
            "time": time.time(),
        }
        arrays["__meta__"] = np.asarray(json.dumps(meta))
        os.makedirs(self.backup_dir, exist_ok=True)
        tmp = self.state_path + ".tmp"
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        if self.double_checkpoint and os.path.exists(self.state_path):
            os.replace(self.state_path, self.prev_state_path)
        # Atomic on POSIX and Windows: a kill leaves the old or the new file, never half.
        os.replace(tmp, self.state_path)

    def on_train_end(self, logs=None):
        model = self._model
        if self._original_train_function is not None and model.train_function is not self._original_train_function:
            model.train_function = self._original_train_function
        self._original_train_function = None
        # Keras never clears this: a later `fit` on the same model would start there too.
        model._initial_epoch = None
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            for name in (_STATE_FILE, "state.prev.npz", _STATE_FILE + ".tmp"):
                p = os.path.join(self.backup_dir, name)
                if os.path.exists(p):
                    os.remove(p)
            try:
                os.rmdir(self.backup_dir)
            except OSError:
                pass  # other files live there

    @property
    def restored(self):
        """Metadata of the backup restored at the start of `fit` (`None` if none)."""
        return self._restored


def read_backup(backup_dir):
    """The metadata (epoch, step, global_step, ...) of the backup in `backup_dir`, or `None`."""
    for name in (_STATE_FILE, "state.prev.npz"):
        path = os.path.join(os.fspath(backup_dir), name)
        try:
            with np.load(path, allow_pickle=False) as f:
                return json.loads(str(f["__meta__"]))
        except Exception:  # missing or unreadable
            continue
    return None
