"""StyleGAN2 (Karras et al. 2020, "Analyzing and Improving the Image Quality of StyleGAN").

Configuration F of the paper, scaled down by two arguments (`channel_base`, `channel_max`):

- **Generator** = mapping network + synthesis network. The mapping network normalises z
  (second moment), then `mapping_layers` equalised-LR dense layers (learning-rate multiplier
  0.01, leaky ReLU) give w. The synthesis network starts from a learned constant 4×4
  input and doubles the resolution per block; every block has two 3×3 *modulated*
  convolutions with *demodulation* (the style scales the input channels, each output
  channel is renormalised to unit expected norm), per-pixel noise with a learned strength
  (zero at the start) and a bias with a leaky ReLU; each block's 1×1 modulated toRGB
  (no demodulation) is added to the bilinearly upsampled image of the block before
  ("skip" generator). One w per layer (`num_ws = 2·log2(size) − 2`).
- **Discriminator**: residual blocks (two 3×3 convolutions and a 1×1 skip, each path
  halved in resolution, summed and scaled by 1/√2), minibatch standard deviation at 4×4,
  a 3×3 convolution and two dense layers to one logit. Equalised learning rate throughout.
- **Training**: non-saturating logistic loss; lazy R1 on the real images (γ/2·‖∇D(x)‖²,
  every `r1_interval` = 16 discriminator steps, multiplied by the interval); optional
  path-length regularisation (lazy, every `pl_interval` = 4 generator steps, with its
  running mean as model state); style-mixing regularisation (probability 0.9: a random
  crossover layer after which the styles come from a second z); the toolkit's exponential
  moving average of the generator's weights (`ema_decay`, `ema_start`: `generator_ema`,
  as on gan/dcgan/cgan/wgan_gp), which `generate` uses; `w_avg`, the running mean of w,
  for the truncation trick.

Where this implementation differs from the official code (all documented in
docs/models/stylegan2.md): upsampling is bilinear ×2 (the [1, 3, 3, 1] filter, edges
replicated) before a 3×3 convolution, instead of a transposed convolution followed by the
FIR blur; downsampling is a 2×2 average after the convolution; the lazy R1 term is added to
the discriminator's loss of that step (one Adam step) instead of a separate optimizer step,
so the paper's Adam-hyper-parameter correction for the extra step is not needed; the
path-length term uses the inference noise of the synthesis network and does not reach the
mapping network (w is a constant there, the same on all three backends).

Noise: in training (`training=True`) each noise layer draws fresh noise from its own
`SeedGenerator` (model state, saved and resumed); at inference it uses a fixed noise image
drawn at build time (the official code's `noise_mode="const"`), so `generate(n, seed=s)`
is repeatable.
"""
import math

import keras
import numpy as np
from keras import layers, ops

from ganzoo import arguments
from ganzoo import losses as losses_lib
from ganzoo.backend import sync_state
from ganzoo.backend.distribution import replica_draw
from ganzoo.gan import GAN, unpack_samples
from ganzoo.layers import (
    EqualizedConv2D,
    EqualizedDense,
    MinibatchStdDev,
    PixelNormalization,
)
from ganzoo.models._registry import register
from ganzoo.models.dcgan import check_image_shape

SQRT2 = math.sqrt(2.0)
MIN_SIZE, MAX_SIZE = 8, 256


# ----------------------------------------------------------------------------- helpers
def _lrelu(x):
    # Leaky ReLU(0.2) with the gain √2 of the official bias_act ("lrelu": def_gain √2).
    return ops.leaky_relu(x, 0.2) * ops.cast(SQRT2, x.dtype)


def _shift(x, axis, step):
    # x moved by `step` (+1: x[i-1] at i; -1: x[i+1] at i) along `axis`, the edge repeated.
    n = x.shape[axis]
    if step == 1:
        edge = ops.take(x, [0], axis=axis)
        body = ops.take(x, list(range(n - 1)), axis=axis)
        return ops.concatenate([edge, body], axis=axis)
    edge = ops.take(x, [n - 1], axis=axis)
    body = ops.take(x, list(range(1, n)), axis=axis)
    return ops.concatenate([body, edge], axis=axis)


def upsample_2x(x):
    """Bilinear ×2 upsampling of an NHWC tensor: the [1, 3, 3, 1]/4 filter per axis, edges repeated.

    Output pixel 2i is 3/4·x[i] + 1/4·x[i−1] and 2i+1 is 3/4·x[i] + 1/4·x[i+1] (half-pixel
    centres, as `align_corners=False`). Written with slices and sums only, so its
    gradient of a gradient (path-length regularisation) exists on every backend.

    Args:
        x: tensor. `(batch, H, W, C)` with static H, W, C.

    Example:
    ```python
    upsample_2x(np.ones((1, 4, 4, 3), "float32")).shape  # (1, 8, 8, 3)
    ```
    """
    x = ops.convert_to_tensor(x)
    for axis in (1, 2):
        prev, nxt = _shift(x, axis, 1), _shift(x, axis, -1)
        even = 0.75 * x + 0.25 * prev
        odd = 0.75 * x + 0.25 * nxt
        stacked = ops.stack([even, odd], axis=axis + 1)
        shape = list(x.shape)
        shape[0] = -1
        shape[axis] = 2 * shape[axis]
        x = ops.reshape(stacked, shape)
    return x


