"""`OptimizerGroup`: one container for all of a GAN's optimizers."""
import keras


@keras.saving.register_keras_serializable(package="ganzoo")
class OptimizerGroup(keras.optimizers.Optimizer):
    """Holds every optimizer of a multi-network model as `model.optimizer`.

    Why it exists: the JAX trainer threads only `model.optimizer.variables` through the
    jitted step. Optimizers kept as plain attributes (`self.d_optimizer`) would train
    with their Adam moments and `iterations` silently reset at every step. With this
    group as `model.optimizer`, every member's variables are part of the state on all
    backends (and of the JAX sharding specs under `keras.distribution`).

    The group itself is never applied: each member updates its own networks.
    `keras.optimizers.MultiOptimizer` is not used because it requires gradients for all
    variables at once and rejects `LossScaleOptimizer` members.

    Keras' learning-rate callbacks (`LearningRateScheduler`, `ReduceLROnPlateau`) iterate
    `model.optimizer.optimizers`: here that is one `MemberLearningRate` per member, named
    after the model attribute (`d_optimizer`, ...). Every member gets the same rule, each
    from its own current rate (so their ratio is kept), and the callbacks log
    `learning_rate_d_optimizer` etc. A member whose rate follows a schedule with a
    `scale` attribute (`ganzoo.schedules.LinearDecay`) is scaled instead: the schedule
    keeps its shape and the callback's rate multiplies it from the current step on.

    Args:
        optimizers: dict. `{name: optimizer}`, e.g. `{"d_optimizer": Adam(...)}`.
        name: str. Defaults to `"optimizer_group"`.

    Example:
    ```python
    gan = ganzoo.get("gan", data_shape=(2,))
    [rate.name for rate in gan.optimizer.optimizers]  # ['d_optimizer', 'g_optimizer']
    gan.fit(x, epochs=20, callbacks=[keras.callbacks.ReduceLROnPlateau("g_loss")])
    ```
    """

    def __init__(self, optimizers, name="optimizer_group", **kwargs):
        super().__init__(learning_rate=0.0, name=name, **kwargs)
        if not isinstance(optimizers, dict) or not optimizers:
            raise ValueError(
                "`optimizers` must be a non-empty dict of name -> optimizer. "
                f"Received: optimizers={optimizers!r}"
            )
        # Stored as a list of pairs, not a dict of trackables: the members are saved
        # under the model's own attributes (`d_optimizer`, ...), not twice.
        self._names = list(optimizers)
        self._members = list(optimizers.values())

    @property
    def members(self):
        """`{name: optimizer}` of the member optimizers."""
        return dict(zip(self._names, self._members))

    @property
    def optimizers(self):
        """One `MemberLearningRate` per member: what Keras' learning-rate callbacks set."""
        return [MemberLearningRate(n, o) for n, o in zip(self._names, self._members)]

    @property
    def variables(self):
        return self._variables[:] + [v for o in self._members for v in o.variables]

    def build(self, var_list=None):
        super().build([])
        # A scalable schedule (LinearDecay) gets its multiplier here: a variable of this
        # group, so it is saved, restored by backups and part of the jitted JAX state.
        for name, opt in zip(self._names, self._members):
            schedule = _schedule_of(opt)
            if schedule is not None and hasattr(schedule, "scale"):
                schedule.scale = self.add_variable(
                    (), initializer="ones", dtype="float32", name=f"{name}_learning_rate_scale"
                )

    def apply(self, grads, trainable_variables=None):
        raise RuntimeError(
            "OptimizerGroup is a container; each member optimizer updates its own "
            "networks (see GAN.update)."
        )

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        raise RuntimeError("OptimizerGroup is a container and is never applied.")

    def finalize_variable_values(self, var_list):
        for opt in self._members:
            if opt.built:
                opt.finalize_variable_values(opt._trainable_variables)

    def save_own_variables(self, store):
        for i, v in enumerate(self._variables):
            store[str(i)] = keras.ops.convert_to_numpy(v)

    def load_own_variables(self, store):
        keys = set(store.keys())
        for i, v in enumerate(self._variables):
            if str(i) in keys:  # files saved before the schedule scales existed lack them
                v.assign(store[str(i)])

    def get_config(self):
        return {
            "name": self.name,
            "optimizers": {
                n: keras.saving.serialize_keras_object(o)
                for n, o in zip(self._names, self._members)
            },
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        opts = {
            n: keras.saving.deserialize_keras_object(c, custom_objects=custom_objects)
            for n, c in config["optimizers"].items()
        }
        return cls(opts, name=config.get("name", "optimizer_group"))


def _schedule_of(optimizer):
    inner = getattr(optimizer, "inner_optimizer", optimizer)  # LossScaleOptimizer
    lr = getattr(inner, "_learning_rate", None)
    return lr if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule) else None


class MemberLearningRate:
    """The learning rate of one member of an `OptimizerGroup`, as Keras' callbacks see it.

    `learning_rate` reads the member's current rate. Setting it sets a plain member's
    rate; for a member driven by a schedule with a `scale` variable
    (`ganzoo.schedules.LinearDecay`) it rescales the schedule so that the rate at the
    current step is the value set, and the schedule's shape (CycleGAN's decay to zero)
    goes on from there. Other schedules cannot be set and raise `ValueError`.

    Args:
        name: str. The member's name in the group (the model attribute).
        optimizer: keras.optimizers.Optimizer. The member.

    Example:
    ```python
    rate = gan.optimizer.optimizers[0]   # d_optimizer
    rate.learning_rate = 1e-4
    ```
    """

    def __init__(self, name, optimizer):
        self.name = name
        self.optimizer = optimizer

    @property
    def learning_rate(self):
        return self.optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        schedule = _schedule_of(self.optimizer)
        if schedule is None:
            self.optimizer.learning_rate = value
            return
        if getattr(schedule, "scale", None) is None:
            raise ValueError(
                f"The learning rate of `{self.name}` follows a {type(schedule).__name__} schedule, "
                "which a callback cannot set. Use a float learning rate or "
                f"ganzoo.schedules.LinearDecay (which callbacks rescale). Received: learning_rate={value!r}"
            )
        inner = getattr(self.optimizer, "inner_optimizer", self.optimizer)
        unscaled = float(keras.ops.convert_to_numpy(schedule.unscaled(inner.iterations)))
        if unscaled > 0:  # at the end of a decay the rate is 0 whatever the scale
            schedule.scale.assign(float(value) / unscaled)
