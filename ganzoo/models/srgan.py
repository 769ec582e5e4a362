"""SRGAN and SRResNet: photo-realistic single-image super-resolution (Ledig et al. 2017).

The generator (SRResNet) is trained in two phases inside one `fit`:

1. warm-up (`warmup_steps` generator steps): pixel MSE only, the discriminator is never
   called. The generator at the end of this phase is the paper's SRResNet model.
2. adversarial: content loss (VGG19 conv5_4 features / 12.75, or pixel MSE when the user
   asks for it) + 1e-3 × the non-saturating adversarial loss, and discriminator updates.

Phase switching under jit: the phase is a Python-level choice, not a traced branch. The
model keeps one compiled train function per phase and a host-side copy of the generator's
step count (read from `g_optimizer.iterations` when `fit` starts, so a reloaded model
resumes in the right phase); before each call it picks the function of the current phase.
A traced `ops.cond`/`ops.where` switch was rejected: JAX cannot assign variables inside
`lax.cond` branches under our stateless trainer, and a masked update would still step
the discriminator's Adam (its `iterations` and moments), which the warm-up must not touch.
"""
import math

import keras
import numpy as np
from keras import layers, ops

from ganzoo import arguments, validation
from ganzoo import losses as losses_lib
from ganzoo.arguments import is_int
from ganzoo.backend import sync_state
from ganzoo.gan import AdversarialModel, checked_images
from ganzoo.inference import generator_scale, receptive_radius, upscale_with  # noqa: F401  (re-exported)
from ganzoo.layers import SubPixelUpsampling
from ganzoo.models._registry import register
from ganzoo.perceptual import (  # noqa: F401  (re-exported for one release)
    VGG19_NOTOP_FILE,
    VGG_FEATURE_SCALE,
    default_vgg19_weights_path,
    resolve_vgg_weights,
    vgg19_features,
    vgg_content_loss,
)

CONTENT_LOSSES = ("vgg54", "mse")


def _check_scale(scale):
    if is_int(scale) and scale in (2, 4, 8):
        return int(scale)
    raise ValueError(f"`scale` must be 2, 4 or 8 (stacked ×2 sub-pixel steps). Received: scale={scale!r}")


# --------------------------------------------------------------------------- networks
def _prelu():
    # One slope per channel, shared over space, as in the paper's PReLU (He et al. 2015).
    return layers.PReLU(shared_axes=[1, 2], alpha_initializer=keras.initializers.Constant(0.25))


def _bn():
    return layers.BatchNormalization(momentum=0.9, epsilon=1e-5)


def srresnet_generator(channels=3, scale=4, num_blocks=16, filters=64, name="generator"):
    """SRResNet: 9×9 conv, B residual blocks, global skip, ×2 sub-pixel steps, 9×9 conv.

    Fully convolutional: the input is `(batch, h, w, channels)` for any `h`, `w` and the
    output `(batch, h*scale, w*scale, channels)` in [-1, 1] (tanh).

    Args:
        channels: int. Image channels. Defaults to 3.
        scale: int. 2, 4 or 8. Defaults to 4.
        num_blocks: int. Residual blocks B. Defaults to 16 (the paper's).
        filters: int. Trunk width. Defaults to 64 (the paper's).
    """
    inp = keras.Input((None, None, channels), name="lr")
    x = layers.Conv2D(filters, 9, padding="same")(inp)
    x = skip = _prelu()(x)
    for _ in range(num_blocks):
        y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        y = _prelu()(_bn()(y))
        y = _bn()(layers.Conv2D(filters, 3, padding="same", use_bias=False)(y))
        x = layers.Add()([x, y])
    x = _bn()(layers.Conv2D(filters, 3, padding="same", use_bias=False)(x))
    x = layers.Add()([x, skip])
    for _ in range(int(math.log2(scale))):
        # conv to 4× the channels, then pixel shuffle: ×2 in each spatial axis.
        x = layers.Conv2D(filters * 4, 3, padding="same")(x)
        x = _prelu()(SubPixelUpsampling(2)(x))
    x = layers.Conv2D(channels, 9, padding="same")(x)
    x = layers.Activation("tanh", dtype="float32")(x)
    return keras.Model(inp, x, name=name)


