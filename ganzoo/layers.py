"""Building blocks shared by several ganzoo models (keras.ops only).

Instance normalisation, reflection padding, the residual block and the PatchGAN
discriminator are used by both `pix2pix` and `cyclegan`; `ImagePool` is CycleGAN's
history of generated images, kept as model state so that it trains under jit and is
saved with the model. `SubPixelUpsampling` is SRGAN's pixel shuffle.
(`precise_batch_norm` moved to `ganzoo.precise_bn`.)
"""
import keras
from keras import layers, ops

from ganzoo import arguments
from ganzoo.backend.distribution import replica_gather, replica_rows

NORMS = ("batch", "instance")


def conv_init():
    # Both papers: "weights were initialized from a Gaussian distribution with mean 0
    # and standard deviation 0.02."
    return keras.initializers.RandomNormal(0.0, 0.02)


@keras.saving.register_keras_serializable(package="ganzoo")
class InstanceNormalization(layers.Layer):
    """Normalises each image's channels over height and width (Ulyanov et al. 2016).

    Kept so that files saved before the builders switched to Keras'
    `GroupNormalization(groups=-1)` (the same computation) still load.

    Args:
        epsilon: float. Added to the variance. Defaults to 1e-5.
        center: bool. Learn a per-channel offset. Defaults to True.
        scale: bool. Learn a per-channel scale. Defaults to True.
    """

    def __init__(self, epsilon=1e-5, center=True, scale=True, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)

    def build(self, input_shape):
        channels = input_shape[-1]
        self.gamma = self.add_weight(
            shape=(channels,), initializer=keras.initializers.RandomNormal(1.0, 0.02), name="gamma"
        ) if self.scale else None
        self.beta = self.add_weight(shape=(channels,), initializer="zeros", name="beta") if self.center else None

    def call(self, x):
        dtype = x.dtype
        x = ops.cast(x, "float32")  # statistics in float32 under mixed precision
        mean, var = ops.moments(x, axes=(1, 2), keepdims=True)
        y = (x - mean) * ops.rsqrt(var + self.epsilon)
        if self.gamma is not None:
            y = y * ops.cast(self.gamma, "float32")
        if self.beta is not None:
            y = y + ops.cast(self.beta, "float32")
        return ops.cast(y, dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon, "center": self.center, "scale": self.scale}


