"""The original GAN: multilayer perceptrons (Goodfellow et al. 2014)."""
import math

import keras
from keras import layers

from ganzoo import arguments
from ganzoo.gan import GAN
from ganzoo.models import _toolkit
from ganzoo.models._registry import register


def _check_shape(data_shape):
    return arguments.positive_int_sequence("data_shape", data_shape)


def mlp_generator(data_shape, latent_dim, hidden_units=(256, 256), batchnorm=False, name="generator"):
    """MLP generator: ReLU hidden layers; `tanh` output for images, linear for vectors.

    Args:
        data_shape: tuple. Shape of one sample, e.g. `(2,)` or `(28, 28, 1)`.
        latent_dim: int. Size of the noise input.
        hidden_units: tuple of int. Width of each hidden layer. Defaults to `(256, 256)`.
        batchnorm: bool. BatchNormalization after each hidden layer. Defaults to False.
    """
    data_shape = _check_shape(data_shape)
    latent_dim = arguments.positive_int("latent_dim", latent_dim)
    hidden_units = arguments.positive_int_sequence("hidden_units", hidden_units, allow_empty=True)
    z = keras.Input((latent_dim,), name="z")
    x = z
    for units in hidden_units:
        x = layers.Dense(units)(x)
        if batchnorm:
            x = layers.BatchNormalization()(x)
        x = layers.ReLU()(x)
    x = layers.Dense(math.prod(data_shape))(x)
    if len(data_shape) > 1:
        # Images are scaled to [-1, 1]; vectors (2-D mixtures) are unbounded.
        x = layers.Activation("tanh", dtype="float32")(x)
        x = layers.Reshape(data_shape)(x)
    else:
        x = layers.Activation("linear", dtype="float32")(x)
    return keras.Model(z, x, name=name)


def packed_shape(data_shape, pac):
    """The shape of `pac` samples of `data_shape` concatenated along the last axis (PacGAN)."""
    data_shape = tuple(data_shape)
    return data_shape[:-1] + (data_shape[-1] * pac,)


def mlp_discriminator(data_shape, hidden_units=(256, 256), pac=1, name="discriminator"):
    """MLP discriminator with LeakyReLU(0.2) hidden layers and one logit.

    With `pac > 1` (PacGAN) its input is `pac` samples concatenated along the last axis.
    """
    data_shape = _check_shape(data_shape)
    hidden_units = arguments.positive_int_sequence("hidden_units", hidden_units, allow_empty=True)
    inp = keras.Input(packed_shape(data_shape, arguments.positive_int("pac", pac)), name="sample")
    x = layers.Flatten()(inp) if len(data_shape) > 1 else inp
    for units in hidden_units:
        x = layers.Dense(units)(x)
        x = layers.LeakyReLU(0.2)(x)
    logit = layers.Dense(1, dtype="float32")(x)
    return keras.Model(inp, logit, name=name)


@register("gan", test_config={"data_shape": (2,), "latent_dim": 4, "hidden_units": (16,)}, model_class=GAN)
@_toolkit.documented
def gan(*, data_shape=(2,), latent_dim=None, hidden_units=(256, 256), g_loss=None,
        learning_rate=2e-4, beta_1=0.5, batchnorm=False, seed=None, loss=None, d_loss=None,
        spectral_norm=False, r1_gamma=0.0, r1_interval=1, ema_decay=None, ema_start=0, augment=None, pac=1):
    """The vanilla GAN of Goodfellow et al. 2014 with MLP generator and discriminator.

    The default fits the 2-D Gaussian-mixture benchmarks (`ring`, `grid`); pass an image
    shape for flattened images.

    Args:
        data_shape: tuple. Shape of one sample. Defaults to `(2,)`.
        latent_dim: int. Noise size. Defaults to 2 for vectors, 100 for images.
        hidden_units: tuple of int. Hidden widths of G and D. Defaults to `(256, 256)`.
        g_loss: str. `"non_saturating"` (-log D(G(z)), the paper's practical choice),
            `"minimax"` (log(1 - D(G(z)))) or another of `ganzoo.losses.G_LOSSES`.
            Defaults to None: `"non_saturating"`.
        learning_rate: float. Adam learning rate of both networks (the 2014 paper used SGD
            with momentum; Adam with the DCGAN settings converges faster). Defaults to 2e-4.
        beta_1: float. Adam β1. Defaults to 0.5.
        batchnorm: bool. BatchNormalization in the generator. Defaults to False.
        seed: int. Noise seed. Defaults to `None`.{toolkit}

    Example:
    ```python
    gan = ganzoo.get("gan", g_loss="minimax")
    gan.fit(ganzoo.data.load("ring"), batch_size=256, epochs=1)
    ```
    """
    data_shape = _check_shape(data_shape)
    toolkit = _toolkit.options(loss=loss, d_loss=d_loss, g_loss=g_loss, spectral_norm=spectral_norm,
                               r1_gamma=r1_gamma, r1_interval=r1_interval, ema_decay=ema_decay,
                               ema_start=ema_start, augment=augment, pac=pac)
    latent_dim = arguments.positive_int("latent_dim", latent_dim, allow_none=True)
    hidden_units = arguments.positive_int_sequence("hidden_units", hidden_units, allow_empty=True)
    learning_rate = arguments.positive_float("learning_rate", learning_rate)
    beta_1 = arguments.float_in_range("beta_1", beta_1, 0.0, 1.0, high_inclusive=False)
    if latent_dim is None:
        latent_dim = 2 if len(data_shape) == 1 else 100
    model = GAN(
        mlp_generator(data_shape, latent_dim, hidden_units, batchnorm=batchnorm),
        _toolkit.discriminator(mlp_discriminator(data_shape, hidden_units, pac=toolkit["pac"]), spectral_norm),
        latent_dim=latent_dim,
        seed=seed,
        **toolkit,
        name="gan",
    )
    model.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
    )
    return model
