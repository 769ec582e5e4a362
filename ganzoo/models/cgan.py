"""Conditional GAN (Mirza & Osindero 2014) with an optional projection discriminator
(Miyato & Koyama 2018), on DCGAN-style convolutional networks."""
import math

import keras
import numpy as np
from keras import layers, ops

from ganzoo import arguments, validation
from ganzoo.backend import sync_state
from ganzoo.backend.distribution import replica_draw
from ganzoo.gan import GAN, checked_images
from ganzoo.guards import BatchChecks
from ganzoo.layers import conv_init, normalization
from ganzoo.models import _toolkit
from ganzoo.models._registry import register
from ganzoo.models.dcgan import check_image_shape, upsample_to_image

DISCRIMINATORS = ("concat", "projection")


def label_initializer():
    """N(0, 1), the initializer of the label embeddings that are network inputs.

    The generator's `embed(y)` is concatenated to `z ~ N(0, 1)` and the concat
    discriminator's label map to images in [-1, 1]: drawn at Keras' default
    (uniform ±0.05) the label enters at about 3 % of the noise's scale, the first layers
    barely see it, and Adam (steps of about the learning rate) needs thousands of updates to
    grow it; meanwhile the discriminator learns which digit goes with which label from the
    real pairs and wins (issue 17: class accuracy 0.10 after 1,000 updates on MNIST). N(0, 1)
    puts the label on the scale of the other input, as PyTorch's `nn.Embedding` default does
    in the usual cGAN code.
    """
    return keras.initializers.RandomNormal(0.0, 1.0)


def unpack_labeled(data):
    """`(images, labels)` of a batch: `(x, y)`, `((x, y),)` or `{"image": x, "label": y}`."""
    if isinstance(data, dict):
        missing = [k for k in ("image", "label") if k not in data]
        if missing:
            raise ValueError(
                f"A dict batch for a conditional GAN needs 'image' and 'label' entries. "
                f"Received keys: {sorted(data)}"
            )
        return data["image"], data["label"]
    if isinstance(data, (tuple, list)):
        if len(data) == 1 or (len(data) >= 2 and isinstance(data[0], (tuple, list, dict))):
            return unpack_labeled(data[0])  # fit((x, y)) arrives as ((x, y),)
        if len(data) >= 2:
            return data[0], data[1]
    raise ValueError(
        "A conditional GAN trains on (images, labels) pairs: pass `fit(images, labels)`, "
        "`fit((images, labels))` or a dataset of (images, labels). "
        f"Received: a batch of type {type(data).__name__}"
    )


def _label_vector(labels):
    # Labels arrive as int32/int64 of shape (batch,) or (batch, 1): one flat int32 vector.
    return ops.reshape(ops.cast(labels, "int32"), (-1,))


def cgan_generator(image_shape, num_classes, latent_dim=100, filters=64, embed_dim=50, name="generator"):
    """DCGAN generator fed `concat(z, embed(label))` (Mirza & Osindero's conditioning).

    The label embedding is drawn from N(0, 1), the scale of `z` (`label_initializer`).

    Inputs `[z (batch, latent_dim), label (batch,) int]`, output `(batch, *image_shape)`
    in [-1, 1] from `tanh`.
    """
    check_image_shape(image_shape)
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((), dtype="int32", name="label")
    e = layers.Embedding(num_classes, embed_dim, embeddings_initializer=label_initializer(),
                         name="label_embedding")(label)
    x = layers.Concatenate()([z, e])
    x = layers.Reshape((1, 1, latent_dim + embed_dim))(x)
    x = upsample_to_image(x, image_shape, filters)
    return keras.Model([z, label], x, name=name)


