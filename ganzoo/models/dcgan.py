"""DCGAN: deep convolutional GAN (Radford, Metz & Chintala 2016)."""
import math

import keras
from keras import layers

from ganzoo import arguments
from ganzoo.gan import GAN
from ganzoo.layers import conv_init, normalization
from ganzoo.models import _toolkit
from ganzoo.models._registry import register


def check_image_shape(image_shape, min_size=8):
    """Validate a square power-of-two image shape `(size, size, channels)`, 1 or 3 channels."""
    return arguments.image_shape("image_shape", image_shape, channels=(1, 3), min_size=min_size,
                                 square=True, power_of_two=True)


def dcgan_generator(image_shape, latent_dim=100, filters=64, name="generator"):
    """DCGAN generator: project to 4×4, then stride-2 transposed convs with BN and ReLU.

    Channels halve at each doubling, ending at `filters` before the `tanh` output
    (pytorch/examples dcgan: 512-256-128-64 for 64×64).
    """
    z = keras.Input((latent_dim,), name="z")
    x = layers.Reshape((1, 1, latent_dim))(z)
    return keras.Model(z, upsample_to_image(x, image_shape, filters), name=name)


def upsample_to_image(x, image_shape, filters):
    """DCGAN's generator body: a `(batch, 1, 1, C)` tensor to a `tanh` image of `image_shape`.

    A 4×4 valid transposed conv, then stride-2 transposed convs (BatchNorm + ReLU) that
    halve the channels at each doubling, ending at `filters`; shared with `cgan`.
    """
    size, _, channels = check_image_shape(image_shape)
    n_up = int(math.log2(size)) - 2
    width = filters * 2 ** (n_up - 1)
    x = layers.Conv2DTranspose(width, 4, strides=1, padding="valid", use_bias=False,
                               kernel_initializer=conv_init())(x)  # 1x1 -> 4x4
    x = layers.ReLU()(normalization("batch")(x))
    for _ in range(n_up - 1):
        width //= 2
        x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=conv_init())(x)
        x = layers.ReLU()(normalization("batch")(x))
    x = layers.Conv2DTranspose(channels, 4, strides=2, padding="same", use_bias=False,
                               kernel_initializer=conv_init())(x)
    return layers.Activation("tanh", dtype="float32")(x)


def dcgan_discriminator(image_shape, filters=64, pac=1, name="discriminator"):
    """DCGAN discriminator: stride-2 convs with LeakyReLU(0.2), BN except on the first.

    With `pac > 1` (PacGAN) its input is `pac` images concatenated along the channels.
    """
    size, _, channels = check_image_shape(image_shape)
    n_down = int(math.log2(size)) - 2
    inp = keras.Input((size, size, channels * arguments.positive_int("pac", pac)), name="image")
    x = inp
    width = filters
    for i in range(n_down):
        x = layers.Conv2D(width, 4, strides=2, padding="same", use_bias=False,
                          kernel_initializer=conv_init())(x)
        if i > 0:  # the paper leaves BN off the discriminator's input layer
            x = normalization("batch")(x)
        x = layers.LeakyReLU(0.2)(x)
        width *= 2
    x = layers.Conv2D(1, 4, strides=1, padding="valid", use_bias=False,
                      kernel_initializer=conv_init())(x)  # 4x4 -> 1x1 logit
    x = layers.Flatten(dtype="float32")(x)
    return keras.Model(inp, x, name=name)


@register("dcgan", test_config={"image_shape": (8, 8, 1), "latent_dim": 8, "filters": 4}, model_class=GAN)
@_toolkit.documented
def dcgan(*, image_shape=None, latent_dim=100, filters=64, learning_rate=2e-4, beta_1=0.5, seed=None, loss=None,
          d_loss=None, g_loss=None, spectral_norm=False, r1_gamma=0.0, r1_interval=1, ema_decay=None, ema_start=0,
          augment=None, pac=1):
    """DCGAN (Radford et al. 2016) with the paper's defaults.

    Conv-transpose generator and strided-conv discriminator with BatchNorm, weights drawn
    from N(0, 0.02), Adam with learning rate 2e-4 and β1 = 0.5 for both networks, the
    non-saturating generator loss.

    Args:
        image_shape: tuple. `(size, size, channels)`, size a power of two >= 8 and 1 or
            3 channels (the paper: `(64, 64, 3)`). Defaults to `None`: read from the first
            batch `fit` sees.
        latent_dim: int. Noise size. Defaults to 100.
        filters: int. Width of the last generator layer and first discriminator layer
            (ngf = ndf). Defaults to 64.
        learning_rate: float. Adam learning rate of both networks (the paper's 2e-4; the
            README's MNIST main job raises it to learn in fewer updates). Saved with the
            optimizers in the `.keras` file. Defaults to 2e-4.
        beta_1: float. Adam β1 of both networks. Defaults to 0.5.
        seed: int. Noise seed. Defaults to `None`.{toolkit}

    Example:
    ```python
    gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))
    x = ganzoo.data.load("digits", image_size=32)
    gan.fit(x, batch_size=64, epochs=5)
    images = gan.generate(16)  # numpy, (16, 32, 32, 1), in [-1, 1]
    ```
    """
    kwargs = dict(locals())
    arguments.positive_int("latent_dim", latent_dim)
    arguments.positive_int("filters", filters)
    learning_rate = arguments.positive_float("learning_rate", learning_rate)
    beta_1 = arguments.float_in_range("beta_1", beta_1, 0.0, 1.0, high_inclusive=False)
    toolkit = _toolkit.options(loss=loss, d_loss=d_loss, g_loss=g_loss, spectral_norm=spectral_norm,
                               r1_gamma=r1_gamma, r1_interval=r1_interval, ema_decay=ema_decay,
                               ema_start=ema_start, augment=augment, pac=pac)
    if image_shape is None:  # built by fit from the first batch (AdversarialModel.deferred)
        return GAN.deferred(dcgan, kwargs, name="dcgan")
    image_shape = check_image_shape(image_shape)
    model = GAN(
        dcgan_generator(image_shape, latent_dim, filters),
        _toolkit.discriminator(dcgan_discriminator(image_shape, filters, pac=toolkit["pac"]), spectral_norm),
        latent_dim=latent_dim,
        seed=seed,
        name="dcgan",
        **toolkit,
    )
    model.compile(  # the paper's Adam(2e-4, beta_1=0.5) for both unless asked otherwise
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
    )
    return model
