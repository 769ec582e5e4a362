"""WGAN-GP: Wasserstein GAN with a gradient penalty (Gulrajani et al. 2017).

The critic D is trained to maximise E[D(x)] - E[D(G(z))] under a soft 1-Lipschitz
constraint: the penalty λ·(‖∇D(x̂)‖₂ − 1)² on points x̂ = x + α(G(z) − x), α ~ U(0, 1) drawn
per sample (the paper's Algorithm 1; keras-io's example draws α from a normal, which
puts x̂ off the segment between the two samples). The generator minimises −E[D(G(z))].

Paper defaults (Algorithm 1): λ = 10, n_critic = 5 critic updates per generator update,
Adam(1e-4, β1 = 0.5, β2 = 0.9) for both, and no BatchNorm in the critic (the penalty is
per sample; BatchNorm would couple the samples of a batch).

Each critic iteration of the paper draws its own real batch. Keras gives `train_step` one
batch, so `WGANGP` splits it: with `d_steps = 5` and `fit(batch_size=320)` each critic
update sees 64 real samples of its own and the generator update 64 noise samples, which is
the paper's setting for m = 64. (`split_batch=False` gives every critic update the whole
batch instead.)

The penalty's gradient is a second-order gradient (the gradient, with respect to the
critic's weights, of a norm of its input gradient): `Trainer.input_gradients` keeps the
graph on every backend (a nested `GradientTape`, `torch.autograd.grad(create_graph=True)`,
`jax.vjp` inside `jax.value_and_grad`).
"""
import keras
from keras import layers, ops

from ganzoo import arguments
from ganzoo import losses as losses_lib
from ganzoo.backend.distribution import replica_draw
from ganzoo.gan import GAN, unpack_samples
from ganzoo.layers import conv_init
from ganzoo.models import _toolkit
from ganzoo.models._registry import register
from ganzoo.models.dcgan import check_image_shape, dcgan_generator
from ganzoo.models.vanilla import _check_shape, mlp_generator, packed_shape

ARCHITECTURES = ("dcgan", "mlp")
CRITIC_NORMS = (None, "layer")


