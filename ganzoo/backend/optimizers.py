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

    Args:
        optimizers: dict. `{name: optimizer}`, e.g. `{"d_optimizer": Adam(...)}`.
        name: str. Defaults to `"optimizer_group"`.
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
    def optimizers(self):
        return dict(zip(self._names, self._members))

    @property
    def variables(self):
        return self._variables[:] + [v for o in self._members for v in o.variables]

    def build(self, var_list=None):
        super().build([])

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
        for i, v in enumerate(self._variables):
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
