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
the batches of the interrupted epoch that the backup already covers (without calling the
other callbacks for them). The backup also records the run's settings (batch size, model
config, optimizer hyper-parameters, backend, and any `settings=` given): a resume with
other values is refused with an error naming the setting and both values.

Equality with an uninterrupted run needs the same data order in every epoch, whatever the
epoch the process started at: numpy data with `shuffle=False`, a dataset that is already
shuffled once with a fixed seed, or a `tf.data` pipeline whose order does not depend on how
many epochs this process has iterated. Keras' own `shuffle=True` draws a new order from the
global RNG each epoch, so a resumed run sees other orders (training still resumes with the
full state, it just is not bitwise the uninterrupted run).
"""
import json
import os
import re
import time

import keras
import numpy as np

from ganzoo.guards import NonFiniteLossError, describe_nonfinite

_STATE_FILE = "state.npz"
_FORMAT = 1
_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")
_MISSING = object()


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
        settings: dict or `None`. Extra JSON-serializable settings of the run (e.g. the
            command line's flags) recorded in the backup; resuming with another value of
            any of them is refused, naming it. The batch size, the model's config and the
            optimizers' hyper-parameters are always recorded and checked. Defaults to `None`.

    Example:
    ```python
    gan = ganzoo.get("dcgan", image_shape=(16, 16, 1), filters=16)
    backup = ganzoo.resume.BackupAndRestore("runs/dcgan/backup", save_freq=50)
    gan.fit(x, batch_size=64, epochs=20, shuffle=False, callbacks=[backup])
    # killed? run the same lines again: training continues from the last backup.
    ```
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True,
                 settings=None):
        if os.path.exists(os.fspath(backup_dir)) and not os.path.isdir(os.fspath(backup_dir)):
            raise ValueError(
                "`backup_dir` must be a folder (it is created if missing), not an existing file. "
                f"Received: backup_dir={os.fspath(backup_dir)!r}"
            )
        if settings is not None and not isinstance(settings, dict):
            raise ValueError(f"`settings` must be a dict or None. Received: settings={settings!r}")
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
        #: The other callbacks of the same `fit` (set by `prepare_backups`): they are not
        #: called for the batches skipped on a mid-epoch resume.
        self.fit_callbacks = []
        #: The `batch_size` given to `fit` (set by `prepare_backups`), recorded and checked.
        self.fit_batch_size = None
        self.settings = dict(settings or {})
        self._run_settings = None  # what this fit runs with, recorded in every backup
        self._muted = []          # (callback, saved attributes) while skipping batches
        self._muting = False
        self._epoch = 0           # epochs completed
        self._step = 0            # batches completed in the current epoch
        self._global_step = 0     # batches completed in total
        self._skip = 0            # batches of the resumed epoch to skip
        self._restored = None     # metadata of the restored backup
        self._pending_metrics = None
        self._skip_logs = {}
        self._skipped_batches = 0

    # --------------------------------------------------------------------- restore
    def on_train_begin(self, logs=None):
        self._unmute_callbacks()
        self._epoch = self._step = self._global_step = self._skip = self._skipped_batches = 0
        self._restored = None
        self._pending_metrics = None
        # What this run was started with, read before anything is restored (the optimizers'
        # learning rates included): recorded in every backup, compared on a resume.
        self._run_settings = run_settings(self.model, self.fit_batch_size, self.settings)
        if hasattr(self._model, "skip_train_batches"):
            self._model.skip_train_batches(0)  # none left over from a fit that crashed mid-skip
        found = self._read_backup()
        if found is None:
            return
        path, meta, arrays = found
        model = self.model
        self._check_compatible(meta, model, path)
        pending = []
        for i, (group, v) in enumerate(_variables(model)):
            if group == "metrics":  # put back after `fit` resets the metrics (epoch begin)
                pending.append((v, arrays[f"v{i}"]))
            else:
                v.assign(arrays[f"v{i}"])
        # An epoch-end backup (step 0) starts a new epoch: its trackers start from zero,
        # as `fit` resets them; only a mid-epoch backup carries the epoch's running means,
        # which are also what the skipped batches of that epoch report as their logs.
        self._pending_metrics = pending if meta["step"] else None
        self._skip_logs = {}
        if meta["step"]:
            for v, value in pending:
                v.assign(value)
            logs_of = getattr(model, "logs", None)
            if logs_of is not None:
                self._skip_logs = {name: float(keras.ops.convert_to_numpy(value))
                                   for name, value in logs_of().items()}
        for cb in self.stateful_callbacks:
            key = f"cb_{type(cb).__name__}"
            if key in meta.get("callbacks", {}):
                cb.set_backup_state({k: arrays[f"{key}/{k}"] for k in meta["callbacks"][key]})
        self._epoch, self._step, self._global_step = meta["epoch"], meta["step"], meta["global_step"]
        self._skip = self._step
        model._initial_epoch = self._epoch
        self._restored = meta
        self._resume_model()

    def _read_backup(self):
        """`(path, meta, arrays)` of the newest complete backup, or `None` when there is none.

        Every array is read (a bad CRC shows only then) and the arrays the metadata lists
        must all be there. With `double_checkpoint`, a damaged latest backup falls back to
        the previous one; otherwise it is an error naming the file.
        """
        candidates = [self.state_path] + ([self.prev_state_path] if self.double_checkpoint else [])
        errors = []
        for path in candidates:
            if not os.path.exists(path):
                continue
            try:
                return (path,) + _load_backup_file(path)
            except Exception as e:  # a torn or damaged file: try the previous one
                errors.append((path, _one_line(e)))
        if errors:
            what = "; ".join(f"{p}: {msg}" for p, msg in errors)
            raise ValueError(
                f"The backup in {self.backup_dir!r} cannot be read ({what}); delete it (or "
                "`ganzoo train --no-resume`) to start over. "
                f"Received: backup_dir={self.backup_dir!r}"
            )
        return None

    def _check_compatible(self, meta, model, path):
        received = f"Received: backup_dir={self.backup_dir!r}"
        if meta.get("format") != _FORMAT or meta.get("class") != type(model).__name__:
            raise ValueError(
                f"The backup {path!r} was written by a different model or configuration "
                f"({meta.get('class')}; this model is {type(model).__name__}). Use another backup_dir "
                f"or delete it. {received}"
            )
        backend = keras.config.backend()
        if meta.get("backend", backend) != backend:
            raise ValueError(
                f"The backup {path!r} was written on the {meta['backend']} backend; this run uses "
                f"{backend}. A backup resumes on the backend that wrote it: run on {meta['backend']} "
                f"(KERAS_BACKEND={meta['backend']} or `ganzoo train --backend {meta['backend']}`), or "
                f"delete the backup to start over. Received: backend={backend!r}"
            )
        specs = [[list(v.shape), str(v.dtype)] for _, v in _variables(model)]
        if meta.get("specs") != specs:
            raise ValueError(
                f"The backup {path!r} was written by a different model or configuration "
                f"({meta.get('class')} with {len(meta.get('specs', []))} state variables; this model is "
                f"{type(model).__name__} with {len(specs)}). Use another backup_dir or delete it. {received}"
            )
        saved = meta.get("settings")
        if saved is not None:
            diff = _first_difference(saved, self._run_settings)
            if diff is not None:
                name, then, now = diff
                raise ValueError(
                    f"Cannot resume from {path!r}: it was written with other settings: {name} is "
                    f"{_brief(then)} in the backup, {_brief(now)} now. Resume with the same settings, or "
                    f"use another backup_dir (or delete it) to start over. Received: {name}={_brief(now)}"
                )
        epochs, steps = self.params.get("epochs"), self.params.get("steps")
        if epochs is not None and meta["epoch"] + (1 if meta["step"] else 0) > epochs:
            raise ValueError(
                f"The backup {path!r} is at epoch {meta['epoch'] + 1} (after batch {meta['step']}; "
                f"{meta['epoch']} epochs done), beyond the {epochs} epochs asked now: the backup is "
                f"kept. Resume with at least epochs={meta['epoch'] + (1 if meta['step'] else 0)}, or "
                f"delete the backup to start over. Received: epochs={epochs}"
            )
        if steps is not None and meta["step"] > steps:
            raise ValueError(
                f"The backup {path!r} is {meta['step']} batches into epoch {meta['epoch'] + 1}, but an "
                f"epoch has {steps} batches now (other data or batch size): it cannot be resumed. "
                f"Received: steps={steps}"
            )

    def on_epoch_begin(self, epoch, logs=None):
        # `fit` resets the metrics just before this: put the interrupted epoch's running
        # loss means back so its logged averages cover all of its batches.
        if self._pending_metrics is not None:
            for v, value in self._pending_metrics:
                v.assign(value)
            self._pending_metrics = None

    def _resume_model(self):
        # The model is told that its state was restored (SRGAN reads its generator step
        # again) and skips the batches of the interrupted epoch up to the backup: they were
        # trained on already. The data iterator still advances past them, so the remaining
        # batches are the ones an uninterrupted run would see; how a batch is drawn without
        # training is the backend Trainer's business (`skip_train_batches`).
        model = self._model
        if not hasattr(model, "on_resume"):
            if self._skip:
                raise ValueError(
                    "Resuming in the middle of an epoch needs a ganzoo model (its backend Trainer "
                    f"skips the batches the backup covers). Received: a {type(model).__name__}"
                )
            return
        model.on_resume(self._skip, self._skip_logs)
        if self._skip:
            self._skipped_batches = self._skip  # their batch ends are not counted again
            self._mute_callbacks(self._skip)

    def _mute_callbacks(self, skip):
        # The skipped batches were seen by the callbacks before the kill (their state, if
        # any, is in the backup): the other callbacks are not called for them again.
        callback = self

        def muted(method):
            def call(batch, logs=None):
                if callback._muting and batch < skip:
                    return None
                return method(batch, logs=logs)
            return call

        for cb in self.fit_callbacks:
            if cb is self:
                continue
            saved = {name: cb.__dict__.get(name, _MISSING) for name in _BATCH_HOOKS}
            for name in _BATCH_HOOKS:
                setattr(cb, name, muted(getattr(cb, name)))
            self._muted.append((cb, saved))
        self._muting = True

    def _unmute_callbacks(self):
        self._muting = False
        for cb, saved in self._muted:
            for name, value in saved.items():
                if value is _MISSING:
                    cb.__dict__.pop(name, None)
                else:
                    setattr(cb, name, value)
        self._muted = []

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
        self._unmute_callbacks()  # the resumed epoch is over: every later batch is trained
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
            "settings": self._run_settings,
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
        self._unmute_callbacks()
        model = self._model
        if self._skip and hasattr(model, "skip_train_batches"):
            model.skip_train_batches(0)  # `fit` ended before the skipped batches did
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


def _one_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def _load_backup_file(path):
    """`(meta, arrays)` of a backup file; raises if any array is damaged or missing."""
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["__meta__"]))
        arrays = {k: f[k] for k in f.files if k != "__meta__"}  # reads all: checks every CRC
    expected = [f"v{i}" for i in range(len(meta.get("specs", [])))]
    for key, names in meta.get("callbacks", {}).items():
        expected += [f"{key}/{k}" for k in names]
    missing = [k for k in expected if k not in arrays]
    if missing:
        raise ValueError(f"array {missing[0]!r} is missing ({len(missing)} of {len(expected)} missing)")
    return meta, arrays


def _canonical(config, names=None):
    """A JSON-ready config with each layer name replaced by its position.

    Layer names get a numeric suffix (`dense_4`) in a process that built other models
    before: the same model built again must compare equal.
    """
    if names is None:
        names = {}

        def collect(c):
            if isinstance(c, dict):
                if isinstance(c.get("config"), dict) and "layers" in c["config"]:
                    for layer in c["config"]["layers"]:
                        if isinstance(layer, dict) and isinstance(layer.get("name"), str):
                            names.setdefault(layer["name"], f"<layer {len(names)}>")
                for v in c.values():
                    collect(v)
            elif isinstance(c, list):
                for v in c:
                    collect(v)

        collect(config)
    if isinstance(config, dict):
        return {k: _canonical(v, names) for k, v in config.items()}
    if isinstance(config, list):
        return [_canonical(v, names) for v in config]
    if isinstance(config, str):
        return names.get(config, config)
    return config


def _json_ready(value):
    # Objects JSON cannot hold are compared by their repr, without the memory address that
    # differs from one process to the next.
    return json.loads(json.dumps(value, default=lambda o: re.sub(r" at 0x[0-9a-fA-F]+", "", repr(o))))


def _short_floats(value):
    # Optimizer hyper-parameters read back from float32 variables: 0.0002, not 0.00019999999494757503.
    if isinstance(value, dict):
        return {k: _short_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_short_floats(v) for v in value]
    if isinstance(value, float):
        return float(str(np.float32(value)))
    return value


def run_settings(model, batch_size=None, extra=None):
    """The settings a backup records and a resume must match.

    `batch_size` (as given to `fit`), `model` (the model's config, layer names made
    positional; the backend is checked apart), one entry per optimizer (its config: learning
    rate, betas, ...) and the `extra` settings given to `BackupAndRestore`.

    Args:
        model: keras.Model. The model (compiled: its optimizers' configs are read now).
        batch_size: int or `None`. The `batch_size` given to `fit`. Defaults to `None`.
        extra: dict or `None`. More JSON-serializable settings. Defaults to `None`.

    Example:
    ```python
    gan = ganzoo.get("gan", data_shape=(2,))
    ganzoo.resume.run_settings(gan, 64)["d_optimizer"]["learning_rate"]  # 0.0002
    ```
    """
    out = {"batch_size": batch_size}
    try:
        config = _json_ready(model.get_config())
        for key in ("backend", "name"):  # the backend is checked apart; the name is a label
            config.pop(key, None)
        out["model"] = _canonical(config)
    except Exception:  # a model without a config: its variables' shapes are still checked
        out["model"] = None
    names = list(getattr(model, "optimizer_networks", None) or [])
    optimizers = {n: getattr(model, n, None) for n in names} if names else {"optimizer": getattr(model, "optimizer", None)}
    for name, opt in optimizers.items():
        if opt is not None:
            try:
                config = _json_ready(opt.get_config())
                config.pop("name", None)  # adam, adam_1, ...: a label
                if isinstance(config.get("inner_optimizer"), dict):
                    config["inner_optimizer"].get("config", {}).pop("name", None)
                out[name] = _short_floats(config)
            except Exception:
                out[name] = None
    for key, value in (extra or {}).items():
        out[key] = _json_ready(value)
    return out


def _brief(value, limit=120):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _first_difference(then, now, prefix=""):
    """`(name, backup's value, current value)` of the first setting that differs, or `None`."""
    if isinstance(then, dict) and isinstance(now, dict):
        for key in list(then) + [k for k in now if k not in then]:
            name = f"{prefix}.{key}" if prefix else str(key)
            if key not in then or key not in now:
                return name, then.get(key, "<not set>"), now.get(key, "<not set>")
            diff = _first_difference(then[key], now[key], name)
            if diff is not None:
                return diff
        return None
    if isinstance(then, list) and isinstance(now, list) and len(then) == len(now):
        for i, (a, b) in enumerate(zip(then, now)):
            diff = _first_difference(a, b, f"{prefix}[{i}]")
            if diff is not None:
                return diff
        return None
    return None if then == now else (prefix, then, now)


def prepare_backups(callbacks, batch_size=None):
    """What `AdversarialModel.fit` does for the `BackupAndRestore` callbacks in its list.

    Each is moved to the end of the list (so that its backups hold what every other
    callback did for that batch or epoch: a callback's state, the history row written),
    learns `fit`'s `batch_size` and the other callbacks (not called for the batches a
    mid-epoch resume skips). Returns the list.

    Args:
        callbacks: list of keras.callbacks.Callback (a `CallbackList` is returned as is).
        batch_size: int or `None`. The `batch_size` given to `fit`. Defaults to `None`.

    Example:
    ```python
    backup = ganzoo.resume.BackupAndRestore("runs/gan/backup")
    ganzoo.resume.prepare_backups([backup, keras.callbacks.CSVLogger("h.csv")], 64)  # backup last
    ```
    """
    if isinstance(callbacks, keras.callbacks.CallbackList):
        return callbacks
    callbacks = list(callbacks)
    backups = [c for c in callbacks if isinstance(c, BackupAndRestore)]
    others = [c for c in callbacks if not isinstance(c, BackupAndRestore)]
    for c in backups:
        c.fit_batch_size = batch_size
        c.fit_callbacks = others
    return others + backups


def read_backup(backup_dir):
    """The metadata (epoch, step, global_step, ...) of the backup in `backup_dir`, or `None`.

    Args:
        backup_dir: str or path-like. The `BackupAndRestore` folder.

    Example:
    ```python
    ganzoo.resume.read_backup("runs/gan/backup")  # {"epoch": 3, "step": 0, ...} or None
    ```
    """
    for name in (_STATE_FILE, "state.prev.npz"):
        path = os.path.join(os.fspath(backup_dir), name)
        try:
            with np.load(path, allow_pickle=False) as f:
                return json.loads(str(f["__meta__"]))
        except Exception:  # missing or unreadable
            continue
    return None


class ShuffledBatches(keras.utils.PyDataset):
    """Arrays in batches, reshuffled every epoch in an order that depends only on the epoch.

    Keras' `shuffle=True` draws each epoch's order from a global random state, so a run
    resumed from a backup sees other orders than the run it continues. Here batch `i` of
    epoch `e` is a function of `(seed, e, i)`: told the epoch by `EpochSetter(dataset)`, a
    resumed run trains on exactly the batches the uninterrupted run would. A ganzoo
    model's `fit` adds the `EpochSetter` (unless the callbacks have one for this dataset)
    and leaves Keras' `shuffle` off (the order is this dataset's); with a plain Keras
    model, pass both yourself.

    With `steps_per_epoch`, epochs are cut from one stream of shuffled passes over the
    data (a pass per `ceil(n / batch_size)` batches), each pass in its own seeded order.

    Args:
        data: array or tuple of arrays (same first dimension): a batch is the same
            structure, e.g. `images` or `(images, labels)`.
        batch_size: int. Examples per batch (the last batch of a pass may be smaller).
        seed: int. Seed of the orders. Defaults to 0.
        steps_per_epoch: int or `None`. Batches per epoch; `None` is one pass. Defaults to `None`.

    Example:
    ```python
    data = ganzoo.resume.ShuffledBatches(x, batch_size=64, seed=0)
    backup = ganzoo.resume.BackupAndRestore("runs/gan/backup")
    gan.fit(data, epochs=10, callbacks=[backup])  # EpochSetter and shuffle=False: added by fit
    ```
    """

    #: Its batch order is its own, a function of (seed, epoch): `AdversarialModel.fit`
    #: leaves Keras' `shuffle` off for it unless `shuffle` is passed.
    seeded_order = True

    def __init__(self, data, batch_size, seed=0, steps_per_epoch=None, **kwargs):
        super().__init__(**kwargs)
        arrays = data if isinstance(data, tuple) else (data,)
        sizes = {len(a) for a in arrays}
        if len(sizes) != 1 or not sizes.pop():
            raise ValueError(
                "`data` must be non-empty arrays with the same number of examples. "
                f"Received: data with lengths {[len(a) for a in arrays]}"
            )
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int. Received: batch_size={batch_size!r}")
        self.data, self.single = arrays, not isinstance(data, tuple)
        self.batch_size, self.seed, self.steps_per_epoch = batch_size, int(seed), steps_per_epoch
        self.num_examples = len(arrays[0])
        self.batches_per_pass = -(-self.num_examples // batch_size)
        self.epoch = 0
        self._orders = {}

    def __len__(self):
        return self.steps_per_epoch or self.batches_per_pass

    def _order(self, pass_index):
        if pass_index not in self._orders:
            if len(self._orders) > 4:
                self._orders.clear()
            rng = np.random.default_rng([self.seed, pass_index])
            self._orders[pass_index] = rng.permutation(self.num_examples)
        return self._orders[pass_index]

    def __getitem__(self, index):
        k = self.epoch * len(self) + index  # the batch's position in the stream of passes
        pass_index, i = divmod(k, self.batches_per_pass)
        idx = np.sort(self._order(pass_index)[i * self.batch_size:(i + 1) * self.batch_size])
        batch = tuple(a[idx] for a in self.data)
        return batch[0] if self.single else batch


class EpochSetter(keras.callbacks.Callback):
    """Tells a dataset with an `epoch` attribute which epoch `fit` is starting.

    For datasets whose batches depend on the epoch (`ShuffledBatches`,
    `ganzoo.data.super_resolution.CropPairs`): counting epochs in the dataset itself
    restarts at 0 in a resumed process; this sets it from `fit`'s epoch index. A ganzoo
    model's `fit` adds one for a dataset with `seeded_order` when the callbacks have none;
    a plain `keras.Model` needs it by hand.

    Args:
        dataset: object. Its `epoch` is set at each epoch begin.

    Example:
    ```python
    data = ganzoo.resume.ShuffledBatches(x, batch_size=64)
    gan.fit(data, epochs=10, shuffle=False, callbacks=[ganzoo.resume.EpochSetter(data)])
    ```
    """

    def __init__(self, dataset):
        super().__init__()
        self.dataset = dataset

    def on_epoch_begin(self, epoch, logs=None):
        self.dataset.epoch = epoch
