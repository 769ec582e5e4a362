"""Spectral normalisation (Miyato et al. 2018) with one power iteration per training step.

`SpectralNorm(layer)` wraps a `Dense` or `Conv1D/2D/3D` layer: its call uses the kernel
`W / σ(W)`, with `σ(W) = ‖W_mat u‖₂` estimated from a vector `u` kept as a non-trainable
variable (saved and restored with the model). `W_mat` is the kernel reshaped the paper's
way, one column per output unit: `(kernel_h · kernel_w · in_channels, out_channels)` for a
convolution.

The call never updates `u`. The model does, once per training step, before any update
(`AdversarialModel.begin_step` calls `power_iteration()` on every wrapped layer):

    v ← W_mat u / ‖W_mat u‖,   u ← W_matᵀ v / ‖W_matᵀ v‖

Keras' own `keras.layers.SpectralNormalization` iterates inside every training call and
writes the normalised kernel back into the layer; a GAN step calls the discriminator
several times (real, fake, the generator's update, a penalty), so it would iterate several
times per step and compound the division. Here inference never changes `u`.

`u` is treated as a constant in the gradient (as in the paper): `σ = ‖W_mat u‖` with `u`
fixed has the gradient `v uᵀ` of the paper's `uᵀ W v` with both vectors fixed.
"""
import keras
from keras import layers, ops

WRAPPABLE = (layers.Dense, layers.Conv1D, layers.Conv2D, layers.Conv3D)


def _l2_normalize(x, epsilon):
    return x / ops.sqrt(ops.sum(ops.square(x)) + epsilon)


@keras.saving.register_keras_serializable(package="ganzoo")
class SpectralNorm(layers.Wrapper):
    """A `Dense`/`Conv` layer whose kernel is divided by its largest singular value.

    Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks". The
    estimate of the singular value improves by one power iteration per training step
    (`power_iteration()`, called by the model), never inside `call`.

    Args:
        layer: keras.layers.Dense or Conv1D/Conv2D/Conv3D. The layer to normalise.
        epsilon: float. Added under the square roots of the norms. Defaults to 1e-12.
        **kwargs: passed to `keras.layers.Wrapper` (e.g. `name`).

    Example:
    ```python
    dense = SpectralNorm(keras.layers.Dense(16))
    y = dense(keras.ops.ones((2, 8)))   # uses W / sigma(W); u is not updated here
    dense.power_iteration()             # what the model does once per training step
    ```
    """

    def __init__(self, layer, epsilon=1e-12, **kwargs):
        if not isinstance(layer, WRAPPABLE):
            raise TypeError(
                "SpectralNorm wraps Dense and Conv1D/Conv2D/Conv3D layers. "
                f"Received: layer={type(layer).__name__}"
            )
        super().__init__(layer, **kwargs)
        self.epsilon = float(epsilon)

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
        units = int(self.layer.kernel.shape[-1])
        self.u = self.add_weight(
            shape=(units,), initializer=keras.initializers.RandomNormal(stddev=1.0),
            trainable=False, name="u", dtype=self.layer.kernel.dtype,
        )
        self.built = True

    def _kernel_matrix(self, kernel):
        return ops.reshape(ops.cast(kernel, "float32"), (-1, int(self.layer.kernel.shape[-1])))

    def sigma(self):
        """`σ = ‖W_mat u‖₂` (`u` scaled to unit length), the current estimate of the largest singular value.

        `u` is held constant in the gradient. It is a unit vector after the first power
        iteration; before it, its random initial value is normalised here.
        """
        w = self._kernel_matrix(self.layer.kernel)
        u = ops.stop_gradient(_l2_normalize(ops.cast(self.u, "float32"), self.epsilon))
        return ops.sqrt(ops.sum(ops.square(ops.matmul(w, u[:, None]))) + self.epsilon)

    def normalized_kernel(self):
        """The kernel the call uses: `W / σ`."""
        kernel = self.layer.kernel
        return ops.cast(ops.cast(kernel, "float32") / self.sigma(), kernel.dtype)

    def power_iteration(self):
        """One power iteration on `u` from the current kernel (no gradient): the per-step update."""
        w = ops.stop_gradient(self._kernel_matrix(self.layer.kernel))
        u = ops.cast(self.u, "float32")
        v = _l2_normalize(ops.matmul(w, u[:, None]), self.epsilon)
        new_u = _l2_normalize(ops.matmul(ops.transpose(w), v), self.epsilon)
        self.u.assign(ops.cast(ops.reshape(new_u, (-1,)), self.u.dtype))

    def call(self, inputs, training=None):
        # The inner layer runs with its kernel mapped to W / σ for this call only: a
        # StatelessScope mapping every variable of the layer to its current value (the
        # kernel to the normalised one), so nothing is written to the variables.
        kernel = self.layer.kernel
        mapping = [(v, v.value) for v in self.layer.variables if v is not kernel]
        mapping.append((kernel, self.normalized_kernel()))
        with keras.StatelessScope(state_mapping=mapping):
            return self.layer(inputs)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        return config


def spectral_normalize(model):
    """A copy of the functional `model` with every Dense/Conv layer wrapped in `SpectralNorm`.

    The copy has fresh weights (drawn by each layer's initializer), as a new network would.

    Args:
        model: keras.Model. A functional model (e.g. a discriminator built by a ganzoo builder).

    Example:
    ```python
    d = spectral_normalize(ganzoo.models.dcgan.dcgan_discriminator((16, 16, 1), filters=8))
    ```
    """
    def clone(layer):
        config = layer.get_config()
        if not isinstance(layer, WRAPPABLE):
            return layer.__class__.from_config(config)
        # The wrapped layer takes the wrapper's name: a config then names no layer outside the
        # model's layer list, so `BackupAndRestore` (which compares configs with layer names
        # made positional) sees the same model when it is built again in one process.
        name = f"spectral_{layer.name}"
        return SpectralNorm(layer.__class__.from_config(dict(config, name=name)), name=name)

    return keras.models.clone_model(model, clone_function=clone)


def spectral_layers(model):
    """Every `SpectralNorm` layer inside `model` (nested models included)."""
    return [layer for layer in model._flatten_layers(include_self=False) if isinstance(layer, SpectralNorm)]
