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

Every batch, not only the first: `fit` checks the first batch in full on the host
(`ganzoo.validation`), but a later batch of a dataset is only seen inside the compiled step.
Models whose step can fail on bad data there (labels out of range, unequal A/B batches) own
a `BatchChecks` layer; the step records the first bad batch in it (a few scalar ops, and
the bad values clipped so that the step itself cannot fail), and the `CheckBatches`
callback, added first by `fit`, reads it after the step and raises `BadBatchError` naming
the argument, the epoch, the batch and the value. Set `model.check_inputs = False` to skip
both the first-batch and the per-batch checks.
"""
import keras
import numpy as np
from keras import ops

from ganzoo import arguments
from ganzoo.backend import step_value_reader


class NonFiniteLossError(FloatingPointError):
    """A loss or gradient became NaN or Inf during training."""


class BadBatchError(ValueError):
    """A training batch after the first holds data the model cannot train on."""


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


class BatchChecks(keras.layers.Layer):
    """In-graph record of the first bad training batch, read by `CheckBatches` after the step.

    Holds one int32 variable `state = [steps, bad step, code, value, value2]`: the steps
    counted since `fit` began, and for the first failure its step number (1-based), its
    kind (`LABEL`: `value` is the label, `value2` `num_classes`; `PAIR`: the A and B batch
    sizes) and values. The state is reset by every `fit` and not saved with the model.

    Example:
    ```python
    # in a model's __init__
    self.batch_checks = BatchChecks(name="batch_checks")
    # in its adversarial_step
    self.batch_checks.record([(BatchChecks.LABEL, bad, value, num_classes)])
    ```
    """

    LABEL = 1
    PAIR = 2

    def __init__(self, **kwargs):
        super().__init__(trainable=False, **kwargs)
        self.state = self.add_weight(shape=(5,), dtype="int32", initializer="zeros", trainable=False,
                                     name="state", aggregation="only_first_replica")
        self.built = True

    def record(self, failures):
        """In-graph: count this step and remember the first of `failures` that holds.

        Call once per training step. `failures` is a list of `(code, bad, value, value2)`,
        `bad` a boolean scalar (tensor or Python bool), the values integer scalars.
        """
        current = self.state.value
        steps = current[0] + 1
        out = current
        for code, bad, value, value2 in failures:
            candidate = ops.stack([steps, steps, ops.convert_to_tensor(code, "int32"),
                                   ops.cast(value, "int32"), ops.cast(value2, "int32")])
            first = ops.logical_and(ops.convert_to_tensor(bad, "bool"), ops.equal(out[2], 0))
            out = ops.where(first, candidate, out)
        self.state.assign(ops.concatenate([ops.reshape(steps, (1,)), out[1:]]))

    def reset(self):
        self.state.assign(np.zeros((5,), "int32"))

    # Transient: a fresh fit starts clean, and files saved before this layer existed still load.
    def save_own_variables(self, store):
        pass

    def load_own_variables(self, store):
        pass

    @staticmethod
    def describe(model, state, where):
        """The message of the failure recorded in `state` (numpy), found at `where`."""
        code, value, value2 = int(state[2]), int(state[3]), int(state[4])
        if code == BatchChecks.LABEL:
            return (f"Training stopped at {where}: `y` must hold class labels in [0, {value2 - 1}] "
                    f"(num_classes={value2}) in every batch; the step ran with this batch's labels clipped "
                    f"into range and no backup was written after it. Received: a label y={value}")
        if code == BatchChecks.PAIR:
            return (f"Training stopped at {where}: {type(model).__name__} needs as many B images as A images "
                    "in every batch; zip datasets of equal length, or batch both with drop_remainder=True. "
                    f"Received: A.shape[0]={value}, B.shape[0]={value2}")
        return f"Training stopped at {where}: a bad batch (check {code}). Received: values {value}, {value2}"


class CheckBatches(keras.callbacks.Callback):
    """Raise `BadBatchError` after a step that recorded a bad batch in `model.batch_checks`.

    `AdversarialModel.fit` adds one first in the callback list for models with a
    `BatchChecks` layer (unless `model.check_inputs` is False). Reading the record waits
    for the step to finish on the device, as `TerminateOnNaN` reading the logs does.

    Args:
        check_every: int. Read the record every this many batches (the error still names the
            first bad batch). Epoch ends are always checked. Defaults to 1.

    Example:
    ```python
    gan = ganzoo.get("cgan", image_shape=(16, 16, 1), num_classes=10)
    gan.fit(dataset, epochs=5, callbacks=[ganzoo.guards.CheckBatches(check_every=10)])
    ```
    """

    def __init__(self, check_every=1):
        super().__init__()
        self.check_every = arguments.positive_int("check_every", check_every)
        self._read = None
        self._epoch = 0
        self._batch = -1
        self._seen = 0

    # `self._model`, not `self.model`: on JAX the property syncs the whole training state.
    def on_train_begin(self, logs=None):
        checks = getattr(self._model, "batch_checks", None)
        self._read = None
        if checks is not None:
            checks.reset()
            self._read = step_value_reader(self._model, checks.state)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._batch = -1

    def on_train_batch_end(self, batch, logs=None):
        self._batch = batch
        self._seen += 1
        if self._seen % self.check_every == 0:
            self._check()

    def on_epoch_end(self, epoch, logs=None):
        self._check()

    def _check(self):
        if self._read is None or self._batch < 0:
            return
        state = np.asarray(ops.convert_to_numpy(self._read()))
        if int(state[2]) == 0:
            return
        # Steps run after the bad one (several when reading every N batches).
        bad_batch = self._batch - int(state[0] - state[1])
        where = f"epoch {self._epoch + 1}, batch {bad_batch + 1}"
        raise BadBatchError(BatchChecks.describe(self._model, state, where))


