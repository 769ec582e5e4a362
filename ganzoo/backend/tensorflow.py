"""TensorFlow mechanics: `tf.GradientTape`; `train_step(data)` runs inside `tf.function`."""
import keras
import tensorflow as tf

from ganzoo.backend.common import split_aux


def sync_state(model):
    """Variables are updated in place on TensorFlow: nothing to do."""


def step_value_reader(model, variable):
    """A function returning `variable`'s latest value during `fit` (variables are current here)."""
    return lambda: variable.value


def read_variable(variable):
    """The value of `variable` in the running step (the variable itself is current here)."""
    return variable.value


class Trainer(keras.Model):
    """Gradient mechanics of ganzoo models on the TensorFlow backend."""

    def compute_gradients(self, loss_fn, variables, optimizer=None):
        with tf.GradientTape() as tape:
            loss, aux = split_aux(loss_fn())
            # LossScaleOptimizer: scale here, `apply` unscales (mixed_float16).
            scaled = optimizer.scale_loss(loss) if optimizer is not None else loss
        grads = tape.gradient(scaled, variables)
        grads = [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]
        return loss, aux, grads

    def forward_with_pullback(self, fn, variables):
        """`fn()`'s outputs and `pullback(cotangents) -> grads of variables` (a VJP)."""
        tape = tf.GradientTape()
        with tape:
            out = fn()

        def pullback(cotangents):
            grads = tape.gradient(out, variables, output_gradients=cotangents)
            return [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]

        return out, pullback

    def loss_and_input_gradient(self, loss_fn, x, optimizer=None):
        """`(loss, aux, d loss / d x)` of `loss_fn(x)`."""
        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss, aux = split_aux(loss_fn(x))
            scaled = optimizer.scale_loss(loss) if optimizer is not None else loss
        return loss, aux, tape.gradient(scaled, x)

    def apply_gradients(self, optimizer, grads, variables):
        optimizer.apply(grads, variables)

    def input_gradients(self, fn, x):
        x = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = fn(x)
            total = tf.reduce_sum(tf.cast(out, "float32"))  # recorded on the tape too
        return out, tape.gradient(total, x)

    def train_step(self, data):
        return self.adversarial_step(data)

    def test_step(self, data):
        return self.adversarial_eval_step(data)