def srgan_discriminator(hr_size=96, channels=3, filters=64, dense_units=1024, name="discriminator"):
    """The paper's discriminator: 8 3×3 convs (64→512, stride 2 every other), Dense 1024, logit.

    LeakyReLU(0.2) everywhere, BatchNorm on all convs but the first.
    """
    inp = keras.Input((hr_size, hr_size, channels), name="hr")
    x = layers.LeakyReLU(0.2)(layers.Conv2D(filters, 3, padding="same")(inp))
    for width, stride in ((1, 2), (2, 1), (2, 2), (4, 1), (4, 2), (8, 1), (8, 2)):
        x = layers.Conv2D(filters * width, 3, strides=stride, padding="same", use_bias=False)(x)
        x = layers.LeakyReLU(0.2)(_bn()(x))
    x = layers.Flatten()(x)
    x = layers.LeakyReLU(0.2)(layers.Dense(dense_units)(x))
    x = layers.Dense(1, dtype="float32")(x)
    return keras.Model(inp, x, name=name)


class _Frozen:
    # Holds the VGG feature extractor outside the model's tracked state: it is fixed, and
    # tracking it would save ~80 MB of ImageNet weights into every SRGAN `.keras` file.
    def __init__(self, model):
        self.model = model


def _unpack_pair(data):
    if isinstance(data, dict):
        if not {"lr", "hr"} <= set(data):
            raise ValueError(f"A dict batch needs 'lr' and 'hr' entries. Received keys: {sorted(data)}")
        return data["lr"], data["hr"]
    while isinstance(data, (tuple, list)) and len(data) == 1:
        data = data[0]
    if not isinstance(data, (tuple, list)) or len(data) < 2:
        raise ValueError("SRGAN trains on (lr, hr) pairs: pass `fit((lr, hr))` or a dataset of pairs.")
    return data[0], data[1]


class _PhaseFunctions:
    # Compiled train functions per phase and the host-side generator step that picks one;
    # a plain holder so Keras does not track it.
    def __init__(self):
        self.fns = {}
        self.step = 0


