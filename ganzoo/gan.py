"""Base classes of every ganzoo model.

`AdversarialModel` knows nothing about a particular GAN: it owns the sub-networks, one
optimizer per group of networks (all held in an `OptimizerGroup`), the loss trackers,
the noise `SeedGenerator`, compile defaults and `.keras` saving. A variant declares
three class attributes and writes `adversarial_step(data)` once with `keras.ops`:

```python
class MyGAN(AdversarialModel):
    network_names = ("generator", "discriminator")
    optimizer_networks = {"d_optimizer": ("discriminator",), "g_optimizer": ("generator",)}
    loss_names = ("d_loss", "g_loss")
```

`GAN` adds what every noise-to-sample model shares: a latent space, `generate(n)` and
the alternating discriminator/generator step with selectable losses.

Deferred build: a builder called without its shape arguments (e.g. `ganzoo.get("cyclegan")`)
returns `cls.deferred(builder, kwargs)`, an unbuilt model that `fit` builds from the first
batch it sees (as Keras layers build on their first call): the batch is checked, its shapes
(`shapes_from_batch`) fill in the missing arguments, and the builder, called again with
them, picks the paper's size-dependent defaults; the object the user holds takes over the
built model's state.
"""
import copy
import inspect

import keras
import numpy as np
from keras import ops

# The class Keras' monitoring callbacks search for metric directions (no public alias).
from keras.src.trainers.compile_utils import MetricsList

from ganzoo import arguments, guards, spectral, training, validation
from ganzoo import augment as augment_lib
from ganzoo import losses as losses_lib
from ganzoo.backend import OptimizerGroup, Trainer, sync_state
from ganzoo.backend.distribution import check_even_batches, replica_draw
from ganzoo.data.images import check_images


