"""Stop training on a non-finite loss, naming the network and the step.

Two halves, so that the hot path never waits on the host:

- in the graph, `AdversarialModel.update()` calls `record_nonfinite`, which writes
  `[1 + optimizer index, update number]` of the FIRST non-finite loss (or gradient) into
  the model variable `nonfinite_state` (a few scalar ops, no host sync);
- on the host, the `TerminateOnNaN` callback reads the step's logs (the loss trackers'
  running means: once a loss is NaN/Inf the epoch mean stays non-finite) every
  `check_every` batches and at every epoch end; when one is not finite it reads
  `nonfinite_state` and raises `NonFiniteLossError` naming the network, the optimizer,
  its update number, the epoch and the batch.

Raising (not `stop_training`) means nothing after the failed step runs: no epoch-end
callback, no `ModelCheckpoint`, and `ganzoo.resume.BackupAndRestore` keeps its last good
backup (it also refuses to write a state with non-finite values).

`AdversarialModel.fit` adds a `TerminateOnNaN()` first in the callback list unless one is
given (set `model.terminate_on_nan = False` to opt out).
"""
import keras
import numpy as np
from keras import ops

from ganzoo import arguments


class NonFiniteLossError(FloatingPointError):
    """A loss or gradient became NaN or Inf during training."""


def record_nonfinite(model, optimizer_name, loss, grads):
    """In-graph: remember the first update whose loss or gradients are not finite."""
    optimizer = getattr(model, optimizer_name)
    finite = ops.all(ops.isfinite(loss))
    # A LossScaleOptimizer expects overflowing (scaled) gradients now and then and skips
    # those steps itself: there only the (unscaled, float32) loss is checked.
    if grads and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
        total = None
        for g in grads:
            if type(g).__name__ == "IndexedSlices":  # TF sparse gradient of an embedding
                g = g.values
            s = ops.sum(ops.cast(g, "float32"))
            total = s if total is None else total + s
        # The sum is finite only if every entry is (or it overflows, which is no better).
        finite = ops.logical_and(finite, ops.isfinite(total))
    index = list(model.optimizer_networks).index(optimizer_name) + 1
    update_number = ops.cast(optimizer.iterations.value, "int32") + 1
    new = ops.stack([ops.convert_to_tensor(index, "int32"), update_number])
    state = model.nonfinite_state
    current = state.value
    first = ops.logical_and(ops.logical_not(finite), ops.equal(current[0], 0))
    state.assign(ops.where(first, new, current))


def describe_nonfinite(model):
    """A sentence naming the network and update of the first non-finite loss, or `None`."""
    state = getattr(model, "nonfinite_state", None)
    if state is None:
        return None
    index, update = (int(v) for v in ops.convert_to_numpy(state))
    if index == 0:
        return None
    opt_name = list(model.optimizer_networks)[index - 1]
    networks = " and ".join(model.optimizer_networks[opt_name])
    return (f"the {networks} loss or gradients became NaN/Inf at update {update} of `{opt_name}`")


class TerminateOnNaN(keras.callbacks.Callback):
    """Raise `NonFiniteLossError` as soon as a logged loss is NaN or Inf.

    Unlike `keras.callbacks.TerminateOnNaN`, which looks only at a `"loss"` key that GAN
    models do not log, this checks every logged value and names the network and the step.

    Args:
        check_every: int. Read the logs every this many batches (each read waits for
            the step to finish on the device). Epoch ends are always checked. Defaults to 1.

    Example:
    ```python
    gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))
    gan.fit(x, epochs=5, callbacks=[ganzoo.guards.TerminateOnNaN(check_every=10)])
    ```
    """

    def __init__(self, check_every=1):
        super().__init__()
        check_every = arguments.positive_int("check_every", check_every)
        self.check_every = check_every
        self._epoch = 0
        self._seen = 0

    # `self._model`, not `self.model`: on JAX the property syncs the whole training state.
    def on_train_begin(self, logs=None):
        state = getattr(self._model, "nonfinite_state", None)
        if state is not None:  # a new run starts clean
            state.assign(np.zeros(tuple(state.shape), "int32"))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._seen += 1
        if self._seen % self.check_every == 0:
            self._check(logs, f"epoch {self._epoch + 1}, batch {batch + 1}")

    def on_epoch_end(self, epoch, logs=None):
        self._check(logs, f"end of epoch {epoch + 1}", read_state=True)

    def _check(self, logs, where, read_state=False):
        bad = {}
        for key, value in (logs or {}).items():
            try:
                v = np.asarray(ops.convert_to_numpy(value), dtype="float64")
            except (TypeError, ValueError):
                continue
            if v.size and not np.all(np.isfinite(v)):
                bad[key] = float(v.reshape(-1)[0])
        if not bad and not read_state:
            return
        what = describe_nonfinite(self.model)  # syncs the state (JAX): rare path only
        if not bad and what is None:
            return
        logged = ", ".join(f"{k}={v}" for k, v in bad.items()) or "logged losses finite"
        raise NonFiniteLossError(
            f"Training stopped: {what or 'a logged value is not finite'} (detected at {where}; "
            f"{logged}). The weights are no longer usable; no backup was written after this "
            "step. Resume from the last backup with a lower learning rate, or check the data."
        )


def prepare_callbacks(model, callbacks):
    """What `AdversarialModel.fit` does to the callback list before training."""
    from ganzoo import resume

    if callbacks is None:
        callbacks = []
    if isinstance(callbacks, keras.callbacks.CallbackList):
        return callbacks
    callbacks = list(callbacks)
    guards = [c for c in callbacks if isinstance(c, TerminateOnNaN)]
    if not guards and getattr(model, "terminate_on_nan", True):
        # First in the list: on a bad step it raises before any later callback
        # (checkpoints, backups, sample grids) sees the step.
        callbacks.insert(0, TerminateOnNaN())
    stateful = [c for c in callbacks if hasattr(c, "get_backup_state") and hasattr(c, "set_backup_state")]
    for c in callbacks:
        if isinstance(c, resume.BackupAndRestore):
            c.stateful_callbacks = [s for s in stateful if s is not c]
    return callbacks