def cgan_discriminator(image_shape, num_classes, filters=64, kind="concat", pac=1, name="discriminator"):
    """DCGAN discriminator conditioned on the label.

    `kind="concat"` (Mirza & Osindero): the label's embedding, as one extra image-sized
    channel drawn from N(0, 1) (`label_initializer`), is concatenated to the input image.
    `kind="projection"` (Miyato & Koyama): the logit is `dense(φ(x)) + <embed(y), φ(x)>`
    with φ the conv features; that embedding keeps Keras' small uniform default (the
    Glorot scale of the paper's code), as it multiplies all of φ's features at once.
    Inputs `[image, label (batch,) int]`, output one logit per image.

    With `pac > 1` (PacGAN) it judges `pac` images at once: inputs `[images packed along
    the channels, labels (batch, pac)]`; one label map per image (`"concat"`), or the mean
    of the images' label embeddings in the projection.
    """
    size, _, channels = check_image_shape(image_shape)
    arguments.one_of("discriminator", kind, DISCRIMINATORS)
    pac = arguments.positive_int("pac", pac)
    n_down = int(math.log2(size)) - 2
    image = keras.Input((size, size, channels * pac), name="image")
    label = keras.Input(() if pac == 1 else (pac,), dtype="int32", name="label")
    x = image
    if kind == "concat":
        m = layers.Embedding(num_classes, size * size, embeddings_initializer=label_initializer(),
                             name="label_map")(label)
        if pac == 1:
            m = layers.Reshape((size, size, 1))(m)
        else:
            m = layers.Permute((2, 3, 1))(layers.Reshape((pac, size, size))(m))
        x = layers.Concatenate()([x, m])
    width = filters
    for i in range(n_down):
        x = layers.Conv2D(width, 4, strides=2, padding="same", use_bias=False,
                          kernel_initializer=conv_init())(x)
        if i > 0:  # no BN on the input layer (DCGAN)
            x = normalization("batch")(x)
        x = layers.LeakyReLU(0.2)(x)
        width *= 2
    if kind == "concat":
        x = layers.Conv2D(1, 4, strides=1, padding="valid", use_bias=False,
                          kernel_initializer=conv_init())(x)  # 4x4 -> 1x1 logit
        logit = layers.Flatten(dtype="float32")(x)
    else:
        phi = layers.Flatten()(x)  # (batch, 4 * 4 * width)
        unconditional = layers.Dense(1, name="psi")(phi)
        e = layers.Embedding(num_classes, phi.shape[-1], name="label_projection")(label)
        if pac > 1:
            e = layers.GlobalAveragePooling1D()(e)
        # The projection term <embed(y), φ(x)>: the class enters as an inner product with
        # the features instead of as an input, the form of a log-likelihood-ratio logit.
        projection = layers.Dot(axes=1)([e, phi])
        logit = layers.Add(dtype="float32")([unconditional, projection])
    return keras.Model([image, label], logit, name=name)