class AdversarialModel(Trainer):
    """Base of all ganzoo models: networks, optimizers, trackers, saving.

    Args:
        seed: int. Seed of the model-owned `keras.random.SeedGenerator` that draws all
            training noise. Defaults to `None` (taken from Keras' global seed).
        ema_decay: float in [0, 1) or None. Keep an exponential moving average of the
            network `ema_network` (the generator): after each of its updates the copy
            `<ema_network>_ema` (e.g. `model.generator_ema`) moves to
            `decay · average + (1 − decay) · weights`. Its trainable weights are averaged;
            its other variables (BatchNorm statistics) are copied from the live network
            (StyleGAN2-ADA does the same). `generate()` and `export()` then use the average.
            Defaults to `None` (no average).
        ema_start: int. Generator updates before averaging starts; until then the average
            copies the live weights. Defaults to 0.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    #: Attributes holding the sub-networks; each is saved in the config.
    network_names = ()
    #: `{optimizer attribute: names of the networks it updates}`.
    optimizer_networks = {}
    #: Losses tracked (as `keras.metrics.Mean`) and shown by `fit`.
    loss_names = ()
    #: The training data it takes (`ganzoo.data.kinds`): "samples", "labeled", "paired",
    #: "unpaired" or "super_resolution". `ganzoo train` loads data by it.
    data_kind = "samples"
    #: The paper's batch size; `ganzoo train` uses it when `--batch-size` is not given.
    default_batch_size = 64
    #: The network a generator EMA (`ema_decay`) averages; the average is `<name>_ema`.
    ema_network = "generator"

    @classmethod
    def schedule_for_epochs(cls, epochs):
        """Builder arguments that fit the model's learning-rate schedule to a run of `epochs`.

        `ganzoo train` passes them unless the user sets them. The default is none;
        CycleGAN returns its constant and decay phases, half of the run each.

        Example:
        ```python
        kwargs = CycleGAN.schedule_for_epochs(10)  # {'constant_epochs': 5, 'decay_epochs': 5}
        ```
        """
        return {}

    def __init__(self, *, seed=None, ema_decay=None, ema_start=0, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.ema_decay = arguments.float_in_range("ema_decay", ema_decay, 0.0, 1.0, high_inclusive=False,
                                                  allow_none=True)
        self.ema_start = arguments.positive_int("ema_start", ema_start, allow_zero=True)
        # Noise comes from a generator the model owns: its state is a model variable, so
        # it advances under jit on every backend and is saved and restored with the model.
        self.seed_generator = keras.random.SeedGenerator(seed, name="seed_generator")
        self._trackers = [_loss_tracker(n) for n in self.loss_names]
        self._loss_trackers = LossTrackers(self._trackers)
        # [1 + index of the optimizer, its update number] of the first non-finite loss or
        # gradient, written in-graph by `update()` (no host sync) and read by
        # `ganzoo.guards.TerminateOnNaN` to name the network and the step.
        self.nonfinite_state = keras.Variable(
            [0, 0], dtype="int32", trainable=False, name="nonfinite_state",
            aggregation="only_first_replica",
        )
        # The networks are built from keras.Input: mark the wrapper built so that `fit`
        # does not try to call the whole model on a data batch.
        self.built = True

    # ------------------------------------------------------------ deferred build
    @classmethod
    def deferred(cls, builder, kwargs, name=None):
        """An unbuilt, compiled `cls` that `fit` builds from its first batch.

        Args:
            builder: callable. The registered builder; called again by `fit` with `kwargs`
                and the shape arguments read from the first batch (`shapes_from_batch`).
            kwargs: dict. The builder's arguments as given (shape arguments `None`).
            name: str. The model's name. Defaults to the builder's name.

        Example:
        ```python
        @ganzoo.register("my_gan")
        def my_gan(*, image_shape=None, filters=64, seed=None):
            if image_shape is None:  # built by fit, from the first batch
                return GAN.deferred(my_gan, dict(image_shape=image_shape, filters=filters, seed=seed))
            ...
        ```
        """
        model = cls.__new__(cls)
        AdversarialModel.__init__(model, seed=kwargs.get("seed"), name=name or builder.__name__)
        model.built = False
        # Set through __dict__: a plain holder Keras should not track.
        model.__dict__["_deferred"] = _DeferredBuild(builder, kwargs)
        return model

    @property
    def is_deferred(self):
        """True until `fit` has built the networks of a model made without its shapes."""
        return self.__dict__.get("_deferred") is not None

    @property
    def build_note(self):
        """How a deferred model was built (shapes read from the data, size-dependent defaults), or `None`."""
        return self.__dict__.get("_build_note")

    @classmethod
    def shapes_from_batch(cls, batch):
        """The builder's shape arguments read from one numpy batch, after checking it.

        Returns a dict such as `{"image_shape": (16, 16, 1)}`; keys the builder does not
        take, or that the user gave, are ignored.
        """
        raise NotImplementedError(f"{cls.__name__} cannot build from data: pass its shape arguments.")

    def build_from_batch(self, batch):
        """Build a deferred model for the shapes of `batch` (numpy, as `train_step` gets it)."""
        deferred = self.__dict__["_deferred"]
        params = inspect.signature(deferred.builder).parameters
        shapes = {k: v for k, v in self.shapes_from_batch(batch).items()
                  if k in params and deferred.kwargs.get(k) is None}
        kwargs = dict(deferred.kwargs, **shapes)
        try:
            built = deferred.builder(**kwargs)
        except ValueError as e:
            shown = ", ".join(f"{k}={v!r}" for k, v in shapes.items())
            raise ValueError(f"{self.name} builds from the first batch of `fit`, which gives {shown}: {e}") from None
        self._adopt(built)
        chosen = built.__dict__.get("_size_defaults") or {}
        note = "built from the first batch: " + ", ".join(f"{k}={v!r}" for k, v in shapes.items())
        if chosen:
            note += "; the paper's defaults for this size: " + ", ".join(f"{k}={v!r}" for k, v in chosen.items())
        self.__dict__["_build_note"] = note
        if deferred.compile_kwargs is not None:  # the user's compile() before fit, redone
            self.compile(**deferred.compile_kwargs)

    def _adopt(self, built):
        # The user holds this object, so it takes over the whole state of the model the builder
        # made (networks, optimizers, trackers, seed generator, backend module state). Layer.__new__
        # puts `build`/`quantize` wrappers bound to their own object in each instance dict: keep ours.
        own = {k: self.__dict__[k] for k in ("build", "quantize") if k in self.__dict__}
        state = dict(built.__dict__)
        state.update(own)
        self.__dict__.clear()
        self.__dict__.update(state)

    def __getattr__(self, name):
        # Reached only when normal lookup fails: name the cause for a network of an unbuilt model.
        if name in type(self).network_names and self.__dict__.get("_deferred") is not None:
            raise AttributeError(
                f"{type(self).__name__} `{name}` does not exist yet: the model builds its networks from "
                "the first batch `fit` sees. Call fit first, or pass the shape arguments to the builder "
                f"(e.g. image_shape=...). Received: an unbuilt {self.name}"
            )
        parent = getattr(super(), "__getattr__", None)  # torch.nn.Module has one, object has not
        if parent is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return parent(name)

    def summary(self, *args, **kwargs):
        """`keras.Model.summary`; says whether (and how) the networks were built from data."""
        print_fn = kwargs.get("print_fn") or print
        if self.is_deferred:
            print_fn(f"{self.name} ({type(self).__name__}): not built yet; it builds its networks from "
                     "the first batch `fit` sees, with the paper's defaults for that size.")
            return
        super().summary(*args, **kwargs)
        if self.build_note:
            print_fn(f"{self.name}: {self.build_note}")

    # ------------------------------------------------------------ per-step state
    def build_ema(self):
        """Create `<ema_network>_ema`, the averaged copy of the generator, when `ema_decay` is set.

        A subclass calls it once its networks exist (`GAN.__init__` does); `compile` calls it
        too. Idempotent. The copy starts equal to the network and is not trainable.

        Example:
        ```python
        class MyGAN(AdversarialModel):
            def __init__(self, generator, discriminator, **kwargs):
                super().__init__(**kwargs)
                self.generator, self.discriminator = generator, discriminator
                self.build_ema()
        ```
        """
        if self.ema_decay is None or self.__dict__.get("_ema_built") or self.is_deferred:
            return
        net = getattr(self, self.ema_network)
        average = keras.models.clone_model(net)
        average.set_weights(net.get_weights())
        average.trainable = False
        setattr(self, self.ema_network + "_ema", average)
        self.__dict__["_ema_built"] = True

    @property
    def ema_model(self):
        """The averaged copy of the generator (`<ema_network>_ema`), or `None` without `ema_decay`."""
        if self.ema_decay is None:
            return None
        return self.__dict__.get("_ema_built") and getattr(self, self.ema_network + "_ema")

    def _ema_optimizer(self):
        for name, nets in self.optimizer_networks.items():
            if self.ema_network in nets:
                return name
        raise ValueError(f"No optimizer updates `{self.ema_network}`, so it cannot be averaged. "
                         f"Received: ema_decay={self.ema_decay!r}")

    def update_ema(self):
        """Move the average one step towards the live generator (called after each of its updates).

        With `n` the generator's update count (its optimizer's `iterations`, this update
        included), the average becomes `d · average + (1 − d) · weights` with `d = ema_decay`
        once `n > ema_start`, else a copy of the weights. Non-trainable variables are copied.
        """
        optimizer = getattr(self, self._ema_optimizer())
        updates = ops.cast(optimizer.iterations, "float32")
        decay = self.ema_decay * ops.cast(ops.greater(updates, float(self.ema_start)), "float32")
        live = getattr(self, self.ema_network)
        for w, avg in zip(live.weights, self.ema_model.weights):
            if w.trainable and "float" in str(w.dtype):
                new = decay * ops.cast(avg.value, "float32") + (1.0 - decay) * ops.cast(w.value, "float32")
                avg.assign(ops.cast(new, avg.dtype))
            else:
                avg.assign(w.value)

    def sampling_network(self, use_ema=None):
        """The generator `generate()` and `export()` use: the EMA copy by default when there is one.

        Args:
            use_ema: bool or None. `True`: the average (an error without `ema_decay`);
                `False`: the live generator; `None`: the average if the model keeps one.
                Defaults to None.
        """
        arguments.one_of("use_ema", use_ema, (None, True, False))
        if use_ema is None:
            use_ema = self.ema_decay is not None
        if not use_ema:
            return getattr(self, self.ema_network)
        if self.ema_model is None:
            raise ValueError("This model keeps no generator average: build it with `ema_decay=...`. "
                             "Received: use_ema=True")
        return self.ema_model

    def begin_step(self):
        """Per-step work before the step's first update; a model's `adversarial_step` calls it first.

        Runs one power iteration of every `ganzoo.spectral.SpectralNorm` layer of the
        networks (Miyato et al.: one per training step, never at inference).
        """
        layers_ = self.__dict__.get("_spectral_layers")
        if layers_ is None:
            layers_ = [layer for n in self.network_names for layer in spectral.spectral_layers(getattr(self, n))]
            self.__dict__["_spectral_layers"] = layers_
        for layer in layers_:
            layer.power_iteration()

    # ------------------------------------------------------------------ trackers
    @property
    def metrics(self):
        # Returned here so that they are part of the JAX state and reset every epoch.
        # One list holding them all, of the class Keras' monitoring callbacks search for
        # a metric's direction: `EarlyStopping(monitor="g_loss")` needs no `mode=`.
        return [self._loss_trackers]

    def track(self, **values):
        """Update the loss trackers, e.g. `self.track(d_loss=d, g_loss=g)`."""
        by_name = {m.name: m for m in self._trackers}
        for name, value in values.items():
            if name not in by_name:
                raise ValueError(
                    f"No tracker named {name!r}; declare it in `loss_names` "
                    f"{tuple(by_name)}. Received: {name}=..."
                )
            by_name[name].update_state(value)

    def logs(self):
        """The current value of every tracker, as `train_step` returns it."""
        return {m.name: m.result() for m in self._trackers}

    # ---------------------------------------------------------------- optimizers
    def default_optimizer(self, name):
        """The paper's optimizer for `name`. Defaults to Adam(2e-4, β1=0.5) (DCGAN)."""
        return keras.optimizers.Adam(learning_rate=2e-4, beta_1=0.5, beta_2=0.999)

    def networks_of(self, optimizer_name):
        """The networks updated by the optimizer `optimizer_name`."""
        return [getattr(self, n) for n in self.optimizer_networks[optimizer_name]]

    def variables_of(self, optimizer_name):
        """Trainable variables updated by the optimizer `optimizer_name`."""
        seen, out = set(), []
        for net in self.networks_of(optimizer_name):
            for v in net.trainable_variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    def compile(self, *, jit_compile="auto", steps_per_execution=1, run_eagerly=False, **optimizers):
        """Configure the optimizers; any left out (or `"auto"`) get the paper's default.

        Args:
            jit_compile: bool or `"auto"`. Passed to `keras.Model.compile`.
            steps_per_execution: int. Passed to `keras.Model.compile`.
            run_eagerly: bool. Passed to `keras.Model.compile`.
            **optimizers: one per entry of `optimizer_networks`, e.g.
                `d_optimizer=keras.optimizers.Adam(1e-4)`; a string names a Keras optimizer
                with its default settings; `"auto"` is the paper's default.

        Example:
        ```python
        gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))
        gan.compile(d_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5))
        ```
        """
        unknown = sorted(set(optimizers) - set(self.optimizer_networks))
        self.build_ema()
        if not unknown and self.is_deferred:  # no networks yet: redone when fit builds them
            self.__dict__["_deferred"].compile_kwargs = dict(
                optimizers, jit_compile=jit_compile, steps_per_execution=steps_per_execution,
                run_eagerly=run_eagerly)
            return
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.compile() takes the optimizers "
                f"{sorted(self.optimizer_networks)}. Received: {unknown[0]}={optimizers[unknown[0]]!r}"
            )
        fp16 = keras.config.dtype_policy().name == "mixed_float16"
        members = {}
        for name in self.optimizer_networks:
            opt = optimizers.get(name, "auto")
            if isinstance(opt, str) and opt == "auto":
                opt = self.default_optimizer(name)
            elif isinstance(opt, (str, dict)):
                opt = keras.optimizers.get(opt)
            if not isinstance(opt, keras.optimizers.Optimizer):
                raise ValueError(
                    f"`{name}` must be a keras Optimizer, its name, or 'auto'. Received: {name}={opt!r}"
                )
            # One dynamic loss scale per network under float16 (each update scales its
            # own loss); Model.compile would only wrap `self.optimizer`, the container.
            if fp16 and not isinstance(opt, keras.optimizers.LossScaleOptimizer):
                opt = keras.optimizers.LossScaleOptimizer(opt)
            if not opt.built:  # JAX cannot create variables inside the jitted step
                opt.build(self.variables_of(name))
            setattr(self, name, opt)
            members[name] = opt
        group = OptimizerGroup(members)
        keras.Model.compile(
            self,
            optimizer=group,
            jit_compile=jit_compile,
            steps_per_execution=steps_per_execution,
            run_eagerly=run_eagerly,
            auto_scale_loss=False,  # else the container itself would be loss-scaled
        )
        group.build()

    def get_compile_config(self):
        # A custom compile() signature: tell the saver how to redo it, so load_model
        # returns a compiled model and restores every optimizer's state.
        if not getattr(self, "compiled", False):
            return None
        return {
            name: keras.saving.serialize_keras_object(getattr(self, name))
            for name in self.optimizer_networks
        }

    def compile_from_config(self, config):
        self.compile(
            **{name: keras.saving.deserialize_keras_object(c) for name, c in config.items()}
        )

    # -------------------------------------------------------------------- updates
    def update(self, optimizer_name, loss_fn):
        """Differentiate `loss_fn()` w.r.t. the networks of `optimizer_name` and step.

        `loss_fn` takes no argument and returns a scalar loss, or `(loss, aux)` where
        `aux` is any structure of tensors computed alongside (returned, not differentiated).
        The loss is computed in float32.

        Returns:
            The loss, or `(loss, aux)` when `loss_fn` returned a pair.
        """
        optimizer = getattr(self, optimizer_name)
        variables = self.variables_of(optimizer_name)
        has_aux = []

        def wrapped():
            out = loss_fn()
            if isinstance(out, tuple):
                has_aux.append(True)
                return ops.cast(out[0], "float32"), out[1]
            return ops.cast(out, "float32")

        loss, aux, grads = self.compute_gradients(wrapped, variables, optimizer)
        self.apply_update(optimizer_name, loss, grads, variables)
        return (loss, aux) if has_aux else loss

    def apply_update(self, optimizer_name, loss, grads, variables):
        """Step the optimizer `optimizer_name` with `grads`: the one place an update happens.

        It first records, in the graph, whether `loss` or any gradient is non-finite (the
        NaN guard's flag, `ganzoo.guards.record_nonfinite`), then applies the gradients
        through the backend trainer (loss-scale aware under mixed precision). `update()`
        and every hand-written gradient path of a model call it.

        Args:
            optimizer_name: str. An attribute of the model holding an optimizer of its
                `OptimizerGroup`, e.g. `"g_optimizer"`.
            loss: tensor. The float32 scalar loss the gradients are of.
            grads: list of tensors. One gradient per variable.
            variables: list of `keras.Variable`. What the optimizer updates.

        Example:
        ```python
        loss, _, grads = self.compute_gradients(loss_fn, g_vars, self.g_optimizer)
        self.apply_update("g_optimizer", loss, grads, g_vars)
        ```
        """
        guards.record_nonfinite(self, optimizer_name, loss, grads)
        self.apply_gradients(getattr(self, optimizer_name), grads, variables)
        if self.ema_decay is not None and optimizer_name == self._ema_optimizer():
            self.update_ema()

    # ------------------------------------------------------------------------ fit
    #: Check the training data before `fit` starts (`ganzoo.validation`).
    check_inputs = True

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, **kwargs):
        # Bad data fails here, naming what was received, before any training; a NaN
        # guard is added and backups learn which callbacks have state to save.
        arguments.positive_int("epochs", epochs)
        arguments.positive_int("batch_size", batch_size, allow_none=True)
        if self.check_inputs or self.is_deferred:  # a deferred model builds from the first batch here
            x, y = validation.check_fit_data(self, x, y)
        # Under a distribution every batch, the epoch's last one too, must split evenly
        # across the devices (ganzoo.backend.distribution.check_even_batches).
        check_even_batches(x, batch_size)
        if "shuffle" not in kwargs and getattr(x, "seeded_order", False):
            # ShuffledBatches, CropPairs: their order is a function of (seed, epoch). Keras'
            # default shuffle would permute it from the global random state, which a
            # process resumed from a backup does not share (its batches would differ).
            kwargs["shuffle"] = False
        self.on_fit_start(dict(kwargs, x=x, y=y, batch_size=batch_size))
        callbacks = training.prepare_callbacks(self, callbacks, batch_size, data=x)
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                           callbacks=callbacks, **kwargs)

    def on_fit_start(self, fit_args):
        """Called by `fit` once the networks exist, before Keras' `fit`; `fit_args` holds its arguments."""

    def validate_batch(self, batch):
        """Raise `ValueError` if `batch` (numpy, as `train_step` receives it) is unusable.

        Called by `fit` on the training arrays, or on the first batch of a dataset, before
        any training. Subclasses check what their `adversarial_step` needs.
        """

    # --------------------------------------------------------------------- export
    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None, use_ema=None,
               **kwargs):
        """Export the generator's serving function (what a deployed GAN runs).

        A whole GAN has no single forward pass to serve (its `call` is a training
        device), so this exports `model.generator` exactly as `model.generator.export`
        would: its input (noise, or the source image) to its output. A model with
        several generators (CycleGAN) raises a ValueError naming them.

        Args:
            filepath: str or path-like. Where to write the artifact.
            format: str. Passed to `keras.Model.export`. Defaults to `"tf_saved_model"`.
            verbose: bool. Passed to `keras.Model.export`. Defaults to `None`.
            input_signature: Passed to `keras.Model.export`. Defaults to `None`.
            use_ema: bool or None. Export the generator average (`ema_decay`) rather than
                the live generator; `None` exports the average when the model keeps one
                (`sampling_network`). Defaults to None.
            **kwargs: passed to `keras.Model.export`.

        Example:
        ```python
        gan = ganzoo.get("dcgan", image_shape=(16, 16, 1), filters=8)
        gan.export("dcgan_generator")  # same as gan.generator.export("dcgan_generator")
        ```
        """
        generators = [n for n in self.network_names if n.startswith("generator")]
        if generators != ["generator"]:
            calls = " or ".join(f"`model.{n}.export(path)`" for n in generators) or "a network's export"
            raise ValueError(
                f"{type(self).__name__} has no single generator to export (its networks: "
                f"{', '.join(self.network_names)}); call {calls}. Received: filepath={filepath!r}"
            )
        return self.sampling_network(use_ema).export(filepath, format=format, verbose=verbose,
                                                     input_signature=input_signature, **kwargs)

    # --------------------------------------------------------------------- saving
    def save_own_variables(self, store):
        super().save_own_variables(store)
        # Keras leaves the SeedGenerator state out of saved weights: without it a loaded
        # or resumed model would draw different noise than the run it continues.
        store["seed_generator_state"] = keras.ops.convert_to_numpy(self.seed_generator.state)
        # The same for the SeedGenerators inside the networks (StyleGAN2's noise layers,
        # Dropout), whose layers do not save them either; kept in the model's own store, by
        # their order in `self.variables`.
        for i, state in enumerate(self._layer_seed_states()):
            store[f"layer_seed_state_{i}"] = keras.ops.convert_to_numpy(state)

    def load_own_variables(self, store):
        keys = list(store.keys())
        if "seed_generator_state" in keys:
            self.seed_generator.state.assign(store["seed_generator_state"])
        states = self._layer_seed_states()
        saved = sorted((k for k in keys if k.startswith("layer_seed_state_")), key=lambda k: int(k.rsplit("_", 1)[1]))
        if saved and len(saved) != len(states):
            raise ValueError(f"{self.name}: the file holds {len(saved)} layer noise states, this model has "
                             f"{len(states)} SeedGenerators in its layers (another architecture?). "
                             f"Received: {len(saved)} saved states")
        for key, state in zip(saved, states):
            state.assign(store[key])
        extra = {"seed_generator_state", *saved}
        super().load_own_variables({k: store[k] for k in keys if k not in extra})

    def _layer_seed_states(self):
        # State variables of every SeedGenerator below the model (Keras names them
        # "seed_generator_state"), in a fixed order; the model's own one excluded.
        own = id(self.seed_generator.state)
        return [v for v in self.variables if v.path.endswith("seed_generator_state") and id(v) != own]

    def get_config(self):
        if self.is_deferred:
            raise ValueError(f"{self.name} is not built yet (it builds from the first batch `fit` sees), "
                             "so there is nothing to save. Received: an unbuilt model")
        config = super().get_config()
        config["seed"] = self.seed
        if self.ema_decay is not None:
            config.update(ema_decay=self.ema_decay, ema_start=self.ema_start)
        # Not an argument: the backend it was saved on, which `ganzoo sample` and the other
        # commands that load a model prefer when it is installed (weights load on any).
        config["backend"] = keras.config.backend()
        for name in self.network_names:
            config[name] = keras.saving.serialize_keras_object(getattr(self, name))
        return config

    @classmethod
    def from_config(cls, config):
        # Keras' deserializer consumes the nested dicts it is given: work on a copy, so the
        # caller's config (e.g. one reused for a second clone) stays whole.
        config = copy.deepcopy(config)
        config.pop("backend", None)
        for name in cls.network_names:
            config[name] = keras.saving.deserialize_keras_object(config[name])
        return cls(**config)

    # ------------------------------------------------------------------ interface
    def adversarial_step(self, data):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement adversarial_step(data).")

    def adversarial_eval_step(self, data):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not implement evaluate().")

    def example_data(self, num_examples, seed=0):
        """Random numpy data of the form `fit` expects (for smoke tests)."""
        raise NotImplementedError

    def example_inputs(self, num_examples, seed=0):
        """Random numpy inputs of the form `call`/`predict` expects."""
        raise NotImplementedError