@keras.saving.register_keras_serializable(package="ganzoo")
class ReflectionPadding2D(layers.Layer):
    """Pads height and width by mirroring the border (CycleGAN's ResNet generator).

    Args:
        padding: int. Pixels added on each side. Defaults to 1.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        self.padding = int(padding)

    def call(self, x):
        p = self.padding
        return ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        p = 2 * self.padding
        return (b, None if h is None else h + p, None if w is None else w + p, c)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding}


def check_norm(norm):
    return arguments.one_of("norm", norm, NORMS)


def normalization(norm, name=None):
    """A BatchNorm (momentum as PyTorch's 0.1) or instance-norm layer.

    Instance norm is Keras' `GroupNormalization(groups=-1)` (one group per channel:
    statistics over height and width, per image and channel, computed in float32), so
    a network saved alone loads where only Keras is installed.
    """
    check_norm(norm)
    gamma_init = keras.initializers.RandomNormal(1.0, 0.02)
    if norm == "batch":
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, gamma_initializer=gamma_init, name=name)
    return layers.GroupNormalization(groups=-1, epsilon=1e-5, gamma_initializer=gamma_init, name=name)


def residual_block(x, filters, norm="instance", name=None):
    """Two 3×3 convolutions with reflection padding and a skip connection (Zhu 2017).

    No activation after the sum, as in the CycleGAN reference implementation.
    """
    y = ReflectionPadding2D(1)(x)
    # No bias before a normalisation: it is removed by the mean subtraction anyway, and
    # a variable that can never receive a gradient would sit there untrained.
    y = layers.Conv2D(filters, 3, use_bias=False, kernel_initializer=conv_init())(y)
    y = layers.ReLU()(normalization(norm)(y))
    y = ReflectionPadding2D(1)(y)
    y = layers.Conv2D(filters, 3, use_bias=False, kernel_initializer=conv_init())(y)
    y = normalization(norm)(y)
    return layers.Add(name=name)([x, y])


def patchgan_layers_for(size):
    """The number of stride-2 layers a PatchGAN can have at image size `size`.

    Three (the 70×70 PatchGAN) from 32×32 up; fewer for smaller images so that the
    patch map keeps at least 2×2 logits.
    """
    n = 0
    while n < 3 and size // 2 ** (n + 1) >= 4:
        n += 1
    return max(n, 1)


def patchgan_discriminator(image_shape, filters=64, num_layers=3, norm="batch",
                           condition_shape=None, name="discriminator"):
    """PatchGAN discriminator (Isola et al. 2017): one logit per image patch.

    `C64-C128-C256-C512`, 4×4 convolutions: `num_layers` of stride 2 (no norm on the
    first), one of stride 1, then a stride-1 convolution to one channel. With
    `num_layers=3` each logit sees a 70×70 patch of the input.

    Args:
        image_shape: tuple. `(H, W, C)` of the judged images.
        filters: int. Width of the first layer. Defaults to 64.
        num_layers: int. Stride-2 layers. Defaults to 3 (70×70 receptive field).
        norm: str. `"batch"` or `"instance"`. Defaults to `"batch"`.
        condition_shape: tuple. If given, the model takes `[condition, image]` and
            judges their channel concatenation (pix2pix's conditional D). Defaults to
            `None` (unconditional, CycleGAN).
        name: str. Defaults to `"discriminator"`.
    """
    image = keras.Input(tuple(image_shape), name="image")
    if condition_shape is not None:
        cond = keras.Input(tuple(condition_shape), name="condition")
        inputs = [cond, image]
        x = layers.Concatenate(axis=-1)([cond, image])
    else:
        inputs = image
        x = image
    width = filters
    x = layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=conv_init())(x)
    x = layers.LeakyReLU(0.2)(x)
    for i in range(1, num_layers):
        width = filters * min(2 ** i, 8)
        x = layers.Conv2D(width, 4, strides=2, padding="same", use_bias=False,
                          kernel_initializer=conv_init())(x)
        x = layers.LeakyReLU(0.2)(normalization(norm)(x))
    width = filters * min(2 ** num_layers, 8)
    # Stride-1 layers pad by 1 as the reference code does: 32x32 -> 31x31 -> 30x30
    # logits at 256x256, each with a 70x70 receptive field.
    x = layers.ZeroPadding2D(1)(x)
    x = layers.Conv2D(width, 4, use_bias=False, kernel_initializer=conv_init())(x)
    x = layers.LeakyReLU(0.2)(normalization(norm)(x))
    x = layers.ZeroPadding2D(1)(x)
    x = layers.Conv2D(1, 4, kernel_initializer=conv_init(), dtype="float32")(x)
    return keras.Model(inputs, x, name=name)


@keras.saving.register_keras_serializable(package="ganzoo")
class ImagePool(layers.Layer):
    """A history of generated images for the discriminator (Shrivastava et al. 2017).

    CycleGAN updates each discriminator on a mix of the newest generated images and
    older ones from a buffer of `pool_size` images, which damps oscillation. While the
    buffer fills, every image is stored and returned as is; once full, each image is,
    with probability 0.5, swapped with a random stored image (the stored one is
    returned, the new one takes its slot), else returned as is.

    The buffer and the fill count are non-trainable variables: they are part of the
    jitted state on JAX, and are saved and restored with the model. Randomness comes
    from the `SeedGenerator` passed at call time and branching uses `ops.where`, so the
    pool runs inside `train_step` on every backend. Within one batch, images are
    handled together: two images drawing the same slot both receive its old content
    and one of them is stored.

    Args:
        pool_size: int. Number of stored images; 0 disables the pool. Defaults to 50.
        image_shape: tuple. `(H, W, C)` of the images.
    """

    def __init__(self, pool_size=50, image_shape=None, **kwargs):
        super().__init__(**kwargs)
        pool_size = arguments.positive_int("pool_size", pool_size, allow_zero=True)
        self.pool_size = pool_size
        self.image_shape = tuple(image_shape)
        # One spare row at the end receives the writes of images that are not stored,
        # so that every image writes somewhere and no Python branching is needed.
        self.buffer = self.add_weight(
            shape=(pool_size + 1,) + self.image_shape, initializer="zeros",
            trainable=False, name="buffer",
        )
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="int32",
                                     trainable=False, name="count")
        self.built = True

    def query(self, images, seed_generator):
        """Return the images to show the discriminator and update the buffer.

        Args:
            images: tensor. `(batch, H, W, C)` newly generated images.
            seed_generator: `keras.random.SeedGenerator`. Source of the random choices.
        """
        if self.pool_size == 0:
            return images
        # Under tf.distribute every replica runs the pool on the global batch's images (an
        # all-gather) with the same draws, so the replicas' copies stay one pool, the pool
        # one device keeps; each returns its own rows. Elsewhere both calls are no-ops.
        local = ops.shape(images)[0]
        images = replica_gather(ops.cast(images, self.buffer.dtype))
        batch = ops.shape(images)[0]
        count = ops.convert_to_tensor(self.count)
        slot = count + ops.arange(batch, dtype="int32")
        filling = slot < self.pool_size
        swap = keras.random.uniform((batch,), seed=seed_generator) < 0.5
        pick = keras.random.randint((batch,), 0, self.pool_size, seed=seed_generator, dtype="int32")
        pick = ops.cast(pick, "int32")
        buffer = ops.convert_to_tensor(self.buffer)
        stored = ops.take(buffer, pick, axis=0)
        cond = ops.reshape(ops.logical_and(ops.logical_not(filling), swap), (-1, 1, 1, 1))
        out = ops.where(cond, stored, images)
        spare = ops.full_like(slot, self.pool_size)
        where_to = ops.where(filling, slot, ops.where(swap, pick, spare))
        self.buffer.assign(ops.scatter_update(buffer, ops.expand_dims(where_to, -1), images))
        self.count.assign(ops.minimum(count + ops.cast(batch, "int32"), self.pool_size))
        return replica_rows(out, local)

    def call(self, images, seed_generator):
        return self.query(images, seed_generator)

    def compute_output_shape(self, input_shape, *args):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "image_shape": self.image_shape}


@keras.saving.register_keras_serializable(package="ganzoo")
class SubPixelUpsampling(keras.layers.Layer):
    """Sub-pixel convolution's pixel shuffle (Shi et al. 2016): depth to space.

    Rearranges `(batch, H, W, C * r * r)` into `(batch, H * r, W * r, C)`, with the
    channel ordering of TensorFlow's `depth_to_space`: output pixel `(h*r + i, w*r + j)`
    channel `c` is input channel `(i*r + j) * C + c`. Written with `ops.reshape` and
    `ops.transpose` so it is the same on every backend.

    Args:
        scale: int. Upsampling factor `r` of each spatial axis. Defaults to 2.

    Example:
    ```python
    x = keras.random.normal((1, 8, 8, 256))
    y = ganzoo.layers.SubPixelUpsampling(2)(x)  # (1, 16, 16, 64)
    ```
    """

    def __init__(self, scale=2, **kwargs):
        super().__init__(**kwargs)
        scale = arguments.positive_int("scale", scale)
        self.scale = scale

    def _out_channels(self, channels):
        r2 = self.scale * self.scale
        if channels is None or channels % r2:
            raise ValueError(
                f"SubPixelUpsampling({self.scale}) needs channels divisible by {r2}. "
                f"Received: channels={channels}"
            )
        return channels // r2

    def build(self, input_shape):
        self._out_channels(input_shape[-1])

    def call(self, x):
        r = self.scale
        shape = ops.shape(x)
        h, w, c = shape[1], shape[2], x.shape[-1]
        oc = self._out_channels(c)
        x = ops.reshape(x, (-1, h, w, r, r, oc))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))  # (b, h, i, w, j, c)
        return ops.reshape(x, (-1, h * r, w * r, oc))

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        mul = lambda d: None if d is None else d * self.scale  # noqa: E731
        return (b, mul(h), mul(w), self._out_channels(c))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


from ganzoo.precise_bn import precise_batch_norm  # noqa: E402,F401  (moved; re-exported for one release)


# ----------------------------------------------------------------------------------------
# Karras et al.: equalised learning rate, pixel normalisation, minibatch standard deviation
# (Progressive GAN, 2018; StyleGAN2, 2020). Shared by `progan` and `stylegan2`.
# ----------------------------------------------------------------------------------------
def _activation_config(activation):
    return None if activation is None else keras.activations.serialize(keras.activations.get(activation))


def _check_activation(activation):
    try:
        return None if activation is None else keras.activations.get(activation)
    except (ValueError, TypeError):
        raise ValueError(f"`activation` must be None or a Keras activation. Received: activation={activation!r}") from None


def _check_bool(name, value):
    if not isinstance(value, bool):
        raise ValueError(f"`{name}` must be True or False. Received: {name}={value!r}")
    return value


def _kernel_size(value):
    if isinstance(value, (tuple, list)):
        arguments.positive_int_sequence("kernel_size", value)
        if len(value) != 2:
            raise ValueError(f"`kernel_size` must be an int or a pair of ints. Received: kernel_size={value!r}")
        return tuple(int(v) for v in value)
    value = arguments.positive_int("kernel_size", value)
    return (value, value)


@keras.saving.register_keras_serializable(package="ganzoo")
class EqualizedDense(layers.Layer):
    """A dense layer with an equalised learning rate (Karras et al. 2018, section 4.1).

    The stored kernel is drawn from N(0, 1/lr_multiplier²) and scaled at run time by
    `sqrt(gain / fan_in) * lr_multiplier`, so every weight gets updates of the same size
    under Adam whatever its layer's fan-in. The bias is stored as drawn from
    `bias_init` and used times `lr_multiplier`. `lr_multiplier=0.01` is StyleGAN's
    mapping network (its learning rate is 100 times smaller).

    Args:
        units: int. Output size.
        gain: float. The runtime scale is `sqrt(gain / fan_in)`: 2 is He's initialisation
            for (leaky) ReLU (the paper's), 1 for a linear layer. Defaults to 2.
        lr_multiplier: float. Learning-rate multiplier of the layer. Defaults to 1.
        use_bias: bool. Add a bias. Defaults to True.
        bias_init: float. Initial stored value of the bias. Defaults to 0.
        activation: str, callable or None. Applied after the bias. Defaults to `None`.
        **kwargs: passed to `keras.layers.Layer` (e.g. `name`, `dtype`).

    Example:
    ```python
    layer = ganzoo.layers.EqualizedDense(512, lr_multiplier=0.01, activation="leaky_relu")
    w = layer(keras.random.normal((8, 512)))  # (8, 512)
    ```
    """

    def __init__(self, units, gain=2.0, lr_multiplier=1.0, use_bias=True, bias_init=0.0, activation=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = arguments.positive_int("units", units)
        self.gain = arguments.positive_float("gain", gain)
        self.lr_multiplier = arguments.positive_float("lr_multiplier", lr_multiplier)
        self.use_bias = _check_bool("use_bias", use_bias)
        self.bias_init = arguments.float_in_range("bias_init", bias_init, -float("inf"), float("inf"))
        self.activation = _check_activation(activation)
        self._activation_name = _activation_config(activation)

    def build(self, input_shape):
        fan_in = input_shape[-1]
        if fan_in is None:
            raise ValueError(f"EqualizedDense needs a known input size. Received: input_shape={input_shape}")
        self.scale = (self.gain / fan_in) ** 0.5 * self.lr_multiplier
        self.kernel = self.add_weight(
            shape=(fan_in, self.units), name="kernel",
            initializer=keras.initializers.RandomNormal(0.0, 1.0 / self.lr_multiplier))
        self.bias = self.add_weight(
            shape=(self.units,), name="bias",
            initializer=keras.initializers.Constant(self.bias_init)) if self.use_bias else None

    def call(self, x):
        y = ops.matmul(x, self.kernel * self.scale)
        if self.bias is not None:
            y = y + self.bias * self.lr_multiplier
        return self.activation(y) if self.activation is not None else y

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "gain": self.gain,
                "lr_multiplier": self.lr_multiplier, "use_bias": self.use_bias, "bias_init": self.bias_init,
                "activation": self._activation_name}


@keras.saving.register_keras_serializable(package="ganzoo")
class EqualizedConv2D(layers.Layer):
    """A 2-D convolution with an equalised learning rate (Karras et al. 2018, section 4.1).

    The stored kernel `(kh, kw, in_channels, filters)` is drawn from N(0, 1/lr_multiplier²)
    and scaled at run time by `sqrt(gain / fan_in) * lr_multiplier`, `fan_in = kh * kw *
    in_channels`; the bias is used times `lr_multiplier`. Channels last.

    Args:
        filters: int. Output channels.
        kernel_size: int or pair of int. Defaults to 3.
        strides: int. Defaults to 1.
        padding: str. `"same"` or `"valid"`. Defaults to `"same"`.
        gain: float. The runtime scale is `sqrt(gain / fan_in)`. Defaults to 2.
        lr_multiplier: float. Learning-rate multiplier of the layer. Defaults to 1.
        use_bias: bool. Add a bias. Defaults to True.
        bias_init: float. Initial stored value of the bias. Defaults to 0.
        activation: str, callable or None. Applied after the bias. Defaults to `None`.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    ```python
    conv = ganzoo.layers.EqualizedConv2D(64, 3)
    y = conv(keras.random.normal((2, 8, 8, 16)))  # (2, 8, 8, 64)
    ```
    """

    def __init__(self, filters, kernel_size=3, strides=1, padding="same", gain=2.0, lr_multiplier=1.0,
                 use_bias=True, bias_init=0.0, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = arguments.positive_int("filters", filters)
        self.kernel_size = _kernel_size(kernel_size)
        self.strides = arguments.positive_int("strides", strides)
        self.padding = arguments.one_of("padding", padding, ("same", "valid"))
        self.gain = arguments.positive_float("gain", gain)
        self.lr_multiplier = arguments.positive_float("lr_multiplier", lr_multiplier)
        self.use_bias = _check_bool("use_bias", use_bias)
        self.bias_init = arguments.float_in_range("bias_init", bias_init, -float("inf"), float("inf"))
        self.activation = _check_activation(activation)
        self._activation_name = _activation_config(activation)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"EqualizedConv2D needs known input channels. Received: input_shape={input_shape}")
        kh, kw = self.kernel_size
        self.scale = (self.gain / (kh * kw * channels)) ** 0.5 * self.lr_multiplier
        self.kernel = self.add_weight(
            shape=(kh, kw, channels, self.filters), name="kernel",
            initializer=keras.initializers.RandomNormal(0.0, 1.0 / self.lr_multiplier))
        self.bias = self.add_weight(
            shape=(self.filters,), name="bias",
            initializer=keras.initializers.Constant(self.bias_init)) if self.use_bias else None

    def call(self, x):
        kernel = self.kernel * self.scale
        y = ops.conv(x, kernel, strides=self.strides, padding=self.padding)
        if self.bias is not None:
            y = y + self.bias * self.lr_multiplier
        return self.activation(y) if self.activation is not None else y

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape
        kh, kw = self.kernel_size
        s = self.strides

        def out(d, k):
            if d is None:
                return None
            return -(-d // s) if self.padding == "same" else (d - k) // s + 1

        return (b, out(h, kh), out(w, kw), self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "strides": self.strides, "padding": self.padding, "gain": self.gain,
                "lr_multiplier": self.lr_multiplier, "use_bias": self.use_bias, "bias_init": self.bias_init,
                "activation": self._activation_name}


@keras.saving.register_keras_serializable(package="ganzoo")
class PixelNormalization(layers.Layer):
    """Normalises each pixel's feature vector to unit average square (Karras et al. 2018, 4.2).

    `y = x / sqrt(mean(x², channels) + epsilon)`, computed in float32 under mixed precision.
    Progressive GAN's generator applies it after every convolution; StyleGAN2 to its latent.

    Args:
        epsilon: float. Added under the square root. Defaults to 1e-8.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    ```python
    y = ganzoo.layers.PixelNormalization()(keras.random.normal((2, 4, 4, 16)))
    ```
    """

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = arguments.positive_float("epsilon", epsilon)

    def call(self, x):
        dtype = x.dtype
        x = ops.cast(x, "float32")
        y = x * ops.rsqrt(ops.mean(ops.square(x), axis=-1, keepdims=True) + self.epsilon)
        return ops.cast(y, dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "epsilon": self.epsilon}


@keras.saving.register_keras_serializable(package="ganzoo")
class MinibatchStdDev(layers.Layer):
    """Appends the minibatch standard deviation as feature maps (Karras et al. 2018, 3).

    The batch is split into groups of `group_size` samples, sample `n` in group
    `n mod (batch / group_size)` (the reference implementation's layout). Within each
    group the standard deviation of every feature at every pixel is taken
    (`sqrt(var + 1e-8)`, population variance), the channels are split into
    `num_features` slices and each slice's deviations are averaged over height, width
    and channels: `num_features` values per group, appended to every sample of the group
    as constant feature maps. A batch the group size does not divide uses the largest
    group size that divides it (the reference code would fail). Computed in float32.

    Args:
        group_size: int. Samples per group. Defaults to 4.
        num_features: int. Feature maps appended; must divide the channels. Defaults to 1
            (Progressive GAN; StyleGAN2 uses 1 too).
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    ```python
    y = ganzoo.layers.MinibatchStdDev(4)(keras.random.normal((8, 4, 4, 32)))  # (8, 4, 4, 33)
    ```
    """

    def __init__(self, group_size=4, num_features=1, **kwargs):
        super().__init__(**kwargs)
        self.group_size = arguments.positive_int("group_size", group_size)
        self.num_features = arguments.positive_int("num_features", num_features)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None or channels % self.num_features:
            raise ValueError(
                f"MinibatchStdDev(num_features={self.num_features}) needs channels divisible by it. "
                f"Received: channels={channels}")

    def _group(self, n):
        if isinstance(n, int):
            return max(g for g in range(1, min(self.group_size, n) + 1) if n % g == 0)
        candidates = ops.arange(1, self.group_size + 1, dtype="int32")
        n = ops.cast(n, "int32")
        return ops.max(ops.where(ops.equal(n % candidates, 0), candidates, 1))

    def call(self, x):
        dtype = x.dtype
        x = ops.cast(x, "float32")
        shape = ops.shape(x)
        n, h, w, c = shape[0], x.shape[1], x.shape[2], x.shape[3]
        f = self.num_features
        g = self._group(n)
        y = ops.reshape(x, (g, -1, h, w, f, c // f))         # [G, M, H, W, F, C/F]
        y = y - ops.mean(y, axis=0, keepdims=True)
        y = ops.sqrt(ops.mean(ops.square(y), axis=0) + 1e-8)  # [M, H, W, F, C/F]
        y = ops.mean(y, axis=(1, 2, 4))                       # [M, F]
        y = ops.reshape(y, (1, -1, 1, 1, f))
        y = ops.reshape(ops.broadcast_to(y, (g, ops.shape(y)[1], h, w, f)), (-1, h, w, f))
        return ops.cast(ops.concatenate([x, y], axis=-1), dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] + self.num_features,)

    def get_config(self):
        return {**super().get_config(), "group_size": self.group_size, "num_features": self.num_features}
