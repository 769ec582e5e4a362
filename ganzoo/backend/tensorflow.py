"""TensorFlow mechanics: `tf.GradientTape`; `train_step(data)` runs inside `tf.function`."""
import keras
import tensorflow as tf

from ganzoo.backend.common import TrainFunction, split_aux


def _replica():
    """`(replica id, number of replicas)` in a `tf.distribute` replica context, else `(0, 1)`."""
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return 0, 1
    return ctx.replica_id_in_sync_group, ctx.num_replicas_in_sync


def num_replicas():
    """How many replicas run the step (1 outside a multi-replica `tf.distribute` context)."""
    return _replica()[1]


def replica_draw(draw, batch_size):
    """This replica's share of `draw(global batch)`: noise that differs per replica.

    Every replica holds the same SeedGenerator state, so a plain `draw(batch_size)` gives
    every replica the same noise. Each one instead draws the noise of the whole global
    batch (`batch_size` times the replicas; the seed advances the same on all of them) and
    keeps its own slice: replica `r` gets rows `r * batch_size ...`, the rows one device
    would use for those samples, so N replicas draw what one device draws.
    """
    rid, n = _replica()
    if n == 1:
        return draw(batch_size)
    full = draw(batch_size * n)
    return full[rid * batch_size:(rid + 1) * batch_size]


def replica_gather(x):
    """`x` of every replica, concatenated along the first axis in replica order (the global batch).

    In a multi-replica `tf.distribute` replica context an all-gather (replica 0's rows
    first, as one device holds them); elsewhere `x` itself. With `replica_rows`, state
    that must see the whole batch (an image pool) is updated identically on every
    replica, as one device updates it.
    """
    ctx = tf.distribute.get_replica_context()
    if ctx is None or ctx.num_replicas_in_sync == 1:
        return x
    return ctx.all_gather(x, axis=0)


def replica_rows(x, batch_size):
    """This replica's `batch_size` rows of the global-batch tensor `x` (all of `x` on one replica)."""
    rid, n = _replica()
    if n == 1:
        return x
    return x[rid * batch_size:(rid + 1) * batch_size]


def _gradient_scale():
    # Each replica's loss is the mean over its share of the batch, and Keras' optimizer
    # all-reduces the gradients with a SUM: dividing by the replicas makes that sum the
    # gradient of the global batch's mean (what Keras' own losses do,
    # `keras.losses.loss.scale_loss_for_distribution`).
    return 1.0 / _replica()[1]


def sync_state(model):
    """Variables are updated in place on TensorFlow: nothing to do."""


def step_value_reader(model, variable):
    """A function returning `variable`'s latest value during `fit` (variables are current here)."""
    return lambda: variable.value


def read_variable(variable):
    """The value of `variable` in the running step (the variable itself is current here)."""
    return variable.value


class Trainer(TrainFunction, keras.Model):
    """Gradient mechanics of ganzoo models on the TensorFlow backend."""

    def skip_train_step(self, args, logs):
        """A skipped batch (resume): the train function's argument is the data iterator; draw one."""
        next(args[0])
        return dict(logs)

    def compute_gradients(self, loss_fn, variables, optimizer=None):
        with tf.GradientTape() as tape:
            loss, aux = split_aux(loss_fn())
            # LossScaleOptimizer: scale here, `apply` unscales (mixed_float16).
            scaled = optimizer.scale_loss(loss) if optimizer is not None else loss
            if _replica()[1] > 1:
                scaled = scaled * _gradient_scale()
        grads = tape.gradient(scaled, variables)
        grads = [tf.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]
        return loss, aux, grads

    def forward_with_pullback(self, fn, variables):
        """`fn()`'s outputs and `pullback(cotangents) -> grads of variables` (a VJP)."""
        tape = tf.GradientTape()
        with tape:
            out = fn()

        def pullback(cotangents):
            if _replica()[1] > 1:  # the variables' gradients are summed over replicas
                cotangents = tf.nest.map_structure(lambda c: c * _gradient_scale(), cotangents)
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
