"""Pix2Pix: paired image-to-image translation with a conditional GAN (Isola et al. 2017)."""
import math
import random

import keras
from keras import layers, ops

from ganzoo import arguments, losses
from ganzoo.gan import note_size_defaults
from ganzoo.layers import (
    conv_init,
    normalization,
    patchgan_discriminator,
    patchgan_layers_for,
)
from ganzoo.models._registry import register
from ganzoo.models.translation import ImageTranslationModel, check_translation_args


def unet_depth(image_shape):
    """Down-sampling steps of the U-Net: to a 1×1 bottleneck, at most 8 (256×256)."""
    return min(8, int(math.log2(min(image_shape[0], image_shape[1]))))


def unet_generator(image_shape, output_channels, filters=64, depth=None, norm="batch",
                   dropout=0.5, name="generator", seed=None):
    """U-Net generator with skip connections (Isola et al. 2017, appendix 6.1.1).

    Encoder `C64-C128-C256-C512-C512-...` (4×4 stride-2 convs, LeakyReLU 0.2, no norm on
    the first and the innermost layer), decoder mirroring it with transposed convs, ReLU
    and a skip connection from the encoder layer of the same size; dropout 0.5 in the
    first three decoder layers; `tanh` output.

    Args:
        image_shape: tuple. `(H, W, C)` of the inputs; H and W divisible by `2**depth`.
        output_channels: int. Channels of the outputs.
        filters: int. Width of the first layer (widths double up to `8 * filters`).
            Defaults to 64.
        depth: int. Down-sampling steps. Defaults to `unet_depth(image_shape)`: 8 at
            256×256 (a 1×1 bottleneck), fewer for smaller images.
        norm: str. `"batch"` or `"instance"`. Defaults to `"batch"`.
        dropout: float. Dropout rate of the first three decoder layers. Defaults to 0.5.
        name: str. Defaults to `"generator"`.
        seed: int. Seed of the dropout masks. Defaults to `None` (drawn from Python's
            `random`, which `keras.utils.set_random_seed` seeds).
    """
    depth = unet_depth(image_shape) if depth is None else depth
    # Every Dropout gets an explicit seed: its SeedGenerator state is then a model
    # variable on every backend, saved and restored with the model. (Unseeded, Keras'
    # torch backend draws the masks from torch's global RNG, so a resumed run differs.)
    seed = random.randint(1, 2**31 - 1) if seed is None else int(seed)
    inp = keras.Input(tuple(image_shape), name="image")
    x = inp
    skips = []
    for i in range(depth):
        width = filters * min(2 ** i, 8)
        innermost = i == depth - 1
        if i > 0:
            x = layers.LeakyReLU(0.2)(x)
        has_norm = 0 < i and not innermost
        x = layers.Conv2D(width, 4, strides=2, padding="same", use_bias=not has_norm,
                          kernel_initializer=conv_init())(x)
        if has_norm:
            x = normalization(norm)(x)
        skips.append(x)
    skips.pop()  # the bottleneck itself is not concatenated
    for j, skip in enumerate(reversed(skips)):
        level = len(skips) - 1 - j
        width = filters * min(2 ** level, 8)
        x = layers.ReLU()(x)
        x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=conv_init())(x)
        x = normalization(norm)(x)
        if j < 3 and dropout:
            # The paper's only source of noise: "we provide noise only in the form of
            # dropout, applied on several layers of our generator".
            x = layers.Dropout(dropout, seed=seed + j)(x)
        x = layers.Concatenate(axis=-1)([x, skip])
    x = layers.ReLU()(x)
    x = layers.Conv2DTranspose(output_channels, 4, strides=2, padding="same",
                               kernel_initializer=conv_init())(x)
    x = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(inp, x, name=name)