def downsample_2x(x):
    """2×2 average pooling of an NHWC tensor, as a reshape and a mean (twice differentiable everywhere)."""
    x = ops.convert_to_tensor(x)
    _, h, w, c = x.shape
    x = ops.reshape(x, (-1, h // 2, 2, w // 2, 2, c))
    return ops.mean(x, axis=(2, 4))


# ----------------------------------------------------------------------------- layers
@keras.saving.register_keras_serializable(package="ganzoo")
class ModulatedConv2D(layers.Layer):
    """StyleGAN2's modulated convolution with optional demodulation (Karras et al. 2020, §2.2).

    Takes `[x, ws]`: feature maps `(batch, H, W, C_in)` and the per-layer styles
    `(batch, num_ws, w_dim)`, of which it uses row `w_index`. An equalised-LR affine layer
    (bias initialised to 1) maps w to one scale per input channel, s; the kernel
    `(k, k, C_in, C_out)` (drawn from N(0, 1), scaled by 1/√(k·k·C_in) at run time) is
    modulated, w'_ijk = s_i·w_ijk, and with `demodulate=True` divided per output channel by
    √(Σ_ik w'_ijk² + 1e-8). Computed as the paper's non-fused form: the input is scaled by
    s, convolved with the shared kernel and the output scaled by the demodulation
    coefficients (the same numbers as a per-sample kernel). A bias is added last.

    Args:
        filters: int. Output channels.
        kernel_size: int. Square kernel size (3 for the convolutions, 1 for toRGB).
        w_index: int. Which row of `ws` styles this layer.
        demodulate: bool. Renormalise each output channel. Defaults to True.
        upsample: bool. Bilinear ×2 upsampling of the input first. Defaults to False.
        use_bias: bool. Add a learned bias (initialised to 0). Defaults to True.

    Example:
    ```python
    conv = ModulatedConv2D(16, 3, w_index=0)
    y = conv([np.ones((2, 8, 8, 4), "float32"), np.ones((2, 6, 32), "float32")])  # (2, 8, 8, 16)
    ```
    """

    def __init__(self, filters, kernel_size, w_index=0, demodulate=True, upsample=False, use_bias=True, **kwargs):
        super().__init__(**kwargs)
        self.filters = arguments.positive_int("filters", filters)
        self.kernel_size = arguments.positive_int("kernel_size", kernel_size)
        self.w_index = arguments.positive_int("w_index", w_index, allow_zero=True)
        self.demodulate = bool(demodulate)
        self.upsample = bool(upsample)
        self.use_bias = bool(use_bias)

    def build(self, input_shape):
        x_shape, ws_shape = input_shape
        c_in, w_dim = int(x_shape[-1]), int(ws_shape[-1])
        k = self.kernel_size
        normal = keras.initializers.RandomNormal(0.0, 1.0)
        self.affine_kernel = self.add_weight(shape=(w_dim, c_in), initializer=normal, name="affine_kernel")
        self.affine_bias = self.add_weight(shape=(c_in,), initializer="ones", name="affine_bias")
        self.kernel = self.add_weight(shape=(k, k, c_in, self.filters), initializer=normal, name="kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias") if self.use_bias else None
        self.affine_gain = 1.0 / math.sqrt(w_dim)
        self.weight_gain = 1.0 / math.sqrt(k * k * c_in)

    def styles(self, ws):
        """The per-input-channel scales s `(batch, C_in)` of `ws`, in float32."""
        w = ops.cast(ws[:, self.w_index], "float32")
        return ops.matmul(w, ops.cast(self.affine_kernel, "float32")) * self.affine_gain + ops.cast(
            self.affine_bias, "float32")

    def demodulation(self, styles):
        """1/√(Σ_{k,k,i} (s_i·w_ijk)² + 1e-8), `(batch, C_out)`, in float32."""
        weight = ops.cast(self.kernel, "float32") * self.weight_gain
        w2 = ops.sum(ops.square(weight), axis=(0, 1))  # (C_in, C_out)
        return ops.rsqrt(ops.matmul(ops.square(styles), w2) + 1e-8)

    def call(self, inputs):
        x, ws = inputs
        dtype = x.dtype
        styles = self.styles(ws)
        if self.upsample:
            x = upsample_2x(x)
        x = x * ops.cast(styles[:, None, None, :], dtype)
        weight = ops.cast(ops.cast(self.kernel, "float32") * self.weight_gain, dtype)
        x = ops.conv(x, weight, strides=1, padding="same")
        if self.demodulate:
            x = x * ops.cast(self.demodulation(styles)[:, None, None, :], dtype)
        if self.bias is not None:
            x = x + ops.cast(self.bias, dtype)
        return x

    def compute_output_shape(self, input_shape):
        b, h, w, _ = input_shape[0]
        f = 2 if self.upsample else 1
        return (b, None if h is None else h * f, None if w is None else w * f, self.filters)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": self.kernel_size,
                "w_index": self.w_index, "demodulate": self.demodulate, "upsample": self.upsample,
                "use_bias": self.use_bias}


@keras.saving.register_keras_serializable(package="ganzoo")
class NoiseInjection(layers.Layer):
    """Per-pixel noise times a learned strength, added to every channel (StyleGAN's B inputs).

    The strength is one scalar initialised to 0, so a fresh network ignores the noise.
    With `training=True` the noise is drawn afresh, `(batch, H, W, 1)` from N(0, 1), by the
    layer's own `SeedGenerator`; otherwise a fixed noise image drawn when the layer is
    built is used (the official code's `noise_mode="const"`), so inference is repeatable.

    Args:
        seed: int. Seed of the training noise. Defaults to `None` (from Keras' global seed).

    Example:
    ```python
    noise = NoiseInjection()
    y = noise(np.ones((2, 8, 8, 4), "float32"), training=True)  # strength 0: y equals the input
    ```
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed, name="noise_seed")

    def build(self, input_shape):
        _, h, w, _ = input_shape
        self.strength = self.add_weight(shape=(), initializer="zeros", name="strength")
        self.const_noise = self.add_weight(shape=(1, int(h), int(w), 1), initializer=keras.initializers.RandomNormal(),
                                           trainable=False, name="const_noise")

    def call(self, x, training=None):
        if training:
            # Each tf.distribute replica its own rows of the global draw (`GAN.sample_noise`).
            shape = tuple(x.shape[1:3]) + (1,)
            noise = replica_draw(lambda n: keras.random.normal((n,) + shape, seed=self.seed_generator, dtype=x.dtype),
                                 ops.shape(x)[0])
        else:
            noise = ops.cast(self.const_noise, x.dtype)
        return x + ops.cast(self.strength, x.dtype) * noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


@keras.saving.register_keras_serializable(package="ganzoo")
class ConstantInput(layers.Layer):
    """The synthesis network's learned constant `(size, size, channels)` input, repeated over the batch.

    Called on `ws` only for its batch size. Initialised from N(0, 1).

    Args:
        channels: int. Channels of the constant.
        size: int. Its height and width. Defaults to 4.

    Example:
    ```python
    ConstantInput(32)(np.zeros((5, 6, 16), "float32")).shape  # (5, 4, 4, 32)
    ```
    """

    def __init__(self, channels, size=4, **kwargs):
        super().__init__(**kwargs)
        self.channels = arguments.positive_int("channels", channels)
        self.size = arguments.positive_int("size", size)

    def build(self, input_shape):
        self.const = self.add_weight(shape=(1, self.size, self.size, self.channels),
                                     initializer=keras.initializers.RandomNormal(0.0, 1.0), name="const")

    def call(self, ws):
        batch = ops.shape(ws)[0]
        return ops.broadcast_to(ops.cast(self.const, self.compute_dtype),
                                (batch, self.size, self.size, self.channels))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, self.channels)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "size": self.size}


@keras.saving.register_keras_serializable(package="ganzoo")
class ScaledLeakyReLU(layers.Layer):
    """Leaky ReLU(0.2) times √2 (the official `bias_act` gain that keeps the signal's scale).

    Example:
    ```python
    ScaledLeakyReLU()(np.array([[-1.0, 1.0]]))  # [[-0.283, 1.414]]
    ```
    """

    def call(self, x):
        return _lrelu(x)

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="ganzoo")
class Resample2x(layers.Layer):
    """Bilinear ×2 upsampling (`mode="up"`) or 2×2 average pooling (`mode="down"`), NHWC.

    Args:
        mode: str. `"up"` or `"down"`.

    Example:
    ```python
    Resample2x("up")(np.ones((1, 4, 4, 1), "float32")).shape  # (1, 8, 8, 1)
    ```
    """

    def __init__(self, mode, **kwargs):
        super().__init__(**kwargs)
        self.mode = arguments.one_of("mode", mode, ("up", "down"))

    def call(self, x):
        return upsample_2x(x) if self.mode == "up" else downsample_2x(x)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        f = (lambda d: None if d is None else d * 2) if self.mode == "up" else (lambda d: None if d is None else d // 2)
        return (b, f(h), f(w), c)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


@keras.saving.register_keras_serializable(package="ganzoo")
class BroadcastW(layers.Layer):
    """`(batch, w_dim)` → `(batch, num_ws, w_dim)`: the same w for every layer of the synthesis network.

    Args:
        num_ws: int. Rows.

    Example:
    ```python
    BroadcastW(6)(np.zeros((2, 8), "float32")).shape  # (2, 6, 8)
    ```
    """

    def __init__(self, num_ws, **kwargs):
        super().__init__(**kwargs)
        self.num_ws = arguments.positive_int("num_ws", num_ws)

    def call(self, w):
        return ops.repeat(ops.expand_dims(w, 1), self.num_ws, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_ws, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "num_ws": self.num_ws}



# ---------------------------------------------------------------------------- networks
def num_ws_for(size):
    """How many per-layer styles a synthesis network of side `size` takes: 2·log2(size) − 2."""
    return 2 * int(math.log2(size)) - 2


def channels_at(resolution, channel_base, channel_max):
    """Channels of the blocks at `resolution`: min(channel_base // resolution, channel_max), at least 1."""
    return max(min(channel_base // resolution, channel_max), 1)


def mapping_network(latent_dim=512, w_dim=512, num_layers=8, lr_multiplier=0.01, name="mapping"):
    """The mapping network z → w: second-moment normalisation, then equalised-LR dense layers.

    Each of the `num_layers` layers is an `EqualizedDense` (run-time scale
    lr_multiplier/√fan_in, bias times lr_multiplier) followed by a leaky ReLU(0.2)·√2.

    Args:
        latent_dim: int. Size of z. Defaults to 512.
        w_dim: int. Size of w (every layer's width). Defaults to 512.
        num_layers: int. Dense layers. Defaults to 8.
        lr_multiplier: float. Learning-rate multiplier of every layer. Defaults to 0.01.
        name: str. Defaults to `"mapping"`.

    Example:
    ```python
    mapping = mapping_network(64, 64, num_layers=2)
    mapping(np.zeros((3, 64), "float32")).shape  # (3, 64)
    ```
    """
    z = keras.Input((latent_dim,), name="z")
    x = PixelNormalization(name="normalize_z")(z)
    for i in range(num_layers):
        x = EqualizedDense(w_dim, gain=1.0, lr_multiplier=lr_multiplier, name=f"fc{i}")(x)
        x = ScaledLeakyReLU(name=f"fc{i}_act")(x)
    return keras.Model(z, x, name=name)


def synthesis_network(image_shape, w_dim=512, channel_base=16384, channel_max=512, name="synthesis", seed=None):
    """The skip synthesis network: `ws` `(batch, num_ws, w_dim)` → a linear image (no tanh).

    A learned 4×4 constant, then per block two modulated 3×3 convolutions (the first
    upsampling ×2 from 8×8 on), each followed by noise with a learned strength and a
    leaky ReLU·√2; each block's modulated 1×1 toRGB (no demodulation) is added to the
    upsampled image so far. Block widths are `channels_at(res, channel_base, channel_max)`.

    Args:
        image_shape: tuple. `(size, size, channels)`, size a power of two in [8, 256].
        w_dim: int. Size of w. Defaults to 512.
        channel_base: int. Defaults to 16384.
        channel_max: int. Defaults to 512.
        name: str. Defaults to `"synthesis"`.
        seed: int. The noise layers' training-noise seeds are `seed + 1 + w_index` (so a
            model seeded with `seed` draws the same noise in every process). Defaults to
            `None` (Keras' global seed).

    Example:
    ```python
    synthesis = synthesis_network((8, 8, 1), w_dim=16, channel_base=64, channel_max=8)
    synthesis(np.zeros((2, 4, 16), "float32")).shape  # (2, 8, 8, 1)
    ```
    """
    size, _, channels = image_shape
    num_ws = num_ws_for(size)
    ws = keras.Input((num_ws, w_dim), name="ws")
    c = channels_at(4, channel_base, channel_max)
    x = ConstantInput(c, 4, name="const")(ws)

    def layer(x, filters, w_index, res, upsample=False):
        x = ModulatedConv2D(filters, 3, w_index=w_index, upsample=upsample, name=f"b{res}_conv{w_index}")([x, ws])
        noise_seed = None if seed is None else seed + 1 + w_index
        x = NoiseInjection(seed=noise_seed, name=f"b{res}_noise{w_index}")(x)
        return ScaledLeakyReLU(name=f"b{res}_act{w_index}")(x)

    x = layer(x, c, 0, 4)
    img = ModulatedConv2D(channels, 1, w_index=1, demodulate=False, name="b4_torgb")([x, ws])
    res, w_index = 8, 1
    while res <= size:
        c = channels_at(res, channel_base, channel_max)
        x = layer(x, c, w_index, res, upsample=True)
        x = layer(x, c, w_index + 1, res)
        y = ModulatedConv2D(channels, 1, w_index=w_index + 2, demodulate=False, name=f"b{res}_torgb")([x, ws])
        img = layers.Add(name=f"b{res}_skip")([Resample2x("up", name=f"b{res}_up")(img), y])
        res, w_index = res * 2, w_index + 2
    img = layers.Activation("linear", dtype="float32", name="image")(img)
    return keras.Model(ws, img, name=name)


def stylegan2_generator(image_shape, latent_dim=512, w_dim=512, mapping_layers=8, mapping_lr_multiplier=0.01,
                        channel_base=16384, channel_max=512, name="generator", seed=None):
    """z → image: the mapping network, w repeated for every layer, the synthesis network.

    The two parts are the layers `"mapping"` and `"synthesis"` of the returned model, so
    style mixing and truncation can call them separately (`StyleGAN2.mapping`,
    `StyleGAN2.synthesis`). Arguments as `mapping_network` and `synthesis_network`.

    Example:
    ```python
    g = stylegan2_generator((8, 8, 1), latent_dim=16, w_dim=16, mapping_layers=2, channel_base=64, channel_max=8)
    g(np.zeros((2, 16), "float32")).shape  # (2, 8, 8, 1)
    ```
    """
    mapping = mapping_network(latent_dim, w_dim, mapping_layers, mapping_lr_multiplier)
    synthesis = synthesis_network(image_shape, w_dim, channel_base, channel_max, seed=seed)
    z = keras.Input((latent_dim,), name="z")
    ws = BroadcastW(num_ws_for(image_shape[0]), name="broadcast_w")(mapping(z))
    return keras.Model(z, synthesis(ws), name=name)


def residual_discriminator(image_shape, channel_base=16384, channel_max=512, mbstd_group_size=4,
                           name="discriminator"):
    """StyleGAN2's residual discriminator: fromRGB, residual blocks down to 4×4, minibatch stddev, logit.

    fromRGB is a 1×1 convolution with a leaky ReLU·√2. Each block at resolution r: two
    3×3 convolutions (leaky ReLU·√2; the second to the next block's width), 2×2 average
    pooling; the skip path pools and applies a 1×1 convolution without bias; the sum is
    scaled by 1/√2. At 4×4: `MinibatchStdDev(mbstd_group_size)`, a 3×3 convolution, a
    dense layer of the same width, a dense layer to one logit. All layers equalised-LR.

    Args:
        image_shape: tuple. `(size, size, channels)`.
        channel_base: int. Defaults to 16384.
        channel_max: int. Defaults to 512.
        mbstd_group_size: int. Group size of the minibatch standard deviation. Defaults to 4.
        name: str. Defaults to `"discriminator"`.

    Example:
    ```python
    d = residual_discriminator((8, 8, 1), channel_base=64, channel_max=8)
    d(np.zeros((4, 8, 8, 1), "float32")).shape  # (4, 1)
    ```
    """
    size = image_shape[0]
    inp = keras.Input(tuple(image_shape), name="image")
    x = EqualizedConv2D(channels_at(size, channel_base, channel_max), 1, gain=1.0, name=f"b{size}_fromrgb")(inp)
    x = ScaledLeakyReLU(name=f"b{size}_fromrgb_act")(x)
    res = size
    while res > 4:
        c, c_next = channels_at(res, channel_base, channel_max), channels_at(res // 2, channel_base, channel_max)
        skip = EqualizedConv2D(c_next, 1, gain=1.0, use_bias=False, name=f"b{res}_skip")(
            Resample2x("down", name=f"b{res}_skip_down")(x))
        y = ScaledLeakyReLU(name=f"b{res}_act0")(EqualizedConv2D(c, 3, gain=1.0, name=f"b{res}_conv0")(x))
        y = ScaledLeakyReLU(name=f"b{res}_act1")(EqualizedConv2D(c_next, 3, gain=1.0, name=f"b{res}_conv1")(y))
        y = Resample2x("down", name=f"b{res}_down")(y)
        x = layers.Rescaling(math.sqrt(0.5), name=f"b{res}_residual")(layers.Add(name=f"b{res}_sum")([skip, y]))
        res //= 2
    c = channels_at(4, channel_base, channel_max)
    x = MinibatchStdDev(mbstd_group_size, 1, name="b4_mbstd")(x)
    x = ScaledLeakyReLU(name="b4_conv_act")(EqualizedConv2D(c, 3, gain=1.0, name="b4_conv")(x))
    x = layers.Flatten(name="b4_flatten")(x)
    x = ScaledLeakyReLU(name="b4_fc_act")(EqualizedDense(c, gain=1.0, name="b4_fc")(x))
    x = EqualizedDense(1, gain=1.0, name="b4_out")(x)
    return keras.Model(inp, layers.Activation("linear", dtype="float32", name="logit")(x), name=name)


# ------------------------------------------------------------------------------- model
@keras.saving.register_keras_serializable(package="ganzoo")
class StyleGAN2(GAN):
    """StyleGAN2 (Karras et al. 2020): lazy R1, style mixing, optional path length, generator EMA.

    Each step: one generator forward pass (two z, mixed at a random layer with probability
    `style_mixing_prob`; the mean of the first w moves `w_avg`); a discriminator update on
    the real batch and that generated batch with the logistic loss, plus, on every
    `r1_interval`-th discriminator update, `r1_interval · γ/2 · E‖∇D(x)‖²` on the real
    images; then a generator update with the non-saturating loss through the updated
    discriminator (on the same generated batch), plus, when `pl_weight > 0`, on every
    `pl_interval`-th generator update, `pl_interval · pl_weight · E(‖Jᵀy‖ − a)²`; the
    generator's update moves its average (`generator_ema`, the toolkit's generator EMA of
    `AdversarialModel`) towards it.

    Args:
        generator: keras.Model. z → image, with layers `"mapping"` (z → w) and
            `"synthesis"` (`(batch, num_ws, w_dim)` → image): `stylegan2_generator`.
        discriminator: keras.Model. Image → one logit per image.
        latent_dim: int. Size of z. Defaults to the generator's input size.
        r1_gamma: float. γ of the R1 penalty (0 turns it off). Defaults to 10 (the paper's
            configuration F; the ADA paper's rule of thumb is 0.0002·size²/batch).
        r1_interval: int. Discriminator updates per R1 term (lazy regularisation). Defaults to 16.
        pl_weight: float. Weight of the path-length penalty; 0 turns it off. Defaults to 0.
        pl_interval: int. Generator updates per path-length term. Defaults to 4.
        pl_decay: float. Rate of the running mean a of the path lengths. Defaults to 0.01.
        pl_batch_shrink: int. The path-length term uses `batch // pl_batch_shrink` samples.
            Defaults to 2.
        style_mixing_prob: float. Probability that a batch mixes two w's. Defaults to 0.9.
        ema_decay: float in [0, 1) or None. The generator average `generator_ema` becomes
            `ema_decay · average + (1 − ema_decay) · weights` after each generator update
            (`AdversarialModel`'s EMA, the same as `dcgan`'s); `generate`, `mix_styles` and
            `export` use it. `None` keeps no average. Defaults to 0.999.
        ema_start: int. Up to this generator update the average copies the generator.
            Defaults to 0.
        w_avg_beta: float. Decay of `w_avg`, the running mean of w. Defaults to 0.995.
        seed: int. Seed of the training noise (z, mixing, R1-free parts). Defaults to `None`.

    Example:
    ```python
    model = ganzoo.get("stylegan2", image_shape=(32, 32, 1), channel_base=1024, channel_max=64,
                       latent_dim=64, mapping_layers=4)
    model.fit(ganzoo.data.load("mnist", image_size=32), batch_size=32, epochs=1)
    images = model.generate(16, truncation_psi=0.7)
    ```
    """

    network_names = ("generator", "discriminator")
    loss_names = ("d_loss", "g_loss", "r1_penalty", "pl_penalty")
    default_batch_size = 32

    def __init__(self, generator, discriminator, *, latent_dim=None, r1_gamma=10.0,
                 r1_interval=16, pl_weight=0.0, pl_interval=4, pl_decay=0.01, pl_batch_shrink=2,
                 style_mixing_prob=0.9, ema_decay=0.999, ema_start=0, w_avg_beta=0.995, seed=None,
                 d_loss="logistic", g_loss="non_saturating", d_steps=1, **kwargs):
        if d_loss != "logistic" or g_loss != "non_saturating" or d_steps != 1:
            raise ValueError(
                "StyleGAN2 trains with the logistic loss, one discriminator step per generator step. "
                f"Received: d_loss={d_loss!r}, g_loss={g_loss!r}, d_steps={d_steps!r}")
        for part in ("mapping", "synthesis"):
            try:
                generator.get_layer(part)
            except ValueError:
                raise ValueError(
                    f"The StyleGAN2 generator needs a layer named {part!r} (build it with "
                    f"`stylegan2_generator`). Received: generator={generator.name!r}") from None
        r1_gamma = arguments.positive_float("r1_gamma", r1_gamma, allow_zero=True)
        r1_interval = arguments.positive_int("r1_interval", r1_interval)
        pl_weight = arguments.positive_float("pl_weight", pl_weight, allow_zero=True)
        pl_interval = arguments.positive_int("pl_interval", pl_interval)
        pl_decay = arguments.float_in_range("pl_decay", pl_decay, 0.0, 1.0, low_inclusive=False)
        pl_batch_shrink = arguments.positive_int("pl_batch_shrink", pl_batch_shrink)
        style_mixing_prob = arguments.float_in_range("style_mixing_prob", style_mixing_prob, 0.0, 1.0)
        w_avg_beta = arguments.float_in_range("w_avg_beta", w_avg_beta, 0.0, 1.0)
        # The generator average is the toolkit's (AdversarialModel: `generator_ema`, moved by
        # `apply_update` after each generator update); `ema_decay`/`ema_start` are checked there.
        super().__init__(generator, discriminator, latent_dim=latent_dim, seed=seed, ema_decay=ema_decay,
                         ema_start=ema_start, **kwargs)
        self.r1_gamma, self.r1_interval = r1_gamma, r1_interval
        self.pl_weight, self.pl_interval, self.pl_decay, self.pl_batch_shrink = (
            pl_weight, pl_interval, pl_decay, pl_batch_shrink)
        self.style_mixing_prob, self.w_avg_beta = style_mixing_prob, w_avg_beta
        self.num_ws = int(self.synthesis.inputs[0].shape[1])
        self.w_dim = int(self.synthesis.inputs[0].shape[2])
        # Model state (saved, resumed, part of the jitted state on JAX).
        self.w_avg = keras.Variable(np.zeros((self.w_dim,), "float32"), trainable=False, name="w_avg")
        self.pl_mean = keras.Variable(0.0, trainable=False, name="pl_mean")

    # ---------------------------------------------------------------- the networks
    @property
    def ema_generator(self):
        """The generator average, `generator_ema` (`None` without `ema_decay`): its earlier name.

        Kept for code written before stylegan2 used the toolkit's EMA, and for `.keras` files:
        Keras saves a network under the first attribute name (sorted) that reaches it, so the
        average's weights stay where files written before put them (`ema_generator/...`).
        """
        average = self.ema_model
        return average if isinstance(average, keras.Model) else None

    @property
    def mapping(self):
        """The generator's mapping network (z → w)."""
        return self.generator.get_layer("mapping")

    @property
    def synthesis(self):
        """The generator's synthesis network (`(batch, num_ws, w_dim)` → image)."""
        return self.generator.get_layer("synthesis")

    def default_optimizer(self, name):
        """Adam(0.002, β1 = 0, β2 = 0.99, ε = 1e-8) for both networks (the paper's configuration F)."""
        return keras.optimizers.Adam(learning_rate=0.002, beta_1=0.0, beta_2=0.99, epsilon=1e-8)

    # -------------------------------------------------------------- style mixing
    def mix_ws(self, w1, w2, cutoff):
        """`(batch, num_ws, w_dim)` styles: rows before `cutoff` from `w1`, the rest from `w2`.

        Args:
            w1: tensor. `(batch, w_dim)`, the first w.
            w2: tensor. `(batch, w_dim)`, the second w.
            cutoff: int or scalar tensor. The first layer styled by `w2` (`num_ws`: none).

        Example:
        ```python
        ws = model.mix_ws(w1, w2, 2)  # ws[:, :2] = w1, ws[:, 2:] = w2
        ```
        """
        take_first = ops.cast(ops.arange(self.num_ws) < cutoff, w1.dtype)[None, :, None]
        return take_first * w1[:, None, :] + (1 - take_first) * ops.cast(w2, w1.dtype)[:, None, :]

    def _mixing_cutoff(self):
        # One crossover layer per batch, in [1, num_ws), used with probability style_mixing_prob.
        if self.style_mixing_prob == 0 or self.num_ws < 2:
            return self.num_ws
        cutoff = keras.random.randint((), 1, self.num_ws, seed=self.seed_generator, dtype="int32")
        mix = keras.random.uniform((), seed=self.seed_generator) < self.style_mixing_prob
        return ops.where(mix, cutoff, self.num_ws)

    # ------------------------------------------------------------------- training
    def _track_where(self, name, value, weight):
        # A mean over the steps where the term was computed (lazy regularisation).
        tracker = next(t for t in self._trackers if t.name == name)
        tracker.update_state(ops.cast(value, "float32"), sample_weight=ops.cast(weight, "float32"))

    def _r1(self, real):
        _, grads = self.input_gradients(lambda t: self.discriminator(t, training=True), real)
        return losses_lib.r1_penalty(grads)

    def _path_length(self, ws, pl_noise):
        # (penalty, new running mean) of the path lengths ‖J_wᵀ y‖ at ws; w is a constant here.
        _, grads = self.input_gradients(lambda t: self.synthesis(t, training=False) * pl_noise, ws)
        lengths = ops.sqrt(ops.mean(ops.sum(ops.square(ops.cast(grads, "float32")), axis=2), axis=1))
        pl_mean = ops.convert_to_tensor(self.pl_mean)
        new_mean = ops.stop_gradient(pl_mean + self.pl_decay * (ops.mean(lengths) - pl_mean))
        return ops.mean(ops.square(lengths - new_mean)), new_mean

    def adversarial_step(self, data):
        real = unpack_samples(data)
        batch_size = ops.shape(real)[0]
        g_vars = self.variables_of("g_optimizer")
        z1 = self.sample_noise(batch_size)
        z2 = self.sample_noise(batch_size)
        cutoff = self._mixing_cutoff()

        def g_forward():
            w1 = self.mapping(z1, training=True)
            w2 = self.mapping(z2, training=True)
            batch_mean = ops.mean(ops.cast(ops.stop_gradient(w1), "float32"), axis=0)
            self.w_avg.assign(batch_mean + self.w_avg_beta * (ops.convert_to_tensor(self.w_avg) - batch_mean))
            return self.synthesis(self.mix_ws(w1, w2, cutoff), training=True)

        fake, pullback = self.forward_with_pullback(g_forward, g_vars)
        fake_const = ops.stop_gradient(fake)

        # Discriminator: logistic loss, plus the lazy R1 term on every r1_interval-th update.
        is_r1 = ops.equal(ops.mod(self.d_optimizer.iterations.value, self.r1_interval), 0)

        def d_loss_fn():
            adv = losses_lib.logistic_d_loss(self.discriminator(real, training=True),
                                             self.discriminator(fake_const, training=True))
            if self.r1_gamma == 0:
                return adv, (adv, ops.zeros((), "float32"))
            r1 = ops.cond(is_r1, lambda: self._r1(real), lambda: ops.zeros((), "float32"))
            return adv + (0.5 * self.r1_gamma * self.r1_interval) * r1, (adv, r1)

        _, (d_loss, r1) = self.update("d_optimizer", d_loss_fn)

        # Generator: non-saturating loss through the updated discriminator, on the same batch.
        def g_loss_on(images):
            return ops.cast(self._g_loss_fn(self.discriminator(images, training=True)), "float32")

        g_loss, _, d_fake = self.loss_and_input_gradient(g_loss_on, fake, self.g_optimizer)
        g_grads = pullback(d_fake)
        total = g_loss
        pl = ops.zeros((), "float32")
        is_pl = ops.equal(ops.mod(self.g_optimizer.iterations.value, self.pl_interval), 0)
        if self.pl_weight > 0:
            n = ops.maximum(batch_size // self.pl_batch_shrink, 1) if not isinstance(batch_size, int) \
                else max(batch_size // self.pl_batch_shrink, 1)
            ws = ops.stop_gradient(self.mix_ws(self.mapping(z1[:n], training=True),
                                               self.mapping(z2[:n], training=True), cutoff))
            size = self.sample_shape[0]
            pl_noise = replica_draw(lambda m: keras.random.normal((m,) + self.sample_shape, seed=self.seed_generator),
                                    n) / size
            zero = lambda: (ops.zeros((), "float32"), ops.convert_to_tensor(self.pl_mean))

            def pl_loss_fn():
                penalty, new_mean = ops.cond(is_pl, lambda: self._path_length(ws, pl_noise), zero)
                # 0·(a weight): a loss that depends on the weights also on the steps without the
                # term (torch's autograd refuses to differentiate a constant).
                anchor = 0.0 * ops.sum(ops.cast(g_vars[0], "float32"))
                return penalty * (self.pl_weight * self.pl_interval) + anchor, (penalty, new_mean)

            pl_total, (pl, new_mean), pl_grads = self.compute_gradients(pl_loss_fn, g_vars, self.g_optimizer)
            self.pl_mean.assign(new_mean)
            g_grads = [a + ops.cast(b, a.dtype) for a, b in zip(g_grads, pl_grads)]
            total = total + pl_total
        self.apply_update("g_optimizer", total, g_grads, g_vars)  # moves generator_ema too
        self.track(d_loss=d_loss, g_loss=g_loss)
        self._track_where("r1_penalty", r1, is_r1)
        self._track_where("pl_penalty", pl, ops.logical_and(is_pl, self.pl_weight > 0))
        return self.logs()

    def adversarial_eval_step(self, data):
        real = unpack_samples(data)
        fake = self.generator(self.sample_noise(ops.shape(real)[0]), training=False)
        real_logits = self.discriminator(real, training=False)
        fake_logits = self.discriminator(fake, training=False)
        self.track(d_loss=self._d_loss_fn(real_logits, fake_logits), g_loss=self._g_loss_fn(fake_logits))
        return self.logs()

    # ------------------------------------------------------------------ inference
    def _mapped(self, z, use_ema=None, batch_size=256):
        mapping = self.sampling_network(use_ema).get_layer("mapping")
        return np.asarray(mapping.predict(z, batch_size=batch_size, verbose=0), "float32")

    def truncate(self, w, truncation_psi):
        """w_avg + ψ·(w − w_avg): the truncation trick (ψ = 1: unchanged, ψ = 0: the average w)."""
        w_avg = np.asarray(ops.convert_to_numpy(self.w_avg), "float32")
        return w_avg + np.float32(truncation_psi) * (np.asarray(w, "float32") - w_avg)

    def synthesize(self, ws, *, use_ema=None, batch_size=256):
        """Images of per-layer styles `ws` `(n, num_ws, w_dim)`, clipped to [-1, 1], as numpy float32.

        Args:
            ws: array. The styles.
            use_ema: bool or None. `True`: the generator average (`generator_ema`); `False`:
                the live generator; `None`: the average when the model keeps one. Defaults to None.
            batch_size: int. Defaults to 256.
        """
        synthesis = self.sampling_network(use_ema).get_layer("synthesis")
        out = synthesis.predict(np.asarray(ws, "float32"), batch_size=batch_size, verbose=0)
        return np.clip(np.asarray(out, "float32"), -1.0, 1.0)

    def generate(self, num_samples, *, truncation_psi=1.0, batch_size=256, seed=None, use_ema=None):
        """Draw `num_samples` images as float32 numpy, in [-1, 1].

        The synthesis network's output is linear (the paper's); it is clipped to [-1, 1] here.
        Inference noise is the fixed noise image of each layer, so a seed gives the same images.

        Args:
            num_samples: int. How many images.
            truncation_psi: float. ψ of the truncation trick, w ← w_avg + ψ(w − w_avg):
                1 is no truncation, 0 the image of the average w. Defaults to 1.
            batch_size: int. Defaults to 256.
            seed: int. Seed of z (numpy). Defaults to `None` (fresh noise).
            use_ema: bool or None. `True`: the generator average (the paper's samples; an
                error without `ema_decay`); `False`: the live generator; `None`: the average
                when the model keeps one. Defaults to None.

        Example:
        ```python
        images = model.generate(64, truncation_psi=0.7, seed=0)
        ```
        """
        num_samples = arguments.positive_int("num_samples", num_samples)
        psi = arguments.float_in_range("truncation_psi", truncation_psi, -float("inf"), float("inf"))
        sync_state(self)
        w = self.truncate(self._mapped(self.example_inputs(num_samples, seed=seed), use_ema, batch_size), psi)
        ws = np.repeat(w[:, None, :], self.num_ws, axis=1)
        return self.synthesize(ws, use_ema=use_ema, batch_size=batch_size)

    def mix_styles(self, row_seeds, col_seeds, *, col_styles=None, truncation_psi=1.0, use_ema=None):
        """The style-mixing figure: one image per (row, column) of a grid, in [-1, 1].

        Each seed gives one z (`numpy.random.default_rng(seed)`). Row r, column c shows the
        row seed's styles with the layers `col_styles` taken from the column seed; the first
        row shows the column seeds' own images, the first column the row seeds' own images,
        and the top-left cell is left at -1.

        Args:
            row_seeds: list of int. One row per seed.
            col_seeds: list of int. One column per seed.
            col_styles: list of int. Style layers taken from the column seed. Defaults to the
                coarse half, `range(num_ws // 2)` (pose and shape from the column, finer
                features from the row).
            truncation_psi: float. ψ of the truncation trick. Defaults to 1.
            use_ema: bool or None. As in `generate`. Defaults to None (the average if kept).

        Returns:
            A float32 numpy array `((rows + 1)·(cols + 1), H, W, C)`, the grid's cells row by
            row (cell (r, c) at index `r·(cols + 1) + c`).

        Example:
        ```python
        cells = model.mix_styles([1, 2, 3], [10, 11, 12, 13], truncation_psi=0.7)
        ganzoo.plotting.save_image_grid(cells, "mixing.png", ncols=4 + 1)
        ```
        """
        row_seeds = [arguments.positive_int("row_seeds", s, allow_zero=True) for s in _seq("row_seeds", row_seeds)]
        col_seeds = [arguments.positive_int("col_seeds", s, allow_zero=True) for s in _seq("col_seeds", col_seeds)]
        col_styles = list(range(self.num_ws // 2)) if col_styles is None else list(_seq("col_styles", col_styles))
        for i in col_styles:
            arguments.int_in_range("col_styles", i, 0, self.num_ws - 1)
        psi = arguments.float_in_range("truncation_psi", truncation_psi, -float("inf"), float("inf"))
        sync_state(self)
        seeds = row_seeds + col_seeds
        z = np.stack([np.random.default_rng(s).standard_normal(self.latent_dim).astype("float32") for s in seeds])
        w = self.truncate(self._mapped(z, use_ema), psi)
        w_rows, w_cols = w[:len(row_seeds)], w[len(row_seeds):]
        ws = [np.repeat(w[:, None, :], self.num_ws, axis=1)]
        for r in range(len(row_seeds)):
            mixed = np.repeat(w_rows[r][None, None, :], self.num_ws, axis=1).repeat(len(col_seeds), axis=0)
            mixed[:, col_styles] = w_cols[:, None, :]
            ws.append(mixed)
        images = self.synthesize(np.concatenate(ws), use_ema=use_ema)
        own, mixed = images[:len(seeds)], images[len(seeds):]
        cols = len(col_seeds) + 1
        grid = -np.ones(((len(row_seeds) + 1) * cols,) + self.sample_shape, "float32")
        grid[1:cols] = own[len(row_seeds):]
        for r in range(len(row_seeds)):
            grid[(r + 1) * cols] = own[r]
            grid[(r + 1) * cols + 1:(r + 2) * cols] = mixed[r * len(col_seeds):(r + 1) * len(col_seeds)]
        return grid

    # ------------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        for key in ("d_loss", "g_loss", "d_steps"):
            config.pop(key, None)
        config.update(r1_gamma=self.r1_gamma, r1_interval=self.r1_interval, pl_weight=self.pl_weight,
                      pl_interval=self.pl_interval, pl_decay=self.pl_decay, pl_batch_shrink=self.pl_batch_shrink,
                      style_mixing_prob=self.style_mixing_prob, ema_decay=self.ema_decay, ema_start=self.ema_start,
                      w_avg_beta=self.w_avg_beta)  # ema_decay always: None is not this class's default
        return config

    @classmethod
    def from_config(cls, config):
        # Files written before stylegan2 used the toolkit's EMA hold the average as a third
        # network, `ema_generator`, and its start as `ema_start_step`: the average is rebuilt
        # from the generator here, and its weights load from where those files keep them
        # (see `ema_generator`).
        config = dict(config)
        if "ema_generator" in config:
            config.pop("ema_generator")
            config.setdefault("ema_decay", 0.999)
            if "ema_start_step" in config:
                config["ema_start"] = config.pop("ema_start_step")
        return super().from_config(config)


def _seq(name, value):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") or not len(list(value)):
        raise ValueError(f"`{name}` must be a non-empty sequence of int. Received: {name}={value!r}")
    return list(value)


def check_size(image_shape):
    """A square power-of-two `image_shape` of side 8 to 256, 1 or 3 channels."""
    image_shape = check_image_shape(image_shape, min_size=MIN_SIZE)
    if image_shape[0] > MAX_SIZE:
        raise ValueError(f"`image_shape` must have size at most {MAX_SIZE} (StyleGAN2 here: 8 to 256). "
                         f"Received: image_shape={image_shape}")
    return image_shape


@register("stylegan2", test_config={"image_shape": (8, 8, 1), "latent_dim": 8, "w_dim": 8, "mapping_layers": 2,
                                    "channel_base": 32, "channel_max": 4, "r1_interval": 2},
          model_class=StyleGAN2)
def stylegan2(*, image_shape=None, latent_dim=512, w_dim=None, mapping_layers=8, mapping_lr_multiplier=0.01,
              channel_base=16384, channel_max=512, mbstd_group_size=4, r1_gamma=10.0, r1_interval=16,
              pl_weight=0.0, pl_interval=4, style_mixing_prob=0.9, ema_decay=0.999, ema_start=0, seed=None):
    """StyleGAN2 (Karras et al. 2020), configuration F with configurable widths; sizes 8 to 256.

    Args:
        image_shape: tuple. `(size, size, channels)`, size a power of two in [8, 256], 1 or
            3 channels. Defaults to `None`: read from the first batch `fit` sees.
        latent_dim: int. Size of z. Defaults to 512.
        w_dim: int. Size of w. Defaults to `latent_dim`.
        mapping_layers: int. Depth of the mapping network. Defaults to 8.
        mapping_lr_multiplier: float. Its learning-rate multiplier. Defaults to 0.01.
        channel_base: int. Block width at resolution r is min(channel_base // r,
            channel_max) (the paper at 1024×1024: 32768). Defaults to 16384.
        channel_max: int. Defaults to 512.
        mbstd_group_size: int. Minibatch-stddev group size. Defaults to 4.
        r1_gamma: float. γ of R1; 0 turns it off. Defaults to 10.
        r1_interval: int. Lazy R1 every this many discriminator steps. Defaults to 16.
        pl_weight: float. Path-length regularisation weight (the paper: 2); 0 is off.
            Defaults to 0.
        pl_interval: int. Lazy path-length term every this many generator steps. Defaults to 4.
        style_mixing_prob: float. Defaults to 0.9.
        ema_decay: float in [0, 1) or None. The toolkit's generator EMA (`model.generator_ema`,
            as `dcgan`'s), per generator update; `generate` uses it. `None`: no average.
            Defaults to 0.999.
        ema_start: int. The average copies the generator up to this update. Defaults to 0.
        seed: int. Noise seed. Defaults to `None`.

    Example:
    ```python
    model = ganzoo.get("stylegan2", image_shape=(32, 32, 1), latent_dim=64, mapping_layers=4,
                       channel_base=1024, channel_max=64)
    ```
    """
    kwargs = dict(locals())
    latent_dim = arguments.positive_int("latent_dim", latent_dim)
    w_dim = arguments.positive_int("w_dim", w_dim, allow_none=True) or latent_dim
    arguments.positive_int("mapping_layers", mapping_layers)
    arguments.positive_float("mapping_lr_multiplier", mapping_lr_multiplier)
    arguments.positive_int("channel_base", channel_base)
    arguments.positive_int("channel_max", channel_max)
    arguments.positive_int("mbstd_group_size", mbstd_group_size)
    arguments.float_in_range("ema_decay", ema_decay, 0.0, 1.0, high_inclusive=False, allow_none=True)
    arguments.positive_int("ema_start", ema_start, allow_zero=True)
    if image_shape is None:  # built by fit from the first batch (AdversarialModel.deferred)
        return StyleGAN2.deferred(stylegan2, kwargs, name="stylegan2")
    image_shape = check_size(image_shape)
    generator = stylegan2_generator(image_shape, latent_dim, w_dim, mapping_layers, mapping_lr_multiplier,
                                    channel_base, channel_max, seed=seed)
    discriminator = residual_discriminator(image_shape, channel_base, channel_max, mbstd_group_size)
    model = StyleGAN2(generator, discriminator, latent_dim=latent_dim, r1_gamma=r1_gamma,
                      r1_interval=r1_interval, pl_weight=pl_weight, pl_interval=pl_interval,
                      style_mixing_prob=style_mixing_prob, ema_decay=ema_decay, ema_start=ema_start,
                      seed=seed, name="stylegan2")
    model.compile()  # Adam(0.002, beta_1=0, beta_2=0.99) for both: StyleGAN2.default_optimizer
    return model
