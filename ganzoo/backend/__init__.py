"""Backend-specific training mechanics, picked once from `keras.config.backend()`.

This package is the only place in ganzoo's training code that imports tensorflow, jax or
torch. (The tf.data input pipelines, which import TensorFlow only when one is built and
feed `fit` on any backend, are data code: `ganzoo/data/tfdata.py`; `tfdata.py` here
re-exports them for one release.)
Every adversarial model subclasses `Trainer`, which supplies:

- `compute_gradients(loss_fn, variables, optimizer=None) -> (loss, grads)`
- `apply_gradients(optimizer, grads, variables)`
- `input_gradients(fn, x) -> (outputs, d sum(outputs) / dx)` (gradient penalties, R1)
- `forward_with_pullback(fn, variables) -> (outputs, pullback)`, `pullback(cotangents)`
  giving the variables' gradients, and `loss_and_input_gradient(loss_fn, x, optimizer=None)
  -> (loss, aux, d loss / dx)`: one forward pass shared by two updates (GAN's generator)

The algorithm itself (`adversarial_step`) is written once with `keras.ops`, the same
split Keras uses for its own trainers (keras/src/backend/<name>/trainer.py).

Module-level hooks: `sync_state(model)`, `step_value_reader(model, variable)`,
`read_variable(variable)`, and `value_at_train_call(model, variable, args)` (a model
variable's value at the start of a train-function call, for a dispatcher that picks the
compiled step to run, as ProGAN's growth phase does).
"""
import keras

from ganzoo.backend.common import value_at_train_call
from ganzoo.backend.optimizers import OptimizerGroup

_BACKEND = keras.config.backend()

if _BACKEND == "jax":
    from ganzoo.backend.jax import (
        Trainer,
        read_variable,
        step_value_reader,
        sync_state,
        value_at_train_call,
    )
elif _BACKEND == "tensorflow":
    from ganzoo.backend.tensorflow import (
        Trainer,
        read_variable,
        step_value_reader,
        sync_state,
    )
elif _BACKEND == "torch":
    from ganzoo.backend.torch import (
        Trainer,
        read_variable,
        step_value_reader,
        sync_state,
    )
else:  # pragma: no cover - keras only ships these three trainers plus numpy/openvino
    raise ImportError(
        "ganzoo trains on the 'tensorflow', 'jax' and 'torch' Keras backends. "
        f"Received: KERAS_BACKEND={_BACKEND!r}"
    )

__all__ = ["OptimizerGroup", "Trainer", "read_variable", "step_value_reader", "sync_state", "value_at_train_call"]
