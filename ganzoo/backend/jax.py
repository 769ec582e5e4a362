"""JAX mechanics: one `StatelessScope` over the whole state, `jax.value_and_grad` inside.

`train_step(state, data)` maps every state variable (trainable, non-trainable such as
BatchNorm statistics and SeedGenerator state, all optimizers' variables, metric
variables) to its traced value inside one outer `StatelessScope`, runs the model's
backend-agnostic `adversarial_step`, and reads the new values back out.
`compute_gradients` opens a nested scope in which the differentiated variables are the
arguments of `jax.value_and_grad`; side effects made while computing the loss
(BatchNorm statistics, noise seeds) come back as auxiliary outputs and are recorded in
the outer scope, never leaked as tracers.
"""
import jax
import keras
import numpy as np
from keras import StatelessScope

from ganzoo.backend.common import TrainFunction, split_aux


def sync_state(model):
    """Write the jitted training state back into the model's variables.

    During `fit`, the JAX trainer keeps the state outside the variables and syncs only at
    the end of each epoch; callbacks that read weights mid-epoch call this first.
    """
    if hasattr(model, "jax_state_sync"):
        model.jax_state_sync()


def step_value_reader(model, variable):
    """A function returning the latest value of the non-trainable `variable` during `fit`.

    The JAX trainer keeps the training state outside the variables during an epoch (and
    empties them); this reads the one value from that state instead of syncing it all.
    """
    index = next(i for i, v in enumerate(model.non_trainable_variables) if v is variable)

    def read():
        state = getattr(model, "_jax_state", None)
        values = state.get("non_trainable_variables") if state else None
        return values[index] if values else variable.value

    return read


def value_at_train_call(model, variable, args):
    """The value, as numpy, of the non-trainable model variable `variable` that a train-function call with `args` starts from.

    Keras' JAX `fit` empties the variables and passes the training state to its train
    function as the first argument, `(trainable, non_trainable, optimizer, metrics)`
    variable values: the value is read from there (the common version,
    `ganzoo.backend.common.value_at_train_call`, reads the variable).

    Example:
    ```python
    step = int(value_at_train_call(model, model.growth_step, args))
    ```
    """
    index = next(i for i, v in enumerate(model.non_trainable_variables) if v is variable)
    return np.asarray(args[0][1][index])


# The outer StatelessScope of the running train/test step (None outside one).
_STEP_SCOPE = [None]


def read_variable(variable):
    """The value of `variable` in the running step.

    Inside a step, the value mapped by the step's outer `StatelessScope`, even from within
    a nested scope that does not map it (`optimizer.stateless_apply` maps only the
    optimizer's own variables: a learning-rate schedule reading another variable, such
    as `LinearDecay.scale`, would otherwise see a constant baked in at trace time).
    """
    scope = _STEP_SCOPE[0]
    if scope is not None:
        value = scope.get_current_value(variable)
        if value is not None:
            return value
    return variable.value


def _state_variables(model):
    seen, out = set(), []
    optimizer = getattr(model, "optimizer", None)
    groups = [model.variables, optimizer.variables if optimizer is not None else [],
              model.metrics_variables]
    for v in (v for group in groups for v in group):
        if id(v) not in seen:
            seen.add(id(v))
            out.append(v)
    return out


def place_variables(model):
    """Put every state variable of `model` where the active `keras.distribution` wants it.

    Keras lays a variable out when it is created inside a distribution's scope. A model
    built outside (before the scope, or loaded) has its variables on one device, and JAX's
    jitted step then fails on "incompatible devices". `fit` calls this first, so a model
    trains under the distribution active at `fit` whatever its variables were made under;
    with no distribution active, variables spread over several devices are gathered back
    onto the default device. Returns the number of variables moved.

    Example:
    ```python
    gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))   # outside the scope
    with keras.distribution.DataParallel().scope():
        gan.fit(x, batch_size=64)                        # calls place_variables(gan)
    ```
    """
    distribution = keras.distribution.distribution()
    moved = 0
    for v in _state_variables(model):
        # Keras' own fields (keras/src/backend/jax/core.py): the variable's TensorLayout,
        # its raw value, and the assignment that lays a value out by it. During `fit` the
        # JAX trainer holds the state and purges the values (None): placed at its start.
        if v._value is None:
            continue
        if distribution is not None:
            if v._layout is not None:
                continue
            v._layout = distribution.get_variable_layout(v)
            v._direct_assign(v.value)
            moved += 1
        elif v._layout is not None or len(v.value.sharding.device_set) > 1:
            v._layout = None
            v._direct_assign(jax.device_put(v.value, jax.devices()[0]))
            moved += 1
    return moved


def _sharding_of(variable):
    if variable._value is not None:
        return variable._value.sharding
    layout = variable._layout
    return getattr(layout, "backend_layout", layout)


class _StepContext:
    # A plain holder, deliberately not a list attribute of the model: Keras would adopt a
    # list of Variables assigned to the model as the model's own and saving would break.
    def __init__(self, scope, all_vars):
        self.scope = scope
        self.all_vars = all_vars