@keras.saving.register_keras_serializable(package="ganzoo")
class Pix2Pix(ImageTranslationModel):
    """Pix2Pix: a U-Net translates A to B, a PatchGAN judges `(A, B)` pairs.

    Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial
    Networks". The discriminator sees the input next to the real or translated output
    and minimises the cross-entropy divided by 2 ("we divide the objective by 2 while
    optimizing D"); the generator minimises the non-saturating GAN loss plus `l1_weight`
    times the L1 distance to the target.

    Args:
        generator: keras.Model. Maps A images to B images.
        discriminator: keras.Model. Maps `[A, B]` to patch logits.
        l1_weight: float. λ of the L1 term. Defaults to 100.
        seed: int. Seed of the training noise. Defaults to `None`.

    Example:
    ```python
    model = ganzoo.get("pix2pix", image_shape=(32, 32, 1), channels_b=3)
    model.fit(gray, color, batch_size=1, epochs=200)
    colorized = model.translate(gray_test)
    ```
    """

    network_names = ("generator", "discriminator")
    optimizer_networks = {"d_optimizer": ("discriminator",), "g_optimizer": ("generator",)}
    loss_names = ("d_loss", "g_loss", "g_gan_loss", "l1_loss")
    #: Aligned `(a, b)` pairs, one image per batch (the paper's batch size).
    data_kind = "paired"
    default_batch_size = 1
    _generators = {"a_to_b": "generator"}

    def __init__(self, generator, discriminator, *, l1_weight=100.0, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.l1_weight = arguments.positive_float("l1_weight", l1_weight, allow_zero=True)

    def generator_losses(self, a, b, training=True):
        """`(total, gan, l1, fake_b)` of the generator on one batch."""
        fake = self.generator(a, training=training)
        gan = losses.non_saturating_g_loss(self.discriminator([a, fake], training=training))
        l1 = losses.l1_loss(fake, b)
        return gan + self.l1_weight * l1, gan, l1, fake

    def discriminator_loss(self, a, b, fake):
        real_logits = self.discriminator([a, b], training=True)
        fake_logits = self.discriminator([a, fake], training=True)
        # Halved, as in the paper, to slow D down relative to G.
        return 0.5 * losses.logistic_d_loss(real_logits, fake_logits)

    def adversarial_step(self, data):
        a, b = self.training_pair(data)
        # D first on a translated batch held constant, then G through the updated D.
        fake = ops.stop_gradient(self.generator(a, training=True))
        d_loss = self.update("d_optimizer", lambda: self.discriminator_loss(a, b, fake))

        def g_loss_fn():
            total, gan, l1, _ = self.generator_losses(a, b, training=True)
            return total, (gan, l1)

        g_loss, (gan, l1) = self.update("g_optimizer", g_loss_fn)
        self.track(d_loss=d_loss, g_loss=g_loss, g_gan_loss=gan, l1_loss=l1)
        return self.logs()

    def adversarial_eval_step(self, data):
        a, b = self.unpack_pair(data)
        total, gan, l1, fake = self.generator_losses(a, b, training=False)
        d_loss = 0.5 * losses.logistic_d_loss(
            self.discriminator([a, b], training=False), self.discriminator([a, fake], training=False)
        )
        self.track(d_loss=d_loss, g_loss=total, g_gan_loss=gan, l1_loss=l1)
        return self.logs()

    def get_config(self):
        config = super().get_config()
        config["l1_weight"] = self.l1_weight
        return config


@register("pix2pix", test_config={"image_shape": (16, 16, 3), "filters": 4, "disc_filters": 4},
          model_class=Pix2Pix)
def pix2pix(*, image_shape=None, channels_b=None, filters=64, disc_filters=64,
            norm="batch", depth=None, disc_layers=None, l1_weight=100.0, dropout=0.5, seed=None):
    """Pix2Pix (Isola et al. 2017) with the paper's defaults.

    U-Net generator (8 down-sampling steps at 256×256, fewer at smaller sizes, dropout
    0.5 in the first three decoder layers), 70×70 PatchGAN discriminator conditioned on
    the input, BatchNorm, vanilla GAN loss + L1 with λ = 100, discriminator loss halved,
    Adam(2e-4, β1 = 0.5) for both networks. Train on `(A, B)` pairs; the paper uses
    batch size 1 (or 4 for large sets) and random jitter (`ganzoo.data.image2image`).

    Args:
        image_shape: tuple. `(H, W, C)` of the A images; H and W powers of two >= 8
            (the paper: `(256, 256, 3)`). Defaults to `None`: read from the first batch
            `fit` sees, with the size-dependent defaults below chosen for it.
        channels_b: int. Channels of the B images. Defaults to `None` (from the first
            batch when `image_shape` is too, else the same as A).
        filters: int. Generator width (ngf). Defaults to 64.
        disc_filters: int. Discriminator width (ndf). Defaults to 64.
        norm: str. `"batch"` (the paper) or `"instance"`. Defaults to `"batch"`.
        depth: int. U-Net down-sampling steps. Defaults to `None` (to a 1×1 bottleneck,
            at most 8).
        disc_layers: int. Stride-2 layers of the PatchGAN. Defaults to `None` (3, i.e.
            70×70 patches, from 32×32 up; fewer for smaller images).
        l1_weight: float. λ of the L1 term. Defaults to 100.
        dropout: float. Decoder dropout rate. Defaults to 0.5.
        seed: int. Seed of the training noise. Defaults to `None`.

    Example:
    ```python
    model = ganzoo.get("pix2pix", image_shape=(64, 64, 3))
    model.fit(images_a, images_b, batch_size=1, epochs=200)
    predicted_b = model.translate(images_a)
    ```
    """
    kwargs = dict(locals())
    check_translation_args(None, channels_b, filters, disc_filters, norm)
    arguments.float_in_range("dropout", dropout, 0.0, 1.0, high_inclusive=False)
    arguments.positive_int("depth", depth, allow_none=True)
    arguments.positive_int("disc_layers", disc_layers, allow_none=True)
    if image_shape is None:  # built by fit from the first (A, B) batch (AdversarialModel.deferred)
        return Pix2Pix.deferred(pix2pix, kwargs, name="pix2pix")
    # Power-of-two height and width: the U-Net halves them down to its bottleneck.
    image_shape = arguments.image_shape("image_shape", image_shape, channels=(1, 2, 3, 4), min_size=8,
                                        power_of_two=True)
    h, w, c = image_shape
    channels_b = check_translation_args(c, channels_b, filters, disc_filters, norm)
    chosen = {}  # the size-dependent defaults, shown in a deferred model's summary
    if depth is None:
        depth = chosen["depth"] = unet_depth(image_shape)
    else:  # at most log2(min(height, width)): down to a 1x1 bottleneck
        arguments.int_in_range("depth", depth, 2, int(math.log2(min(h, w))))
    if disc_layers is None:
        disc_layers = chosen["disc_layers"] = patchgan_layers_for(min(h, w))
    model = Pix2Pix(
        unet_generator(image_shape, channels_b, filters, depth, norm, dropout, seed=seed),
        patchgan_discriminator((h, w, channels_b), disc_filters, disc_layers, norm, condition_shape=image_shape),
        l1_weight=l1_weight,
        seed=seed,
        name="pix2pix",
    )
    model.compile()  # Adam(2e-4, beta_1=0.5) for both: AdversarialModel.default_optimizer
    return note_size_defaults(model, **chosen)
