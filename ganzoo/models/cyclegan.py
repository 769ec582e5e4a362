"""CycleGAN: unpaired image-to-image translation with cycle consistency (Zhu et al. 2017)."""
import keras
from keras import layers, ops

from ganzoo import arguments, losses
from ganzoo.gan import note_size_defaults
from ganzoo.layers import (
    ImagePool,
    ReflectionPadding2D,
    conv_init,
    normalization,
    patchgan_discriminator,
    patchgan_layers_for,
    residual_block,
)
from ganzoo.models._registry import register
from ganzoo.models.translation import (
    ImageTranslationModel,
    check_translation_args,
    check_translation_shape,
)
from ganzoo.schedules import LinearDecay


def resnet_generator(image_shape, output_channels, filters=64, num_blocks=9, norm="instance",
                     name="generator"):
    """ResNet generator of CycleGAN (Zhu 2017, appendix 7.2; Johnson et al. 2016).

    `c7s1-64, d128, d256, R256 × num_blocks, u128, u64, c7s1-C`: a 7×7 conv with
    reflection padding, two stride-2 convs, residual blocks, two stride-2 transposed
    convs, a 7×7 conv to the output channels and `tanh`.

    Args:
        image_shape: tuple. `(H, W, C)` of the inputs; H and W multiples of 4.
        output_channels: int. Channels of the outputs.
        filters: int. Width of the first layer. Defaults to 64.
        num_blocks: int. Residual blocks: 9 at 256×256, 6 at 128×128. Defaults to 9.
        norm: str. `"instance"` (the paper) or `"batch"`. Defaults to `"instance"`.
        name: str. Defaults to `"generator"`.
    """
    inp = keras.Input(tuple(image_shape), name="image")
    x = ReflectionPadding2D(3)(inp)
    x = layers.Conv2D(filters, 7, use_bias=False, kernel_initializer=conv_init())(x)
    x = layers.ReLU()(normalization(norm)(x))
    for i in (1, 2):
        x = layers.Conv2D(filters * 2 ** i, 3, strides=2, padding="same", use_bias=False,
                          kernel_initializer=conv_init())(x)
        x = layers.ReLU()(normalization(norm)(x))
    for _ in range(num_blocks):
        x = residual_block(x, filters * 4, norm)
    for i in (1, 0):
        x = layers.Conv2DTranspose(filters * 2 ** i, 3, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=conv_init())(x)
        x = layers.ReLU()(normalization(norm)(x))
    x = ReflectionPadding2D(3)(x)
    x = layers.Conv2D(output_channels, 7, kernel_initializer=conv_init())(x)
    x = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(inp, x, name=name)


def default_residual_blocks(image_shape):
    """The paper's generator depth: 9 residual blocks from 256×256 up, 6 below."""
    return 9 if min(image_shape[0], image_shape[1]) >= 256 else 6


class EpochLength(keras.callbacks.Callback):
    """Tells CycleGAN's learning-rate decay how many batches an epoch of `fit` has.

    Keras counts them (`steps` in the parameters it gives every callback, from `fit`'s
    `steps_per_epoch` or the length of its data) and hands them over with `set_params`
    before it makes the train function: schedules built without `steps_per_epoch` take
    that value, and the train function is made again if one was compiled before. When
    Keras cannot tell (a dataset of unknown length without `steps_per_epoch`), the
    schedules are left as they are. `CycleGAN.fit` adds one of these to its callbacks.

    Args:
        model: CycleGAN. The model whose `LinearDecay` schedules are told.

    Example:
    ```python
    model.fit(ds, steps_per_epoch=500, callbacks=[...])  # EpochLength(model) added by fit
    ```
    """

    def __init__(self, model):
        super().__init__()
        self.cyclegan = model

    def set_params(self, params):
        super().set_params(params)
        steps = (params or {}).get("steps")
        schedules = [s for s in self.cyclegan.learning_rate_schedules() if s.steps_per_epoch is None]
        if steps and schedules:
            for s in schedules:
                s.steps_per_epoch = int(steps)
            # The rate is computed inside the compiled step: trace it again.
            self.cyclegan.train_function = None