def _loss_tracker(name):
    tracker = keras.metrics.Mean(name=name)
    # Every tracked quantity is a loss: lower is better. Keras' MonitorCallback
    # (EarlyStopping, ModelCheckpoint, ReduceLROnPlateau) reads `_direction` to pick
    # `mode="min"` when it is left at "auto".
    tracker._direction = "down"
    return tracker


class LossTrackers(MetricsList):
    """The loss trackers of a model, as the one entry of `model.metrics`.

    A `MetricsList` because that is where Keras' monitoring callbacks look up a metric's
    direction (`keras/src/callbacks/monitor_callback.py`); its result is the dict of the
    trackers' means, which `fit` logs under each tracker's name.

    Args:
        trackers: list of keras.metrics.Mean. The loss trackers.
        name: str. Defaults to `"losses"`.

    Example:
    ```python
    gan = ganzoo.get("gan", data_shape=(2,))
    [trackers] = gan.metrics
    sorted(trackers.result())  # ['d_loss', 'g_loss']
    ```
    """

    def __init__(self, trackers, name="losses"):
        super().__init__(list(trackers), name=name)

    def update_state(self, *args, **kwargs):
        raise RuntimeError("Update the loss trackers through `model.track(name=value)`.")

    def result(self):
        return self.get_result()