@keras.saving.register_keras_serializable(package="ganzoo")
class SRGAN(AdversarialModel):
    """SRGAN (Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a GAN").

    Trains an SRResNet generator with pixel MSE for `warmup_steps` generator steps (the
    discriminator and its optimizer untouched), then adversarially with
    `content + adversarial_weight * (-log D(G(lr)))`. Each adversarial step updates the
    generator first (its output is reused), then the discriminator on that output.

    Args:
        generator: keras.Model. LR `(b, h, w, C)` -> HR `(b, h*scale, w*scale, C)`.
        discriminator: keras.Model. HR `(b, H, W, C)` -> one logit.
        content_loss: str. `"vgg54"` (VGG19 conv5_4 features / 12.75, needs VGG19 weights)
            or `"mse"` (pixel MSE, the paper's SRGAN-MSE). Defaults to `"vgg54"`.
        vgg_weights: str. `None` (or `"imagenet"`): `keras.applications.VGG19`'s ImageNet
            weights, downloaded and cached by Keras on first use; a path of
            `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`; when they can be neither
            had nor found, a ValueError names `content_loss="mse"`;
            `"random"` builds an untrained VGG19 (tests only). Defaults to `None`.
        adversarial_weight: float. Weight of the adversarial loss. Defaults to 1e-3.
        warmup_steps: int. Generator steps of the MSE-only warm-up. Defaults to 0.
        scale: int. Upsampling factor; read from the generator when `None`.
        seed: int. Defaults to `None`.

    Example:
    ```python
    model = ganzoo.get("srgan", content_loss="mse", warmup_steps=1000)
    model.fit(ganzoo.data.super_resolution.CropPairs(photos), epochs=20)
    sr = model.upscale(lr_images, tile=64)
    ```
    """

    network_names = ("generator", "discriminator")
    optimizer_networks = {"d_optimizer": ("discriminator",), "g_optimizer": ("generator",)}
    loss_names = ("d_loss", "g_loss", "content_loss", "adversarial_loss")
    #: `(lr, hr)` crops, 16 per batch (the paper's batch size).
    data_kind = "super_resolution"
    default_batch_size = 16

    def __init__(self, generator, discriminator, *, content_loss="vgg54", vgg_weights=None,
                 adversarial_weight=1e-3, warmup_steps=0, scale=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        arguments.one_of("content_loss", content_loss, CONTENT_LOSSES)
        arguments.positive_int("warmup_steps", warmup_steps, allow_zero=True)
        arguments.positive_float("adversarial_weight", adversarial_weight, allow_zero=True)
        self.generator = generator
        self.discriminator = discriminator
        self.scale = generator_scale(generator) if scale is None else scale
        self.content_loss_name = content_loss
        self.vgg_weights = vgg_weights
        self.adversarial_weight = float(adversarial_weight)
        self.warmup_steps = int(warmup_steps)
        self._vgg = None
        if content_loss == "vgg54":
            channels = generator.outputs[0].shape[-1]
            self._vgg = _Frozen(vgg19_features(resolve_vgg_weights(vgg_weights), channels))
        self._phase = "adversarial"
        self._phase_fns = _PhaseFunctions()

    @classmethod
    def shapes_from_batch(cls, batch):
        lr, hr = _unpack_pair(batch)
        lr_shape, hr_shape = checked_images(lr, "lr"), checked_images(hr, "hr")
        return {"lr_size": lr_shape[0], "channels": hr_shape[-1]}

    @property
    def hr_shape(self):
        return tuple(self.discriminator.inputs[0].shape[1:])

    @property
    def lr_shape(self):
        h, w, c = self.hr_shape
        return (h // self.scale, w // self.scale, c)

    def default_optimizer(self, name):
        # The paper: Adam with β1 = 0.9 and learning rate 1e-4 for both networks.
        return keras.optimizers.Adam(learning_rate=1e-4, beta_1=0.9, beta_2=0.999)

    def call(self, lr, training=False):
        return self.generator(lr, training=training)

    # ------------------------------------------------------------------- phases
    def phase_at(self, generator_step):
        """`"warmup"` for the first `warmup_steps` generator steps, then `"adversarial"`."""
        return "warmup" if generator_step < self.warmup_steps else "adversarial"

    @property
    def phase(self):
        """The phase the next training step runs, from the generator's optimizer step."""
        sync_state(self)
        return self.phase_at(int(ops.convert_to_numpy(self.g_optimizer.iterations)))

    def compile(self, **kwargs):
        self._phase_fns = _PhaseFunctions()  # new optimizers: recompile both phases
        super().compile(**kwargs)

    def make_train_function(self, force=False):
        # Called by `fit` before its first step. A dispatcher picks the compiled function
        # of the current phase before every call; compiled functions are kept across fits.
        # The dispatcher is the model's layer of the train function; the skip of batches a
        # resumed run trained already sits outside it (`Trainer.train_function`, the one
        # place that order is written), so the dispatcher never sees a skipped batch.
        holder = self._phase_fns
        fns = holder.fns
        if force:
            fns.clear()
        base_make = super().make_train_function
        holder.step = int(ops.convert_to_numpy(self.g_optimizer.iterations))
        per_call = int(self.steps_per_execution or 1)

        def dispatch(*args):
            phase = self.phase_at(holder.step)
            if phase not in fns:
                self._phase = phase

                # A new function object per phase: jax.jit caches traces by function, and
                # a second jit of the same bound `train_step` would replay the first phase.
                def phase_train_step(*args, **kwargs):
                    return type(self).train_step(self, *args, **kwargs)

                self.train_step = phase_train_step
                try:
                    base_make(force=True)  # traces lazily, with self._phase set below
                finally:
                    del self.train_step
                fns[phase] = self.train_function
                self.train_function = dispatch
            # Set before every call: a retrace (new batch shape) must see the same phase.
            self._phase = phase
            out = fns[phase](*args)
            holder.step += per_call
            return out

        self.train_function = dispatch
        return dispatch

    def on_resume(self, skip_batches=0, logs=None):
        """A backup was restored after `fit` made the dispatcher: read the generator's step again.

        The restored step (batches skipped included) picks the phase of the next trained
        batch, as in the uninterrupted run.
        """
        self._phase_fns.step = int(ops.convert_to_numpy(self.g_optimizer.iterations))
        super().on_resume(skip_batches, logs)

    def validate_batch(self, batch):
        """Check a numpy `(lr, hr)` batch before `fit` trains: shapes, dtype, range, pairing."""
        lr, hr = _unpack_pair(batch)
        validation.check_samples(hr, self.hr_shape, name="hr")
        validation.check_samples(lr, self.lr_shape, name="lr")
        if lr.shape[0] != hr.shape[0]:
            raise ValueError(
                "SRGAN needs one HR image per LR image in each batch. "
                f"Received: lr.shape={tuple(lr.shape)}, hr.shape={tuple(hr.shape)}"
            )

    # -------------------------------------------------------------------- steps
    def _check_hr(self, hr):
        got = tuple(hr.shape[1:3])
        if None not in got and got != self.hr_shape[:2]:
            raise ValueError(
                f"HR batches must be {self.hr_shape[:2]} to fit the discriminator (built for "
                f"hr_size={self.hr_shape[0]}). Received: hr.shape={tuple(hr.shape)}"
            )

    def content_loss(self, sr, hr):
        """The content loss of the adversarial phase (VGG conv5_4 or pixel MSE)."""
        if self._vgg is not None:
            return vgg_content_loss(self._vgg.model, sr, hr)
        return losses_lib.l2_loss(sr, hr)

    def adversarial_step(self, data):
        lr, hr = _unpack_pair(data)
        self._check_hr(hr)
        if self._phase == "warmup":
            # SRResNet: pixel MSE only. The discriminator is not even called, so neither
            # its weights, its BatchNorm statistics nor its optimizer change.
            mse = self.update("g_optimizer", lambda: losses_lib.l2_loss(self.generator(lr, training=True), hr))
            self.track(g_loss=mse, content_loss=mse)
            return self.logs()

        def g_loss_fn():
            sr = self.generator(lr, training=True)
            content = self.content_loss(sr, hr)
            adversarial = losses_lib.non_saturating_g_loss(self.discriminator(sr, training=True))
            return content + self.adversarial_weight * adversarial, (sr, content, adversarial)

        g_loss, (sr, content, adversarial) = self.update("g_optimizer", g_loss_fn)
        # The discriminator sees the generator's output from the step above as a constant.
        sr = ops.stop_gradient(sr)

        def d_loss_fn():
            return losses_lib.logistic_d_loss(
                self.discriminator(hr, training=True), self.discriminator(sr, training=True)
            )

        d_loss = self.update("d_optimizer", d_loss_fn)
        self.track(d_loss=d_loss, g_loss=g_loss, content_loss=content, adversarial_loss=adversarial)
        return self.logs()

    def adversarial_eval_step(self, data):
        lr, hr = _unpack_pair(data)
        sr = self.generator(lr, training=False)
        real_logits = self.discriminator(hr, training=False)
        fake_logits = self.discriminator(sr, training=False)
        content = self.content_loss(sr, hr)
        adversarial = losses_lib.non_saturating_g_loss(fake_logits)
        self.track(
            d_loss=losses_lib.logistic_d_loss(real_logits, fake_logits),
            g_loss=content + self.adversarial_weight * adversarial,
            content_loss=content,
            adversarial_loss=adversarial,
        )
        return self.logs()

    # ---------------------------------------------------------------- inference
    def upscale(self, images, *, tile=None, overlap=None, batch_size=8):
        """Super-resolve `images` in [-1, 1]; see `upscale_with` for tiling.

        Args:
            images: array. `(N, h, w, C)` or `(h, w, C)` in [-1, 1], any `h`, `w`.
            tile: int. LR tile side for bounded memory. Defaults to `None` (whole images).
            overlap: int. Context around each tile. Defaults to the receptive radius.
            batch_size: int. Tiles per call. Defaults to 8.
        """
        sync_state(self)
        return upscale_with(self.generator, images, scale=self.scale, tile=tile, overlap=overlap,
                            batch_size=batch_size)

    def preview(self, inputs):
        """Images for a PNG grid: one row per LR input, `[LR (nearest-neighbour), SR]`.

        Args:
            inputs: array. `(N, h, w, C)` LR images in [-1, 1].

        Returns:
            `(images, 2)`: `(2N, h*scale, w*scale, C)` images in [-1, 1], row-major.
        """
        lr = np.asarray(inputs, dtype="float32")
        nearest = np.repeat(np.repeat(lr, self.scale, axis=1), self.scale, axis=2)
        sr = self.upscale(lr, tile=None)
        return np.stack([nearest, sr], axis=1).reshape((-1,) + sr.shape[1:]), 2

    def example_data(self, num_examples, seed=0):
        """`(lr, hr)` numpy pairs in [-1, 1]; LR is the HR's `scale`×`scale` block mean."""
        rng = np.random.default_rng(seed)
        h, w, c = self.hr_shape
        hr = rng.uniform(-1, 1, (num_examples, h, w, c)).astype("float32")
        s = self.scale
        lr = hr.reshape(num_examples, h // s, s, w // s, s, c).mean(axis=(2, 4))
        return lr.astype("float32"), hr

    def example_inputs(self, num_examples, seed=0):
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, (num_examples,) + self.lr_shape).astype("float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            content_loss=self.content_loss_name,
            vgg_weights=None if self.vgg_weights is None else str(self.vgg_weights),
            adversarial_weight=self.adversarial_weight,
            warmup_steps=self.warmup_steps,
            scale=self.scale,
        )
        return config


@register(
    "srgan",
    test_config={"lr_size": 8, "scale": 2, "num_blocks": 1, "filters": 8, "d_filters": 4,
                 "dense_units": 8, "content_loss": "mse", "warmup_steps": 0},
    model_class=SRGAN,
)
def srgan(*, lr_size=None, channels=None, scale=4, num_blocks=16, filters=64, d_filters=64,
          dense_units=1024, content_loss="vgg54", vgg_weights=None, adversarial_weight=1e-3,
          warmup_steps=10**6, seed=None):
    """SRGAN (Ledig et al. 2017) with the paper's defaults: SRResNet + its discriminator.

    Generator: 16 residual blocks of 64 filters with BatchNorm and PReLU, ×2 sub-pixel
    upsampling steps. Discriminator: 8 convs 64→512 and Dense 1024. Adam(1e-4, β1=0.9)
    for both. The first `warmup_steps` generator steps train SRResNet with pixel MSE
    (the paper: 10^6 updates), then VGG19 conv5_4 content loss + 1e-3 adversarial loss.

    Args:
        lr_size: int. Side of the LR training crops (HR crops are `lr_size * scale`, the
            discriminator's input; the paper: 24). The generator itself takes any size.
            Defaults to `None`: read from the first `(lr, hr)` batch `fit` sees.
        channels: int. 1 or 3. Defaults to `None`: from the first batch (3 when `lr_size`
            is given).
        scale: int. 2, 4 or 8. Defaults to 4.
        num_blocks: int. Residual blocks. Defaults to 16.
        filters: int. Generator width. Defaults to 64.
        d_filters: int. Discriminator's first width. Defaults to 64.
        dense_units: int. Discriminator's dense layer. Defaults to 1024.
        content_loss: str. `"vgg54"` or `"mse"`. Defaults to `"vgg54"`: raises a
            ValueError naming `content_loss="mse"` if the VGG19 weights can't be had.
        vgg_weights: str. VGG19 no-top weights: `None` is Keras' ImageNet weights (cached, else
            downloaded once by `keras.applications.VGG19`), or a file path. Defaults to `None`.
        adversarial_weight: float. Defaults to 1e-3.
        warmup_steps: int. MSE-only generator steps first. Defaults to 10**6.
        seed: int. Defaults to `None`.

    Example:
    ```python
    model = ganzoo.get("srgan", content_loss="mse", num_blocks=8, warmup_steps=2000)
    model.fit((lr, hr), batch_size=16, epochs=10)
    sr = model.upscale(lr_photo, tile=64)
    ```
    """
    kwargs = dict(locals())
    _check_scale(scale)
    for arg, value in (("num_blocks", num_blocks), ("filters", filters), ("d_filters", d_filters),
                       ("dense_units", dense_units)):
        arguments.positive_int(arg, value)
    arguments.one_of("content_loss", content_loss, CONTENT_LOSSES)
    arguments.positive_int("warmup_steps", warmup_steps, allow_zero=True)
    arguments.positive_float("adversarial_weight", adversarial_weight, allow_zero=True)
    if content_loss == "vgg54":
        resolve_vgg_weights(vgg_weights)  # missing VGG19 weights: raised now, not at fit
    if lr_size is None:  # built by fit from the first (lr, hr) batch (AdversarialModel.deferred)
        return SRGAN.deferred(srgan, kwargs, name="srgan")
    arguments.positive_int("lr_size", lr_size)
    channels = arguments.one_of("channels", 3 if channels is None else channels, (1, 3))
    hr_size = lr_size * scale
    if hr_size < 16:
        raise ValueError(
            f"`lr_size * scale` must be >= 16 (the discriminator halves it 4 times). "
            f"Received: lr_size={lr_size}, scale={scale}"
        )
    model = SRGAN(
        srresnet_generator(channels, scale, num_blocks, filters),
        srgan_discriminator(hr_size, channels, d_filters, dense_units),
        content_loss=content_loss,
        vgg_weights=vgg_weights,
        adversarial_weight=adversarial_weight,
        warmup_steps=warmup_steps,
        scale=scale,
        seed=seed,
        name="srgan",
    )
    model.compile()  # Adam(1e-4, beta_1=0.9) for both: SRGAN.default_optimizer
    return model