@keras.saving.register_keras_serializable(package="ganzoo")
class CycleGAN(ImageTranslationModel):
    """CycleGAN: two generators A→B and B→A, two discriminators, unpaired data.

    Zhu et al. 2017, "Unpaired Image-to-Image Translation using Cycle-Consistent
    Adversarial Networks". The generators minimise the least-squares GAN loss,
    `cycle_weight` times the L1 cycle losses `|F(G(a)) - a| + |G(F(b)) - b|` and
    `cycle_weight * identity_weight` times the identity losses `|G(b) - b| + |F(a) - a|`.
    Each discriminator minimises half the LSGAN loss on real images and on generated
    ones drawn through an `ImagePool` of past translations.

    Args:
        generator_ab: keras.Model. Translates A images to B.
        generator_ba: keras.Model. Translates B images to A.
        discriminator_a: keras.Model. Patch logits for A images.
        discriminator_b: keras.Model. Patch logits for B images.
        cycle_weight: float. λ of the cycle loss. Defaults to 10.
        identity_weight: float. Identity loss weight relative to `cycle_weight`; needs A
            and B with the same channels. Defaults to 0.5 (an effective weight of 5).
        pool_size: int. Images kept per discriminator's pool; 0 disables it. Defaults to 50.
        learning_rate: float. Adam's rate for all four networks. Defaults to 2e-4.
        constant_epochs: int. Epochs at the constant rate. Defaults to 100.
        decay_epochs: int. Epochs of linear decay to zero afterwards. Defaults to 100.
        steps_per_epoch: int. Steps of an epoch for the decay; `None` lets `fit` count
            the batches of its data. Defaults to `None`.
        seed: int. Seed of the image-pool choices. Defaults to `None`.

    Example:
    ```python
    model = ganzoo.get("cyclegan", image_shape=(128, 128, 3))
    model.fit(ganzoo.data.image2image.load_cycle_gan("horse2zebra", image_size=128), epochs=200)
    zebras = model.translate(horses, direction="a_to_b")
    ```
    """

    network_names = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
    optimizer_networks = {
        "d_optimizer": ("discriminator_a", "discriminator_b"),
        "g_optimizer": ("generator_ab", "generator_ba"),
    }
    loss_names = ("d_loss", "g_loss", "g_gan_loss", "cycle_loss", "identity_loss")
    #: `(a, b)` from two domains, not aligned; one image per batch (the paper's batch size).
    data_kind = "unpaired"
    default_batch_size = 1

    @classmethod
    def schedule_for_epochs(cls, epochs):
        """The paper's schedule scaled to a run: constant for the first half, then linear to 0."""
        return {"constant_epochs": epochs - epochs // 2, "decay_epochs": epochs // 2}
    _generators = {"a_to_b": "generator_ab", "b_to_a": "generator_ba"}

    def __init__(self, generator_ab, generator_ba, discriminator_a, discriminator_b, *,
                 cycle_weight=10.0, identity_weight=0.5, pool_size=50, learning_rate=2e-4,
                 constant_epochs=100, decay_epochs=100, steps_per_epoch=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self.cycle_weight = arguments.positive_float("cycle_weight", cycle_weight, allow_zero=True)
        self.identity_weight = arguments.positive_float("identity_weight", identity_weight, allow_zero=True)
        if self.identity_weight and self.image_shape_a[-1] != self.image_shape_b[-1]:
            raise ValueError(
                "The identity loss compares G_AB(b) with b, so it needs A and B with the same "
                f"channels (A: {self.image_shape_a}, B: {self.image_shape_b}); pass identity_weight=0. "
                f"Received: identity_weight={identity_weight!r}"
            )
        self.learning_rate = arguments.positive_float("learning_rate", learning_rate)
        self.constant_epochs = constant_epochs
        self.decay_epochs = decay_epochs
        self.steps_per_epoch = steps_per_epoch
        LinearDecay(self.learning_rate, constant_epochs, decay_epochs, steps_per_epoch)  # validates
        self.pool_size = pool_size
        self.pool_a = ImagePool(pool_size, self.image_shape_a, name="pool_a")
        self.pool_b = ImagePool(pool_size, self.image_shape_b, name="pool_b")

    def default_optimizer(self, name):
        # The paper: Adam, learning rate 0.0002, β1 = 0.5, constant for 100 epochs then
        # linearly decayed to zero over the next 100 (schedule on the optimizer's step
        # counter, so it is saved and resumed with the optimizer).
        schedule = LinearDecay(self.learning_rate, self.constant_epochs, self.decay_epochs,
                               self.steps_per_epoch)
        return keras.optimizers.Adam(learning_rate=schedule, beta_1=0.5, beta_2=0.999)

    # ------------------------------------------------------------------ losses
    def generator_losses(self, a, b, training=True):
        """The generators' loss terms on one batch, as a dict.

        Keys: `total`, `gan`, `cycle`, `identity` (scalars), `fake_a`, `fake_b`.
        """
        fake_b = self.generator_ab(a, training=training)
        fake_a = self.generator_ba(b, training=training)
        gan = (losses.least_squares_g_loss(self.discriminator_b(fake_b, training=training))
               + losses.least_squares_g_loss(self.discriminator_a(fake_a, training=training)))
        cycle = (losses.l1_loss(self.generator_ba(fake_b, training=training), a)
                 + losses.l1_loss(self.generator_ab(fake_a, training=training), b))
        if self.identity_weight:
            identity = (losses.l1_loss(self.generator_ab(b, training=training), b)
                        + losses.l1_loss(self.generator_ba(a, training=training), a))
        else:
            identity = ops.zeros((), "float32")
        total = gan + self.cycle_weight * cycle + self.cycle_weight * self.identity_weight * identity
        return {"total": total, "gan": gan, "cycle": cycle, "identity": identity,
                "fake_a": fake_a, "fake_b": fake_b}

    def discriminator_loss(self, real, fake, discriminator, training=True):
        # Halved, as in the reference code, "to slow down the rate at which D learns".
        return 0.5 * losses.least_squares_d_loss(discriminator(real, training=training),
                                                 discriminator(fake, training=training))

    def adversarial_step(self, data):
        a, b = self.training_pair(data)

        # Generators first (the discriminators are not differentiated here); the
        # translations come back as aux outputs and are reused for the D update instead
        # of running both generators a second time.
        def g_loss_fn():
            out = self.generator_losses(a, b, training=True)
            return out["total"], out

        g_loss, out = self.update("g_optimizer", g_loss_fn)
        fake_a = self.pool_a.query(ops.stop_gradient(out["fake_a"]), self.seed_generator)
        fake_b = self.pool_b.query(ops.stop_gradient(out["fake_b"]), self.seed_generator)

        def d_loss_fn():
            return (self.discriminator_loss(a, fake_a, self.discriminator_a)
                    + self.discriminator_loss(b, fake_b, self.discriminator_b))

        d_loss = self.update("d_optimizer", d_loss_fn)
        self.track(d_loss=d_loss, g_loss=g_loss, g_gan_loss=out["gan"], cycle_loss=out["cycle"],
                   identity_loss=out["identity"])
        return self.logs()

    def adversarial_eval_step(self, data):
        a, b = self.unpack_pair(data)
        out = self.generator_losses(a, b, training=False)
        d_loss = (self.discriminator_loss(a, out["fake_a"], self.discriminator_a, training=False)
                  + self.discriminator_loss(b, out["fake_b"], self.discriminator_b, training=False))
        self.track(d_loss=d_loss, g_loss=out["total"], g_gan_loss=out["gan"], cycle_loss=out["cycle"],
                   identity_loss=out["identity"])
        return self.logs()

    # -------------------------------------------------------------- schedule
    def learning_rate_schedules(self):
        """The `LinearDecay` schedules of the optimizers (both, unless replaced at `compile`)."""
        out = []
        for name in self.optimizer_networks:
            opt = getattr(self, name, None)
            opt = getattr(opt, "inner_optimizer", opt)
            schedule = getattr(opt, "_learning_rate", None)
            if isinstance(schedule, LinearDecay):
                out.append(schedule)
        return out

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, **kwargs):
        """`AdversarialModel.fit`; the learning-rate decay learns the epoch length from Keras.

        When the schedules were built without `steps_per_epoch`, an `EpochLength` callback
        gives them the number of batches per epoch that Keras counts for `fit` (its
        `steps_per_epoch`, or the length of the numpy arrays, `tf.data.Dataset` or
        `PyDataset`). A saved model keeps the value.
        """
        if not isinstance(callbacks, keras.callbacks.CallbackList):
            callbacks = [EpochLength(self), *(callbacks or [])]
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                           callbacks=callbacks, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(
            cycle_weight=self.cycle_weight, identity_weight=self.identity_weight,
            pool_size=self.pool_size, learning_rate=self.learning_rate,
            constant_epochs=self.constant_epochs, decay_epochs=self.decay_epochs,
            steps_per_epoch=self.steps_per_epoch,
        )
        return config


@register("cyclegan", test_config={"image_shape": (16, 16, 3), "filters": 4, "disc_filters": 4,
                                   "num_residual_blocks": 1}, model_class=CycleGAN)
def cyclegan(*, image_shape=None, channels_b=None, filters=64, disc_filters=64,
             num_residual_blocks=None, disc_layers=None, norm="instance", cycle_weight=10.0,
             identity_weight=None, pool_size=50, learning_rate=2e-4, constant_epochs=100,
             decay_epochs=100, steps_per_epoch=None, seed=None):
    """CycleGAN (Zhu et al. 2017) with the paper's defaults.

    Two ResNet generators (9 residual blocks at 256×256 and above, 6 below), two 70×70
    PatchGAN discriminators, instance norm, LSGAN loss, cycle λ = 10, identity weight
    0.5 (effective 5), an image pool of 50 per discriminator, Adam(2e-4, β1 = 0.5)
    constant for 100 epochs then linearly decayed to zero over 100 more. Train on
    unpaired `(A, B)` batches, e.g. a zip of two independently shuffled datasets.

    Args:
        image_shape: tuple. `(H, W, C)` of the A images; H and W multiples of 4, >= 8
            (the paper: `(256, 256, 3)`). Defaults to `None`: read from the first batch
            `fit` sees, with the size-dependent defaults below chosen for it.
        channels_b: int. Channels of the B images. Defaults to `None` (from the first
            batch when `image_shape` is too, else the same as A).
        filters: int. Generator width (ngf). Defaults to 64.
        disc_filters: int. Discriminator width (ndf). Defaults to 64.
        num_residual_blocks: int. Defaults to `None`: 9 from 256×256 up, else 6.
        disc_layers: int. Stride-2 PatchGAN layers. Defaults to `None` (3, i.e. 70×70
            patches, from 32×32 up; fewer for smaller images).
        norm: str. `"instance"` (the paper) or `"batch"`. Defaults to `"instance"`.
        cycle_weight: float. λ of the cycle loss. Defaults to 10.
        identity_weight: float. Identity weight relative to `cycle_weight`. Defaults to
            `None`: 0.5 when A and B have the same channels, else 0 (undefined).
        pool_size: int. Image pool size per discriminator. Defaults to 50.
        learning_rate: float. Defaults to 2e-4.
        constant_epochs: int. Defaults to 100.
        decay_epochs: int. Defaults to 100.
        steps_per_epoch: int. Steps per epoch for the decay. Defaults to `None`
            (counted by `fit` from its data).
        seed: int. Seed of the image-pool choices. Defaults to `None`.

    Example:
    ```python
    model = ganzoo.get("cyclegan", image_shape=(32, 32, 1), channels_b=3,
                       constant_epochs=10, decay_epochs=10)
    model.fit(digits, restyled, batch_size=1, epochs=20)  # unpaired, fit shuffles each
    restyled_test = model.translate(digits_test, direction="a_to_b")
    ```
    """
    kwargs = dict(locals())
    check_translation_args(None, channels_b, filters, disc_filters, norm)
    for arg in ("num_residual_blocks", "disc_layers"):
        if kwargs[arg] is not None:
            arguments.positive_int(arg, kwargs[arg])
    arguments.positive_int("pool_size", pool_size, allow_zero=True)
    arguments.positive_float("learning_rate", learning_rate)
    arguments.positive_float("cycle_weight", cycle_weight, allow_zero=True)
    arguments.positive_float("identity_weight", identity_weight, allow_zero=True, allow_none=True)
    arguments.positive_int("constant_epochs", constant_epochs, allow_zero=True)
    arguments.positive_int("decay_epochs", decay_epochs, allow_zero=True)
    arguments.positive_int("steps_per_epoch", steps_per_epoch, allow_none=True)
    if image_shape is None:  # built by fit from the first (A, B) batch (AdversarialModel.deferred)
        return CycleGAN.deferred(cyclegan, kwargs, name="cyclegan")
    image_shape = check_translation_shape(image_shape)
    h, w, c = image_shape
    channels_b = check_translation_args(c, channels_b, filters, disc_filters, norm)
    chosen = {}  # the size-dependent defaults, shown in a deferred model's summary
    if num_residual_blocks is None:
        num_residual_blocks = chosen["num_residual_blocks"] = default_residual_blocks(image_shape)
    if disc_layers is None:
        disc_layers = chosen["disc_layers"] = patchgan_layers_for(min(h, w))
    if identity_weight is None:
        identity_weight = chosen["identity_weight"] = 0.5 if channels_b == c else 0.0
    shape_b = (h, w, channels_b)
    model = CycleGAN(
        resnet_generator(image_shape, channels_b, filters, num_residual_blocks, norm, name="generator_ab"),
        resnet_generator(shape_b, c, filters, num_residual_blocks, norm, name="generator_ba"),
        patchgan_discriminator(image_shape, disc_filters, disc_layers, norm, name="discriminator_a"),
        patchgan_discriminator(shape_b, disc_filters, disc_layers, norm, name="discriminator_b"),
        cycle_weight=cycle_weight, identity_weight=identity_weight, pool_size=pool_size,
        learning_rate=learning_rate, constant_epochs=constant_epochs, decay_epochs=decay_epochs,
        steps_per_epoch=steps_per_epoch, seed=seed, name="cyclegan",
    )
    model.compile()  # Adam(LinearDecay(2e-4, 100, 100), beta_1=0.5) for both optimizers
    return note_size_defaults(model, **chosen)
