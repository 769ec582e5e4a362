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
        images = ops.cast(images, self.buffer.dtype)
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
        return out

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