@keras.saving.register_keras_serializable(package="ganzoo")
class WGANGP(GAN):
    """WGAN-GP (Gulrajani et al. 2017): a critic with a gradient penalty, n_critic updates per G update.

    Args:
        generator: keras.Model. Maps `(batch, latent_dim)` noise to samples.
        discriminator: keras.Model. The critic: maps samples to one unbounded score per
            sample. It must not use BatchNormalization (the penalty is per sample).
        latent_dim: int. Size of the noise vector. Defaults to the generator's input size.
        gp_weight: float. λ, the weight of the gradient penalty. Defaults to 10.
        d_steps: int. Critic updates per generator update (n_critic). Defaults to 5.
        split_batch: bool. Give each critic update its own `1/d_steps` of the batch (the
            paper draws a fresh real batch per critic update). Defaults to True.
        seed: int. Seed of the training noise and of α. Defaults to `None`.
        d_loss: str or callable. The critic's loss before the penalty. Defaults to
            `"wasserstein"` (the paper's); e.g. `"hinge"` trains a hinge critic with the penalty.
        g_loss: str or callable. Defaults to `"wasserstein"` (−D(G(z))).
        **kwargs: the toolkit's options of `GAN` (`r1_gamma`, `r1_interval`, `pac`,
            `augment`, `ema_decay`, `ema_start`) and `keras.Model`'s.

    Example:
    ```python
    wgan = ganzoo.get("wgan_gp", image_shape=(32, 32, 1))
    x = ganzoo.data.load("digits", image_size=32)
    wgan.fit(x, batch_size=5 * 64, epochs=5)  # 64 real samples per critic update
    ```
    """

    loss_names = ("d_loss", "g_loss", "gradient_penalty", "wasserstein_estimate")

    def __init__(self, generator, discriminator, *, latent_dim=None, gp_weight=10.0, d_steps=5,
                 split_batch=True, seed=None, d_loss="wasserstein", g_loss="wasserstein", **kwargs):
        gp_weight = arguments.positive_float("gp_weight", gp_weight, allow_zero=True)
        arguments.one_of("split_batch", split_batch, (True, False))
        d_steps = arguments.positive_int("d_steps", d_steps)
        for layer in discriminator._flatten_layers(include_self=False):
            if isinstance(layer, layers.BatchNormalization):
                raise ValueError(
                    "The WGAN-GP critic must not use BatchNormalization: the gradient penalty is taken "
                    "per sample (use layer normalization or none). "
                    f"Received: a critic with layer {layer.name!r}"
                )
        super().__init__(generator, discriminator, latent_dim=latent_dim, d_loss=d_loss,
                         g_loss=g_loss, d_steps=d_steps, seed=seed, **kwargs)
        self.gp_weight = float(gp_weight)
        self.split_batch = split_batch

    @classmethod
    def shapes_from_batch(cls, batch):
        # One shape argument: an image batch builds the DCGAN architecture, a vector one the MLP.
        shapes = super().shapes_from_batch(batch)
        shape = shapes["image_shape"]
        return {"image_shape": shape} if len(shape) == 3 else {"data_shape": shape}

    def default_optimizer(self, name):
        """Adam(1e-4, β1 = 0.5, β2 = 0.9) for critic and generator (the paper's Algorithm 1)."""
        return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.5, beta_2=0.9)

    def critic_loss(self, real, fake):
        """`(loss, (wasserstein_estimate, penalty))` of one critic update.

        loss = E[D(fake)] − E[D(real)] + λ·E[(‖∇D(x̂)‖₂ − 1)²], x̂ = real + α(fake − real),
        α ~ U(0, 1) per sample from the model's seed generator (with another `d_loss`, that
        loss in place of the first two terms). Under PacGAN packing or DiffAugment, real and
        fake are first turned into the critic's inputs (`d_input`) and x̂ lies between those;
        an R1 term (`r1_gamma`) is added on the real input.
        """
        real_in, fake_in = self.d_input(real), self.d_input(fake)
        real_scores = self.discriminator(real_in, training=True)
        fake_scores = self.discriminator(fake_in, training=True)
        w_loss = losses_lib.wasserstein_d_loss(real_scores, fake_scores)
        # Each tf.distribute replica its own rows of the global draw (`GAN.sample_noise`).
        ones = (1,) * (len(real_in.shape) - 1)
        alpha = replica_draw(lambda n: keras.random.uniform((n,) + ones, seed=self.seed_generator,
                                                            dtype=real_in.dtype), ops.shape(real_in)[0])
        x_hat = real_in + alpha * (ops.cast(fake_in, real_in.dtype) - real_in)
        _, grads = self.input_gradients(lambda t: self.discriminator(t, training=True), x_hat)
        penalty = losses_lib.gradient_penalty(grads)
        loss = self._d_loss_fn(real_scores, fake_scores) + self.gp_weight * penalty + self.r1_term(real_in)
        return loss, (-w_loss, penalty)

    def check_pac_batch(self, batch_size, name="batch_size"):
        """A multiple of `pac` for every critic update: of `pac · d_steps` with `split_batch`."""
        super().check_pac_batch(batch_size, name)
        if self.pac > 1 and self.split_batch and batch_size is not None and self.d_steps > 1:
            chunk = int(batch_size) // self.d_steps
            if chunk % self.pac:
                raise ValueError(
                    f"With pac={self.pac}, d_steps={self.d_steps} and split_batch=True each critic update gets "
                    f"{name} // d_steps = {chunk} samples, which must be a multiple of pac: use a multiple of "
                    f"{self.pac * self.d_steps}. Received: {name}={batch_size}")

    def _critic_batches(self, real):
        # The i-th critic update's real samples: its own 1/d_steps of the batch (at least one
        # sample; a last short batch of fewer samples than d_steps repeats them).
        d = self.d_steps
        if not self.split_batch or d == 1:
            return [self.whole_groups(real)] * d
        n = ops.shape(real)[0]
        if isinstance(n, int):
            chunk = max(n // d, 1)
            return [self.whole_groups(real[min(i * chunk, n - chunk): min(i * chunk, n - chunk) + chunk])
                    for i in range(d)]
        chunk = ops.maximum(n // d, 1)
        rest = [0] * (len(real.shape) - 1)
        size = [chunk] + list(real.shape[1:])
        return [self.whole_groups(ops.slice(real, [ops.minimum(i * chunk, n - chunk)] + rest, size))
                for i in range(d)]

    def adversarial_step(self, data):
        self.begin_step()
        real_all = unpack_samples(data)
        g_vars = self.variables_of("g_optimizer")
        batches = self._critic_batches(real_all)
        reuse = self.reuse_generator_pass
        for i, real in enumerate(batches):
            z = self.sample_noise(ops.shape(real)[0])
            if reuse and i == len(batches) - 1:
                # The last critic update's fake batch also serves the generator update,
                # through the critic it just updated (one generator pass fewer per step).
                fake, pullback = self.forward_with_pullback(lambda z=z: self.generator(z, training=True), g_vars)
            else:
                fake = self.generator(z, training=True)
            fake_const = ops.stop_gradient(fake)
            d_loss, (w_estimate, penalty) = self.update(
                "d_optimizer", lambda real=real, fake_const=fake_const: self.critic_loss(real, fake_const))
        if reuse:
            def g_loss_on(images):
                return ops.cast(self._g_loss_fn(self.discriminate(images)), "float32")

            g_loss, _, d_fake = self.loss_and_input_gradient(g_loss_on, fake, self.g_optimizer)
            self.apply_update("g_optimizer", g_loss, pullback(d_fake), g_vars)
        else:
            z = self.sample_noise(ops.shape(batches[-1])[0])
            g_loss = self.update(
                "g_optimizer", lambda: self._g_loss_fn(self.discriminate(self.generator(z, training=True))))
        self.track(d_loss=d_loss, g_loss=g_loss, gradient_penalty=penalty, wasserstein_estimate=w_estimate)
        return self.logs()

    def adversarial_eval_step(self, data):
        real = self.whole_groups(unpack_samples(data))
        fake = self.generator(self.sample_noise(ops.shape(real)[0]), training=False)
        real_in = self.d_input(real, training=False)
        real_scores = self.discriminator(real_in, training=False)
        fake_scores = self.discriminate(fake, training=False)
        w_loss = losses_lib.wasserstein_d_loss(real_scores, fake_scores)
        _, grads = self.input_gradients(lambda t: self.discriminator(t, training=False), real_in)
        self.track(d_loss=self._d_loss_fn(real_scores, fake_scores), g_loss=self._g_loss_fn(fake_scores),
                   gradient_penalty=losses_lib.gradient_penalty(grads), wasserstein_estimate=-w_loss)
        return self.logs()

    def get_config(self):
        config = super().get_config()
        config.update(gp_weight=self.gp_weight, split_batch=self.split_batch)
        return config


def dcgan_critic(image_shape, filters=64, norm=None, pac=1, name="critic"):
    """The DCGAN discriminator without BatchNorm, as the WGAN-GP paper's DCGAN critic.

    Stride-2 4×4 convs with LeakyReLU(0.2), widths doubling from `filters`, then a 4×4
    valid conv (no bias) to one unbounded score; N(0, 0.02) weights.

    Args:
        image_shape: tuple. `(size, size, channels)`, size a power of two >= 8.
        filters: int. Width of the first layer. Defaults to 64.
        norm: str or None. `"layer"` adds LayerNormalization after every conv but the
            first (the paper's drop-in for BatchNorm); `None` uses none. Defaults to `None`.
        pac: int. PacGAN packing: the input is `pac` images concatenated along the
            channels. Defaults to 1.
        name: str. Defaults to `"critic"`.
    """
    size, _, channels = check_image_shape(image_shape)
    inp = keras.Input((size, size, channels * arguments.positive_int("pac", pac)), name="image")
    x = inp
    width = filters
    for i in range((size.bit_length() - 1) - 2):
        x = layers.Conv2D(width, 4, strides=2, padding="same", kernel_initializer=conv_init())(x)
        if norm == "layer" and i > 0:
            x = layers.LayerNormalization(axis=(1, 2, 3), epsilon=1e-5)(x)
        x = layers.LeakyReLU(0.2)(x)
        width *= 2
    # No bias on the score: the critic's loss and penalty are blind to a constant offset.
    x = layers.Conv2D(1, 4, strides=1, padding="valid", use_bias=False, kernel_initializer=conv_init())(x)
    return keras.Model(inp, layers.Flatten(dtype="float32")(x), name=name)


def mlp_critic(data_shape, hidden_units=(512, 512, 512), pac=1, name="critic"):
    """An MLP critic with ReLU hidden layers and one unbounded score (the paper's toy-data critic).

    With `pac > 1` (PacGAN) its input is `pac` samples concatenated along the last axis.
    """
    data_shape = _check_shape(data_shape)
    inp = keras.Input(packed_shape(data_shape, arguments.positive_int("pac", pac)), name="sample")
    x = layers.Flatten()(inp) if len(data_shape) > 1 else inp
    for units in hidden_units:
        x = layers.ReLU()(layers.Dense(units)(x))
    # No bias on the score: the critic's loss and penalty are blind to a constant offset.
    return keras.Model(inp, layers.Dense(1, use_bias=False, dtype="float32")(x), name=name)


@register("wgan_gp", test_config={"image_shape": (8, 8, 1), "latent_dim": 8, "filters": 4, "d_steps": 2},
          model_class=WGANGP)
@_toolkit.documented
def wgan_gp(*, image_shape=None, data_shape=None, architecture=None, latent_dim=None, filters=64,
            hidden_units=(512, 512, 512), critic_norm=None, gp_weight=10.0, d_steps=5, split_batch=True,
            seed=None, loss=None, d_loss=None, g_loss=None, spectral_norm=False, r1_gamma=0.0, r1_interval=1,
            ema_decay=None, ema_start=0, augment=None, pac=1):
    """WGAN-GP (Gulrajani et al. 2017) with the paper's defaults: λ = 10, n_critic = 5, Adam(1e-4, 0.5, 0.9).

    Args:
        image_shape: tuple. `(size, size, channels)` for the DCGAN architecture, size a
            power of two >= 8. Defaults to `None`: read from the first batch `fit` sees.
        data_shape: tuple. Shape of one sample for the MLP architecture, e.g. `(2,)` for
            the 2-D toy data. Defaults to `None`.
        architecture: str. `"dcgan"` (conv generator, BatchNorm-free conv critic) or
            `"mlp"` (the paper's toy-data networks: ReLU MLPs). Defaults to `"mlp"` when
            `data_shape` is given, else `"dcgan"`.
        latent_dim: int. Noise size. Defaults to 128 for images (the paper's), 2 for
            vectors.
        filters: int. DCGAN width (ngf = ndf). Defaults to 64.
        hidden_units: tuple of int. MLP widths. Defaults to `(512, 512, 512)` (the paper's
            toy-data critic and generator).
        critic_norm: str or None. `"layer"` or `None` (never BatchNorm). Defaults to `None`.
        gp_weight: float. λ. Defaults to 10.
        d_steps: int. n_critic. Defaults to 5.
        split_batch: bool. Each critic update gets its own `1/d_steps` of the batch.
            Defaults to True.
        seed: int. Noise seed. Defaults to `None`.{toolkit}

    Example:
    ```python
    wgan = ganzoo.get("wgan_gp", data_shape=(2,))
    wgan.fit(ganzoo.data.load("grid"), batch_size=5 * 256, epochs=1)
    ```
    """
    kwargs = dict(locals())
    if architecture is None:
        architecture = "mlp" if data_shape is not None else "dcgan"
    arguments.one_of("architecture", architecture, ARCHITECTURES)
    arguments.one_of("critic_norm", critic_norm, CRITIC_NORMS)
    arguments.positive_int("filters", filters)
    arguments.positive_int("d_steps", d_steps)
    arguments.positive_int("latent_dim", latent_dim, allow_none=True)
    toolkit = _toolkit.options(loss=loss, d_loss=d_loss, g_loss=g_loss, spectral_norm=spectral_norm,
                               r1_gamma=r1_gamma, r1_interval=r1_interval, ema_decay=ema_decay,
                               ema_start=ema_start, augment=augment, pac=pac, default_loss="wasserstein")
    if architecture == "mlp":
        if data_shape is None:
            raise ValueError("The MLP architecture needs `data_shape`. Received: data_shape=None")
        hidden_units = arguments.positive_int_sequence("hidden_units", hidden_units)
        data_shape = _check_shape(data_shape)
        latent_dim = latent_dim or (2 if len(data_shape) == 1 else 128)
        generator = mlp_generator(data_shape, latent_dim, hidden_units)
        critic = mlp_critic(data_shape, hidden_units, pac=toolkit["pac"])
    else:
        if image_shape is None:  # built by fit from the first batch (AdversarialModel.deferred)
            return WGANGP.deferred(wgan_gp, kwargs, name="wgan_gp")
        image_shape = check_image_shape(image_shape)
        latent_dim = latent_dim or 128
        generator = dcgan_generator(image_shape, latent_dim, filters)
        critic = dcgan_critic(image_shape, filters, norm=critic_norm, pac=toolkit["pac"])
    model = WGANGP(generator, _toolkit.discriminator(critic, spectral_norm), latent_dim=latent_dim,
                   gp_weight=gp_weight, d_steps=d_steps, split_batch=split_batch, seed=seed, name="wgan_gp",
                   **toolkit)
    model.compile()  # Adam(1e-4, beta_1=0.5, beta_2=0.9) for both: WGANGP.default_optimizer
    return model