@keras.saving.register_keras_serializable(package="ganzoo")
class ConditionalGAN(GAN):
    """A class-conditional GAN: `G(z, y)` and `D(x, y)` trained on `(images, labels)`.

    Mirza & Osindero 2014, "Conditional Generative Adversarial Nets". The discriminator
    step sees real images with their labels and generated images drawn for the same
    labels; the generator step draws fresh noise and uniformly random labels from the
    model's `seed_generator`.

    Args:
        generator: keras.Model. Inputs `[z, label]`, output images.
        discriminator: keras.Model. Inputs `[image, label]`, output one logit each.
        num_classes: int. Number of classes; labels lie in `[0, num_classes)`.
        latent_dim: int. Noise size. Defaults to the generator's first input size.
        d_loss: str or callable. See `GAN`. Defaults to `"logistic"`.
        g_loss: str or callable. See `GAN`. Defaults to `"non_saturating"`.
        seed: int. Seed of the training noise and labels. Defaults to `None`.

    Example:
    ```python
    gan = ganzoo.get("cgan", image_shape=(16, 16, 1), num_classes=10)
    x, y = ganzoo.data.load("digits", image_size=16, labels=True)
    gan.fit(x, y, batch_size=64, epochs=1)
    sevens = gan.generate(8, labels=7)
    ```
    """

    #: Training data are `(images, labels)`.
    data_kind = "labeled"

    def __init__(self, generator, discriminator, *, num_classes, latent_dim=None, d_loss="logistic",
                 g_loss="non_saturating", seed=None, **kwargs):
        arguments.positive_int("num_classes", num_classes)
        super().__init__(generator, discriminator, latent_dim=latent_dim, d_loss=d_loss, g_loss=g_loss,
                         seed=seed, **kwargs)
        self.num_classes = int(num_classes)
        # Labels of the batches after the first are checked inside the step (ganzoo.guards).
        self.batch_checks = BatchChecks(name="batch_checks")

    # ------------------------------------------------------------------ checks
    def check_labels(self, labels, name="labels", num_samples=None):
        """`ganzoo.validation.check_labels` with this model's `num_classes`: int32 `(n,)`."""
        return validation.check_labels(labels, self.num_classes, name=name, num_samples=num_samples)

    def validate_batch(self, batch):
        """Check a numpy `(images, labels)` batch before `fit` trains.

        Images are checked like any GAN's (shape, dtype, [-1, 1]); labels must be integers
        in `[0, num_classes)`, one per image. Inside the compiled step an out-of-range
        label would silently read a wrong (or clamped) embedding row, hence this check.
        """
        images, labels = unpack_labeled(batch)
        self.__dict__["_first_batch_size"] = int(images.shape[0])
        validation.check_samples(images, self.sample_shape, name="x")
        self.check_labels(labels, name="y", num_samples=int(images.shape[0]))

    @classmethod
    def shapes_from_batch(cls, batch):
        images, _ = unpack_labeled(batch)
        return {"image_shape": checked_images(images, "x")}

    def checked_labels(self, labels):
        """In-graph: record an out-of-range label in `batch_checks`; return the labels clipped into range.

        `fit` checks its first batch on the host; this sees every batch of a dataset. The
        clip keeps the step from failing inside the backend (TensorFlow and torch raise on an
        out-of-range embedding row, JAX reads a clamped one); `ganzoo.guards.CheckBatches`
        raises after the step, naming the batch and the label.
        """
        if not self.check_inputs:
            return labels
        lo, hi = ops.min(labels), ops.max(labels)
        bad = ops.logical_or(ops.less(lo, 0), ops.greater_equal(hi, self.num_classes))
        self.batch_checks.record([(BatchChecks.LABEL, bad, ops.where(ops.less(lo, 0), lo, hi), self.num_classes)])
        return ops.clip(labels, 0, self.num_classes - 1)

    # -------------------------------------------------------------------- model
    def call(self, inputs, training=False):
        z, labels = inputs
        return self.generator([z, _label_vector(labels)], training=training)

    def sample_labels(self, batch_size):
        # Each tf.distribute replica its own rows of the global draw (`GAN.sample_noise`).
        return replica_draw(lambda n: keras.random.randint(
            (n,), 0, self.num_classes, seed=self.seed_generator, dtype="int32"), batch_size)

    def d_input(self, inputs, training=True):
        """`[images, labels]` as the discriminator takes them: images augmented and packed, labels packed."""
        images, labels = inputs
        return [super().d_input(images, training), self.pack(labels)]

    def adversarial_step(self, data):
        self.begin_step()
        real, labels = unpack_labeled(data)
        labels = self.whole_groups(self.checked_labels(_label_vector(labels)))
        real = self.whole_groups(real)
        batch_size = ops.shape(real)[0]

        # Discriminator: fakes drawn for the real batch's labels, so both halves carry the
        # same class mix; stop_gradient keeps D's loss away from the generator.
        fake = ops.stop_gradient(self.generator([self.sample_noise(batch_size), labels], training=True))

        def d_loss_fn():
            real_in = self.d_input([real, labels])
            real_logits = self.discriminator(real_in, training=True)
            fake_logits = self.discriminate([fake, labels])
            r1 = self.r1_term(real_in[0], call=lambda t: self.discriminator([t, real_in[1]], training=True))
            return self._d_loss_fn(real_logits, fake_logits) + r1

        d_loss = self.update("d_optimizer", d_loss_fn)

        # Generator: fresh noise and uniformly random labels, so every class is trained
        # whatever the batch's class mix.
        z = self.sample_noise(batch_size)
        g_labels = self.sample_labels(batch_size)

        def g_loss_fn():
            fake = self.generator([z, g_labels], training=True)
            return self._g_loss_fn(self.discriminate([fake, g_labels]))

        g_loss = self.update("g_optimizer", g_loss_fn)
        self.track(d_loss=d_loss, g_loss=g_loss)
        return self.logs()

    def adversarial_eval_step(self, data):
        real, labels = unpack_labeled(data)
        labels = self.whole_groups(_label_vector(labels))
        real = self.whole_groups(real)
        fake = self.generator([self.sample_noise(ops.shape(real)[0]), labels], training=False)
        real_logits = self.discriminate([real, labels], training=False)
        fake_logits = self.discriminate([fake, labels], training=False)
        self.track(d_loss=self._d_loss_fn(real_logits, fake_logits), g_loss=self._g_loss_fn(fake_logits))
        return self.logs()

    def default_labels(self, num_samples):
        """Labels used when `generate` gets none: every class, in order, in equal blocks.

        With `num_samples = num_classes ** 2` a square grid shows one row per label.
        """
        return (np.arange(num_samples) * self.num_classes // num_samples).astype("int32")

    def generate(self, num_samples, *, labels=None, batch_size=256, seed=None, use_ema=None):
        """Draw `num_samples` images of the given classes as a float32 numpy array in [-1, 1].

        Args:
            num_samples: int. How many images.
            labels: None, int or array of shape `(num_samples,)`. The class of each image;
                an int gives every image that class; None spreads the classes evenly in
                order (`default_labels`). Defaults to None.
            batch_size: int. Generator batch size. Defaults to 256.
            seed: int. Seed of the noise (numpy). Defaults to `None` (fresh noise).
            use_ema: bool or None. `True`: the generator average (`ema_decay`);
                `False`: the live generator; `None`: the average when the model keeps
                one. Defaults to None.
        """
        num_samples = arguments.positive_int("num_samples", num_samples)
        net = self.sampling_network(use_ema)
        if labels is None:
            labels = self.default_labels(num_samples)
        elif isinstance(labels, (int, np.integer)) and not isinstance(labels, bool):
            labels = np.full((num_samples,), labels)
        labels = self.check_labels(labels, name="labels", num_samples=num_samples)
        sync_state(self)
        z = np.random.default_rng(seed).standard_normal((num_samples, self.latent_dim)).astype("float32")
        out = net.predict([z, labels], batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype="float32")

    def example_inputs(self, num_examples, seed=0):
        rng = np.random.default_rng(seed)
        z = rng.standard_normal((num_examples, self.latent_dim)).astype("float32")
        return [z, rng.integers(0, self.num_classes, num_examples).astype("int32")]

    def example_data(self, num_examples, seed=0):
        rng = np.random.default_rng(seed)
        x = rng.uniform(-1, 1, (num_examples,) + self.sample_shape).astype("float32")
        return x, rng.integers(0, self.num_classes, num_examples).astype("int32")

    def get_config(self):
        config = super().get_config()
        config["num_classes"] = self.num_classes
        return config


@register("cgan", test_config={"image_shape": (8, 8, 1), "num_classes": 3, "latent_dim": 8,
                               "filters": 4, "embed_dim": 4}, model_class=ConditionalGAN)
@_toolkit.documented
def cgan(*, image_shape=None, num_classes=10, latent_dim=100, filters=64, embed_dim=50,
         discriminator="concat", learning_rate=2e-4, beta_1=0.5, seed=None, loss=None, d_loss=None, g_loss=None, spectral_norm=False,
         r1_gamma=0.0, r1_interval=1, ema_decay=None, ema_start=0, augment=None, pac=1):
    """Conditional GAN (Mirza & Osindero 2014) on DCGAN networks, with a projection option.

    The generator takes `concat(z, embed(y))`; the discriminator either concatenates an
    image-sized label map to its input (`"concat"`, Mirza & Osindero) or adds the
    projection `<embed(y), φ(x)>` to its logit (`"projection"`, Miyato & Koyama 2018,
    "cGANs with Projection Discriminator"). DCGAN training defaults: N(0, 0.02) conv
    init, BatchNorm, Adam(2e-4, β1 = 0.5), non-saturating generator loss.

    Args:
        image_shape: tuple. `(size, size, channels)`, size a power of two >= 8 and 1 or
            3 channels. Defaults to `None`: read from the first batch `fit` sees.
        num_classes: int. Number of classes. Defaults to 10.
        latent_dim: int. Noise size. Defaults to 100.
        filters: int. Width of the last generator / first discriminator layer. Defaults to 64.
        embed_dim: int. Size of the generator's label embedding. Defaults to 50.
        discriminator: str. `"concat"` or `"projection"`. Defaults to `"concat"`.
        learning_rate: float. Adam learning rate of both networks (DCGAN's 2e-4; the
            documented MNIST run raises it to learn in fewer updates). Saved with the
            optimizers in the `.keras` file. Defaults to 2e-4.
        beta_1: float. Adam β1 of both networks. Defaults to 0.5.
        seed: int. Seed of the training noise and labels. Defaults to `None`.{toolkit}

    Example:
    ```python
    gan = ganzoo.get("cgan", image_shape=(16, 16, 1), discriminator="projection")
    x, y = ganzoo.data.load("digits", image_size=16, labels=True)
    gan.fit(x, y, batch_size=64, epochs=5)
    images = gan.generate(100)            # one block of 10 per digit, 0 to 9
    threes = gan.generate(16, labels=3)
    ```
    """
    kwargs = dict(locals())
    for arg in ("num_classes", "latent_dim", "filters", "embed_dim"):
        arguments.positive_int(arg, kwargs[arg])
    arguments.one_of("discriminator", discriminator, DISCRIMINATORS)
    learning_rate = arguments.positive_float("learning_rate", learning_rate)
    beta_1 = arguments.float_in_range("beta_1", beta_1, 0.0, 1.0, high_inclusive=False)
    toolkit = _toolkit.options(loss=loss, d_loss=d_loss, g_loss=g_loss, spectral_norm=spectral_norm,
                               r1_gamma=r1_gamma, r1_interval=r1_interval, ema_decay=ema_decay,
                               ema_start=ema_start, augment=augment, pac=pac)
    if image_shape is None:  # built by fit from the first batch (AdversarialModel.deferred)
        return ConditionalGAN.deferred(cgan, kwargs, name="cgan")
    image_shape = check_image_shape(image_shape)
    model = ConditionalGAN(
        cgan_generator(image_shape, num_classes, latent_dim, filters, embed_dim),
        _toolkit.discriminator(cgan_discriminator(image_shape, num_classes, filters, kind=discriminator,
                                                  pac=toolkit["pac"]), spectral_norm),
        num_classes=num_classes,
        latent_dim=latent_dim,
        seed=seed,
        name="cgan",
        **toolkit,
    )
    model.compile(  # DCGAN's Adam(2e-4, beta_1=0.5) for both unless asked otherwise
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=beta_1),
    )
    return model
