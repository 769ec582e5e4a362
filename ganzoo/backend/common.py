"""Helpers shared by the three backend trainers (no backend imports here)."""
import keras
import numpy as np


def value_at_train_call(model, variable, args):
    """The value, as numpy, of the model variable `variable` that a train-function call with `args` starts from.

    For a dispatcher that picks the compiled step to run from model state before the call
    (ProGAN's growth phase). On TensorFlow and torch the variables are current during
    `fit`, so this reads `variable`; the JAX trainer has its own (`ganzoo/backend/jax.py`).

    Args:
        model: keras.Model. The model being fitted.
        variable: keras.Variable. One of its non-trainable variables.
        args: tuple. The positional arguments of the train-function call.

    Example:
    ```python
    step = int(value_at_train_call(model, model.growth_step, args))
    ```
    """
    return np.asarray(keras.ops.convert_to_numpy(variable))


def split_aux(result):
    """A loss function returns `loss` or `(loss, aux)`; always give `(loss, aux)`."""
    if isinstance(result, tuple):
        return result
    return result, None


class _Skip:
    # A plain holder: a list or dict assigned to a model would be tracked by Keras.
    def __init__(self, remaining, logs):
        self.remaining = remaining
        self.logs = logs


class TrainFunction:
    """The train function `fit` calls, assembled in one place; the resume hooks.

    Mixed into each backend's `Trainer`. From the inside out, the function Keras' `fit`
    calls for a batch is:

    1. the compiled step that Keras' `make_train_function` makes from `train_step`;
    2. whatever the model sets `train_function` to around it (SRGAN's phase dispatch,
       which keeps one compiled step per phase and picks one before every call);
    3. while `skip_train_batches` has batches to skip: a call that only draws the batch
       (`skip_train_step`, the backend's part) and returns the resumed epoch's logs.

    Layer 3 is applied here, when `fit` reads `train_function`, so it is always the
    outermost whatever sets `train_function` (Keras, a model's dispatcher) and whenever:
    neither the model nor `ganzoo.resume` wraps or restores the function for it.
    """

    @property
    def train_function(self):
        fn = self.__dict__.get("_ganzoo_train_function")
        skip = self.__dict__.get("_ganzoo_skip")
        if fn is None or skip is None or skip.remaining <= 0:
            return fn

        def skipping_train_function(*args):
            skip.remaining -= 1
            return self.skip_train_step(args, skip.logs)

        return skipping_train_function

    @train_function.setter
    def train_function(self, fn):
        self.__dict__["_ganzoo_train_function"] = fn

    def skip_train_batches(self, count, logs=None):
        """The next `count` calls of the train function draw their batch without training.

        Each returns `logs` (the running loss means restored with the state) as the train
        function would; 0 stops skipping. Used by `on_resume` for a mid-epoch resume: the
        data iterator advances past the batches the backup already covers, so the batches
        trained next are the ones an uninterrupted run would see.

        Args:
            count: int. Calls to skip (0 cancels the ones left).
            logs: dict or `None`. What each skipped call returns as its logs. Defaults to `None`.

        Example:
        ```python
        model.skip_train_batches(3, {"d_loss": 0.7, "g_loss": 0.7})
        ```
        """
        if count and int(getattr(self, "steps_per_execution", 1) or 1) != 1:
            raise ValueError(
                "Resuming in the middle of an epoch needs steps_per_execution=1. "
                f"Received: steps_per_execution={self.steps_per_execution}"
            )
        self.__dict__["_ganzoo_skip"] = _Skip(int(count), dict(logs or {})) if count else None

    def on_resume(self, skip_batches=0, logs=None):
        """Called by `ganzoo.resume.BackupAndRestore` once it restored the state at the start of `fit`.

        Every variable (the optimizers' step counters included) holds the backup's value
        now, after `fit` made its train function and before its first step. The default
        skips the `skip_batches` batches of the interrupted epoch that the backup covers
        (`skip_train_batches`); a model keeping a host-side copy of some state (SRGAN's
        generator step, which picks its phase) overrides this to read it again, then calls
        `super().on_resume(...)`.

        Args:
            skip_batches: int. Batches of the resumed epoch already trained. Defaults to 0.
            logs: dict or `None`. The resumed epoch's running loss means. Defaults to `None`.

        Example:
        ```python
        class MyGAN(ganzoo.gan.GAN):
            def on_resume(self, skip_batches=0, logs=None):
                self.host_step = int(keras.ops.convert_to_numpy(self.g_optimizer.iterations))
                super().on_resume(skip_batches, logs)
        ```
        """
        self.skip_train_batches(skip_batches, logs)

    def skip_train_step(self, args, logs):  # pragma: no cover - each backend's Trainer has one
        """What a train-function call does for a skipped batch: draw it, return `logs` as the call would."""
        raise NotImplementedError