class _DeferredBuild:
    # How a deferred model builds itself: a plain holder, not tracked by Keras.
    def __init__(self, builder, kwargs):
        self.builder = builder
        self.kwargs = dict(kwargs)
        self.compile_kwargs = None


def note_size_defaults(model, **defaults):
    """Record the size-dependent defaults a builder chose (shown in a deferred model's summary).

    Example:
    ```python
    note_size_defaults(model, num_residual_blocks=6)
    ```
    """
    model.__dict__["_size_defaults"] = dict(defaults)
    return model


def checked_images(x, name):
    """The `(H, W, C)` of a numpy image batch, after checking rank, dtype and [-1, 1] range."""
    check_images(x, name=name)
    return tuple(int(d) for d in x.shape[1:])


def unpack_samples(data):
    """The real samples of a batch: `x`, `(x, ...)` or `{"image": x, ...}`."""
    if isinstance(data, dict):
        if "image" not in data:
            raise ValueError(
                f"A dict batch needs an 'image' entry. Received keys: {sorted(data)}"
            )
        return data["image"]
    if isinstance(data, (tuple, list)):
        return data[0]
    return data


@keras.saving.register_keras_serializable(package="ganzoo")
class GAN(AdversarialModel):
    """An unconditional GAN: a generator from noise, a discriminator, alternating updates.

    Goodfellow et al. 2014, "Generative Adversarial Nets". Each step first updates the
    discriminator on real samples and generated ones, then the generator through the
    updated discriminator on the same generated batch (one generator forward per step;
    `reuse_generator_pass = False` draws fresh noise for it instead).

    Args:
        generator: keras.Model. Maps `(batch, latent_dim)` noise to samples.
        discriminator: keras.Model. Maps samples to one logit per sample.
        latent_dim: int. Size of the noise vector. Defaults to the generator's input size.
        d_loss: str or callable. One of `ganzoo.losses.D_LOSSES`. Defaults to `"logistic"`.
        g_loss: str or callable. One of `ganzoo.losses.G_LOSSES`; `"minimax"` is the
            original saturating objective. Defaults to `"non_saturating"`.
        d_steps: int. Discriminator updates per generator update (WGAN's n_critic), each
            on the same real batch with fresh noise. Defaults to 1.
        r1_gamma: float. γ of the R1 penalty (Mescheder et al. 2018) on real samples:
            `γ/2 · E‖∇ₓD(x)‖²` added to the discriminator's loss. Defaults to 0 (none).
        r1_interval: int. Lazy regularisation (Karras et al. 2020, StyleGAN2): the penalty
            is taken on every `r1_interval`-th discriminator update only, times
            `r1_interval`. Defaults to 1.
        pac: int. PacGAN packing (Lin et al. 2018): the discriminator judges `pac` samples
            at once, concatenated along the features (vectors) or channels (images); it
            must be built for that input. The batch must be a multiple of `pac`.
            Defaults to 1.
        augment: str or None. DiffAugment policy (Zhao et al. 2020), e.g.
            `"color,translation,cutout"` (`ganzoo.augment`): applied to every batch the
            discriminator sees in training, real and generated alike. Defaults to None.
        seed: int. Seed of the training noise. Defaults to `None`.
        **kwargs: `ema_decay`, `ema_start` (see `AdversarialModel`) and `keras.Model`'s.

    Example:
    ```python
    gan = ganzoo.get("gan", data_shape=(2,))
    gan.fit(ganzoo.data.load("ring"), batch_size=256, epochs=1)
    samples = gan.generate(1000)
    ```
    """

    network_names = ("generator", "discriminator")
    optimizer_networks = {"d_optimizer": ("discriminator",), "g_optimizer": ("generator",)}
    loss_names = ("d_loss", "g_loss")

    def __init__(self, generator, discriminator, *, latent_dim=None, d_loss="logistic",
                 g_loss="non_saturating", d_steps=1, r1_gamma=0.0, r1_interval=1, pac=1, augment=None,
                 seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.d_steps = arguments.positive_int("d_steps", d_steps)
        self.r1_gamma = arguments.positive_float("r1_gamma", r1_gamma, allow_zero=True)
        self.r1_interval = arguments.positive_int("r1_interval", r1_interval)
        self.pac = arguments.positive_int("pac", pac)
        self.augment = augment_lib.check_policy(augment)
        self.generator = generator
        self.discriminator = discriminator
        gen_in = tuple(generator.inputs[0].shape[1:]) if generator.inputs else None
        if latent_dim is None:
            if gen_in is None or len(gen_in) != 1:
                raise ValueError(
                    "Pass `latent_dim`: the generator has no single flat input. "
                    f"Received: generator input shape={gen_in}"
                )
            latent_dim = gen_in[0]
        self.latent_dim = arguments.positive_int("latent_dim", latent_dim)
        self.d_loss_name = d_loss
        self.g_loss_name = g_loss
        self._d_loss_fn = losses_lib.get_d_loss(d_loss)
        self._g_loss_fn = losses_lib.get_g_loss(g_loss)
        if self.pac > 1:
            self._check_packed_discriminator()
        if self.augment and len(self.sample_shape) != 3:
            raise ValueError("DiffAugment (`augment`) works on images (height, width, channels). "
                             f"Received: augment={self.augment!r} for samples of shape {self.sample_shape}")
        self.build_ema()

    # ----------------------------------------------------- discriminator input
    def _check_packed_discriminator(self):
        sample = tuple(self.generator.outputs[0].shape[1:])
        packed = sample[:-1] + (sample[-1] * self.pac,)
        d_in = tuple(self.discriminator.inputs[0].shape[1:])
        if d_in != packed:
            raise ValueError(
                f"With pac={self.pac} the discriminator judges {self.pac} samples at once and must take "
                f"inputs of shape {packed} (samples of shape {sample} concatenated along the last axis). "
                f"Received: a discriminator with input shape {d_in}"
            )

    def check_pac_batch(self, batch_size, name="batch_size"):
        """Raise a ValueError unless `batch_size` is a multiple of `pac` (the packed groups)."""
        if self.pac > 1 and batch_size is not None and int(batch_size) % self.pac:
            raise ValueError(
                f"With pac={self.pac} the discriminator judges groups of {self.pac} samples: `{name}` must be "
                f"a multiple of {self.pac}. Received: {name}={batch_size}"
            )

    def on_fit_start(self, fit_args):
        super().on_fit_start(fit_args)
        if self.pac > 1:
            x = fit_args.get("x")
            first = x[0] if isinstance(x, (tuple, list)) and x else x
            first = next(iter(first.values()), None) if isinstance(first, dict) else first
            if hasattr(first, "shape"):  # arrays: Keras cuts batches of batch_size (32 by default)
                batch_size = fit_args.get("batch_size") or 32
                self.check_pac_batch(batch_size)
                last = int(first.shape[0]) % batch_size
                if last and fit_args.get("steps_per_epoch") is None:
                    self.check_pac_batch(last, name="the last batch's size (number of samples mod batch_size)")
            else:
                self.check_pac_batch(self.__dict__.get("_first_batch_size"), name="the first batch's size")

    def whole_groups(self, x):
        """`x` without its last `batch mod pac` samples (a last short batch), so that it packs."""
        if self.pac == 1:
            return x
        n = ops.shape(x)[0]
        if isinstance(n, int):
            return x if n % self.pac == 0 else x[: n - n % self.pac]
        keep = (n // self.pac) * self.pac
        return ops.slice(x, [0] * len(x.shape), [keep] + list(x.shape[1:]))

    def pack(self, x):
        """PacGAN packing: `(batch, ...)` to `(batch / pac, ...)`, `pac` samples per row.

        Vectors `(batch, d)` become `(batch / pac, pac · d)`; images `(batch, h, w, c)`
        become `(batch / pac, h, w, pac · c)` (sample `j` of a group in channels
        `j·c ... (j+1)·c − 1`); labels `(batch,)` become `(batch / pac, pac)`.
        """
        m = self.pac
        if m == 1:
            return x
        rest = tuple(x.shape[1:])
        if len(rest) == 0:
            return ops.reshape(x, (-1, m))
        grouped = ops.reshape(x, (-1, m) + rest)
        if len(rest) > 1:  # images: the group axis next to the channels
            perm = (0,) + tuple(range(2, len(rest) + 1)) + (1, len(rest) + 1)
            grouped = ops.transpose(grouped, perm)
        return ops.reshape(grouped, (-1,) + rest[:-1] + (m * rest[-1],))

    def d_input(self, x, training=True):
        """What the discriminator is given for samples `x`: augmented (in training), then packed."""
        if training and self.augment:
            x = augment_lib.diff_augment(x, self.augment, self.seed_generator)
        return self.pack(x)

    def discriminate(self, x, training=True):
        """The discriminator's logits for samples `x` (`d_input`: DiffAugment, PacGAN packing)."""
        return self.discriminator(self.d_input(x, training), training=training)

    def r1_term(self, d_input, call=None):
        """`γ/2 · r1_interval · E‖∇D(x)‖²` on the real `d_input` on a due update, else 0.

        `d_input` is the discriminator's input as it sees it (packed, augmented); `call`
        maps it to logits (defaults to the discriminator in training mode). The
        discriminator is run in a `keras.StatelessScope`, so the penalty's forward pass
        leaves no state (BatchNorm statistics) behind. Due: the discriminator's optimizer
        has made a multiple of `r1_interval` updates before this one.
        """
        if not self.r1_gamma:
            return 0.0
        call = call or (lambda t: self.discriminator(t, training=True))
        weight = 0.5 * self.r1_gamma * self.r1_interval

        def penalty():
            mapping = [(v, v.value) for v in self.discriminator.variables]
            with keras.StatelessScope(state_mapping=mapping):
                _, grads = self.input_gradients(call, d_input)
            return weight * losses_lib.r1_penalty(grads)

        if self.r1_interval == 1:
            return penalty()
        due = ops.equal(ops.mod(ops.cast(self.d_optimizer.iterations, "int32"), self.r1_interval), 0)
        return ops.cond(due, penalty, lambda: ops.zeros((), "float32"))

    @property
    def sample_shape(self):
        """Shape of one generated sample (without the batch axis)."""
        return tuple(self.generator.outputs[0].shape[1:])

    def call(self, z, training=False):
        return self.generator(z, training=training)

    def sample_noise(self, batch_size):
        # Under tf.distribute each replica takes its own rows of the global batch's noise
        # (else every replica would draw the same noise); elsewhere a plain draw.
        return replica_draw(
            lambda n: keras.random.normal((n, self.latent_dim), seed=self.seed_generator), batch_size)

    #: One generator forward pass per step, reused by both updates (pytorch/examples
    #: dcgan does the same): D learns on the generated batch, then G is updated through
    #: the new D on that same batch via the kept pullback. `False`: the G update draws
    #: fresh noise and runs G again (two forward passes).
    reuse_generator_pass = True

    def adversarial_step(self, data):
        self.begin_step()
        real = self.whole_groups(unpack_samples(data))
        batch_size = ops.shape(real)[0]
        g_vars = self.variables_of("g_optimizer")
        z = self.sample_noise(batch_size)
        reuse = self.reuse_generator_pass
        if reuse:
            fake, pullback = self.forward_with_pullback(lambda: self.generator(z, training=True), g_vars)
        else:
            fake = self.generator(z, training=True)
        # Discriminator: the generated batch is a constant here (stop_gradient), so
        # the discriminator's loss does not reach the generator's weights. A Python loop:
        # under jit the d_steps updates are unrolled into one compiled step; the first
        # uses the batch generated above, the others fresh noise.
        for i in range(self.d_steps):
            if i == 0:
                fake_const = ops.stop_gradient(fake)
            else:
                fake_const = ops.stop_gradient(self.generator(self.sample_noise(batch_size), training=True))

            def d_loss_fn():
                real_in = self.d_input(real)
                real_logits = self.discriminator(real_in, training=True)
                fake_logits = self.discriminate(fake_const)
                return self._d_loss_fn(real_logits, fake_logits) + self.r1_term(real_in)

            d_loss = self.update("d_optimizer", d_loss_fn)

        # Generator: through the just-updated discriminator, whose weights this update
        # leaves alone (only the generator's variables are differentiated).
        if reuse:
            def g_loss_on(images):
                return ops.cast(self._g_loss_fn(self.discriminate(images)), "float32")

            g_loss, _, d_fake = self.loss_and_input_gradient(g_loss_on, fake, self.g_optimizer)
            g_grads = pullback(d_fake)
            self.apply_update("g_optimizer", g_loss, g_grads, g_vars)
        else:
            z = self.sample_noise(batch_size)

            def g_loss_fn():
                return self._g_loss_fn(self.discriminate(self.generator(z, training=True)))

            g_loss = self.update("g_optimizer", g_loss_fn)
        self.track(d_loss=d_loss, g_loss=g_loss)
        return self.logs()

    def adversarial_eval_step(self, data):
        real = self.whole_groups(unpack_samples(data))
        fake = self.generator(self.sample_noise(ops.shape(real)[0]), training=False)
        real_logits = self.discriminate(real, training=False)
        fake_logits = self.discriminate(fake, training=False)
        self.track(d_loss=self._d_loss_fn(real_logits, fake_logits), g_loss=self._g_loss_fn(fake_logits))
        return self.logs()

    def generate(self, num_samples, *, batch_size=256, seed=None, use_ema=None):
        """Draw `num_samples` samples as a float32 numpy array.

        Images come from a `tanh` output and lie in [-1, 1]. A model built with
        `ema_decay` samples from its generator average (`model.generator_ema`) by default.

        Args:
            num_samples: int. How many samples.
            batch_size: int. Generator batch size. Defaults to 256.
            seed: int. Seed of the noise (numpy). Defaults to `None` (fresh noise).
            use_ema: bool or None. `True`: the average; `False`: the live generator;
                `None`: the average when the model keeps one. Defaults to None.
        """
        num_samples = arguments.positive_int("num_samples", num_samples)
        net = self.sampling_network(use_ema)
        sync_state(self)
        z = self.example_inputs(int(num_samples), seed=seed)
        out = net.predict(z, batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype="float32")

    def example_inputs(self, num_examples, seed=0):
        rng = np.random.default_rng(seed)
        return rng.standard_normal((num_examples, self.latent_dim)).astype("float32")

    @classmethod
    def shapes_from_batch(cls, batch):
        x = unpack_samples(batch)
        if getattr(x, "ndim", 0) == 4:
            shape = checked_images(x, "x")
        else:
            shape = tuple(int(d) for d in getattr(x, "shape", ())[1:])
        return {"image_shape": shape, "data_shape": shape}

    def validate_batch(self, batch):
        # Images (rank 3) come from a tanh and must be in [-1, 1]; vectors are unbounded.
        self.__dict__["_first_batch_size"] = int(unpack_samples(batch).shape[0])
        validation.check_samples(unpack_samples(batch), self.sample_shape, name="x",
                                 value_range=(-1.0, 1.0) if len(self.sample_shape) == 3 else None)

    def example_data(self, num_examples, seed=0):
        rng = np.random.default_rng(seed)
        x = rng.uniform(-1, 1, (num_examples,) + self.sample_shape)
        return x.astype("float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            latent_dim=self.latent_dim,
            d_steps=self.d_steps,
            d_loss=_serialize_loss(self.d_loss_name),
            g_loss=_serialize_loss(self.g_loss_name),
        )
        # The toolkit's options, saved when they differ from the defaults.
        for key, default in (("r1_gamma", 0.0), ("r1_interval", 1), ("pac", 1), ("augment", None)):
            if getattr(self, key) != default:
                config[key] = getattr(self, key)
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)
        for key in ("d_loss", "g_loss"):
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return super().from_config(config)


def _serialize_loss(loss):
    # Names round-trip as they are; a custom callable must be registered with
    # `keras.saving.register_keras_serializable` to be saved.
    return loss if isinstance(loss, str) else keras.saving.serialize_keras_object(loss)
