"""Learning-rate schedules driven by the optimizer's step counter.

A `keras.optimizers.schedules.LearningRateSchedule` is evaluated at the optimizer's
`iterations`, which is an optimizer variable: it is saved in `.keras` files, restored by
`BackupAndRestore`, and threaded through the jitted JAX state. A schedule written this
way therefore survives a resume with no callback to remember, unlike a callback that
sets the rate per epoch (which restarts from epoch 0 on a plain second `fit` call).
"""

import keras
from keras import ops

from ganzoo import arguments
from ganzoo.backend import read_variable


@keras.saving.register_keras_serializable(package="ganzoo")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """Constant learning rate for `constant_epochs`, then linear decay to zero.

    CycleGAN (Zhu et al. 2017, §7.1): "We keep the same learning rate for the first 100
    epochs and linearly decay the rate to zero over the next 100 epochs." The decay is
    per step: the rate is `initial_learning_rate` up to step `constant_epochs *
    steps_per_epoch`, then falls linearly and is exactly 0 at step `(constant_epochs +
    decay_epochs) * steps_per_epoch`, the end of the last epoch (the last update of
    the last epoch uses `initial_learning_rate / (decay_epochs * steps_per_epoch)`).

    Args:
        initial_learning_rate: float. The constant rate. Defaults to 2e-4.
        constant_epochs: int. Epochs at the constant rate. Defaults to 100.
        decay_epochs: int. Epochs of linear decay; 0 keeps the rate constant forever.
            Defaults to 100.
        steps_per_epoch: int or None. Optimizer steps per epoch. `None` keeps the rate
            constant until it is set; `CycleGAN.fit` sets it from the data it is given.
            Defaults to `None`.

    Learning-rate callbacks (`keras.callbacks.ReduceLROnPlateau`, `LearningRateScheduler`)
    on a ganzoo model rescale this schedule instead of replacing it: `scale` (a variable
    that the model's `OptimizerGroup` creates, saved with the model, 1 by default)
    multiplies the rate, so a halving halves the rest of the decay, which still ends at 0.

    Example:
    ```python
    schedule = ganzoo.schedules.LinearDecay(2e-4, 100, 100, steps_per_epoch=1000)
    opt = keras.optimizers.Adam(schedule, beta_1=0.5)
    ```
    """

    def __init__(self, initial_learning_rate=2e-4, constant_epochs=100, decay_epochs=100,
                 steps_per_epoch=None):
        constant_epochs = arguments.positive_int("constant_epochs", constant_epochs, allow_zero=True)
        decay_epochs = arguments.positive_int("decay_epochs", decay_epochs, allow_zero=True)
        steps_per_epoch = arguments.positive_int("steps_per_epoch", steps_per_epoch, allow_none=True)
        arguments.positive_float("initial_learning_rate", initial_learning_rate)
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_epochs = constant_epochs
        self.decay_epochs = decay_epochs
        self.steps_per_epoch = steps_per_epoch
        self.scale = None  # a float32 variable multiplying the rate, set by OptimizerGroup

    @property
    def total_steps(self):
        """The step at which the rate reaches zero, or `None` without `steps_per_epoch`."""
        if self.steps_per_epoch is None:
            return None
        return (self.constant_epochs + self.decay_epochs) * self.steps_per_epoch

    def __call__(self, step):
        lr = self.unscaled(step)
        if self.scale is None:
            return lr
        return lr * ops.cast(read_variable(self.scale), "float32")

    def unscaled(self, step):
        """The rate at `step` before `scale`: the schedule as the paper defines it."""
        lr = ops.convert_to_tensor(self.initial_learning_rate, "float32")
        if self.steps_per_epoch is None or self.decay_epochs == 0:
            return lr
        start = float(self.constant_epochs * self.steps_per_epoch)
        length = float(self.decay_epochs * self.steps_per_epoch)
        progress = ops.clip((ops.cast(step, "float32") - start) / length, 0.0, 1.0)
        return lr * (1.0 - progress)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "constant_epochs": self.constant_epochs,
            "decay_epochs": self.decay_epochs,
            "steps_per_epoch": self.steps_per_epoch,
        }