class Trainer(TrainFunction, keras.Model):
    """Gradient mechanics of ganzoo models on the JAX backend."""

    def skip_train_step(self, args, logs):
        """A skipped batch (resume): the train function takes `(state, iterator)`; draw one, keep the state."""
        state, iterator = args
        next(iterator)
        return dict(logs), state

    _step_ctx = None

    def _require_ctx(self):
        ctx = self._step_ctx
        if ctx is None:
            raise RuntimeError(
                "compute_gradients/apply_gradients run only inside train_step (model.fit)."
            )
        return ctx

    def _pure(self, body, variables):
        """`body()` as a pure function of `variables`' values, for jax transformations.

        Returns `(f, values, others)`: `f(values) -> (body(), new values of others)` runs
        `body` in a nested StatelessScope where `variables` take `values` and every other
        variable of the step its current value; `values` are the current values of
        `variables`; `others` the rest, whose updates (BatchNorm statistics, seeds) the
        caller assigns back in the outer scope.
        """
        ctx = self._require_ctx()
        outer = ctx.scope
        ids = {id(v) for v in variables}
        others = [v for v in ctx.all_vars if id(v) not in ids]

        def f(values):
            mapping = [(v, outer.get_current_value(v)) for v in others]
            mapping += list(zip(variables, values))
            with StatelessScope(state_mapping=mapping) as inner:
                out = body()
            return out, [inner.get_current_value(v) for v in others]

        return f, [outer.get_current_value(v) for v in variables], others

    def compute_gradients(self, loss_fn, variables, optimizer=None):
        def body():
            loss, aux = split_aux(loss_fn())
            return (optimizer.scale_loss(loss) if optimizer is not None else loss), (loss, aux)

        pure, values, others = self._pure(body, variables)

        def f(values):
            (scaled, (loss, aux)), updated = pure(values)
            return scaled, (loss, aux, updated)

        (_, (loss, aux, updated)), grads = jax.value_and_grad(f, has_aux=True)(values)
        for v, new in zip(others, updated):
            v.assign(new)  # recorded in the outer scope
        return loss, aux, list(grads)

    def forward_with_pullback(self, fn, variables):
        """`fn()`'s outputs and `pullback(cotangents) -> grads of variables` (a VJP).

        Lets one forward pass serve two updates (the generator's output feeds the
        discriminator step, then its pullback gives the generator's gradients).
        """
        f, values, others = self._pure(fn, variables)
        out, vjp_fn, updated = jax.vjp(f, values, has_aux=True)
        for v, new in zip(others, updated):
            v.assign(new)  # BatchNorm statistics of the forward pass
        return out, lambda cotangents: list(vjp_fn(cotangents)[0])

    def loss_and_input_gradient(self, loss_fn, x, optimizer=None):
        """`(loss, aux, d loss / d x)` of `loss_fn(x)`; state updates are kept."""
        ctx = self._require_ctx()
        outer = ctx.scope

        def f(x):
            mapping = [(v, outer.get_current_value(v)) for v in ctx.all_vars]
            with StatelessScope(state_mapping=mapping) as inner:
                loss, aux = split_aux(loss_fn(x))
                scaled = optimizer.scale_loss(loss) if optimizer is not None else loss
            return scaled, (loss, aux, [inner.get_current_value(v) for v in ctx.all_vars])

        (_, (loss, aux, updated)), grad = jax.value_and_grad(f, has_aux=True)(x)
        for v, new in zip(ctx.all_vars, updated):
            v.assign(new)
        return loss, aux, grad

    def apply_gradients(self, optimizer, grads, variables):
        # The stateless path: LossScaleOptimizer.apply assigns inside ops.cond branches,
        # which leaks tracers under jit.
        scope = self._require_ctx().scope
        opt_vals = [scope.get_current_value(v) for v in optimizer.variables]
        var_vals = [scope.get_current_value(v) for v in variables]
        new_vals, new_opt_vals = optimizer.stateless_apply(opt_vals, grads, var_vals)
        for v, val in zip(variables, new_vals):
            v.assign(val)
        for v, val in zip(optimizer.variables, new_opt_vals):
            v.assign(val)

    def input_gradients(self, fn, x):
        # fn must not update state (a critic for a gradient penalty has no BatchNorm).
        out, pullback = jax.vjp(fn, x)
        (grad,) = pullback(jax.numpy.ones_like(out))
        return out, grad

    def _get_state_sharding_spec(self):
        # Keras reads each variable's current sharding; mid-fit (a model compiling another
        # step, SRGAN's phase switch) the JAX trainer has purged the values: their layout
        # (set when placed, see `place_variables`) says the same.
        if not any(v._value is None for v in _state_variables(self)):
            return super()._get_state_sharding_spec()
        optimizer = getattr(self, "optimizer", None)
        return tuple(
            [_sharding_of(v) for v in group]
            for group in (self.trainable_variables, self.non_trainable_variables,
                          optimizer.variables if optimizer is not None else [],
                          self.metrics_variables))

    # A step compiled for other variable placements would not fit the new ones: recompile.
    def make_train_function(self, force=False):
        return super().make_train_function(force=place_variables(self) > 0 or force)

    def make_test_function(self, force=False):
        return super().make_test_function(force=place_variables(self) > 0 or force)

    def _run_stateless(self, groups, state, step_fn, data):
        mapping = []
        for group, values in zip(groups, state):
            mapping += list(zip(group, values))
        with StatelessScope(state_mapping=mapping) as scope:
            self._step_ctx = _StepContext(scope, [v for g in groups for v in g])
            _STEP_SCOPE[0] = scope
            try:
                logs = step_fn(data)
            finally:
                self._step_ctx = None
                _STEP_SCOPE[0] = None
        return logs, tuple([scope.get_current_value(v) for v in g] for g in groups)

    def train_step(self, state, data):
        groups = [
            self.trainable_variables,
            self.non_trainable_variables,
            self.optimizer.variables,
            self.metrics_variables,
        ]
        return self._run_stateless(groups, state, self.adversarial_step, data)

    def test_step(self, state, data):
        groups = [
            self.trainable_variables,
            self.non_trainable_variables,
            self.metrics_variables,
        ]
        return self._run_stateless(groups, state, self.adversarial_eval_step, data)
