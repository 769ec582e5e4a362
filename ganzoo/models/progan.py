"""Progressive GAN: progressive growing of GANs (Karras, Aila, Laine & Lehtinen 2018).

Both networks start at 4×4 and grow by one resolution at a time up to the target. Each
new resolution is first *faded in* for `fade_steps` steps: the generator's output is
`(1 − α)·upsample(toRGB_{r/2}(h_{r/2})) + α·toRGB_r(block_r(h_{r/2}))` and the critic's
input features `(1 − α)·fromRGB_{r/2}(downsample(x)) + α·block_r(fromRGB_r(x))`, with α
rising linearly from 0 to 1 (the real images are blended the same way between their
r/2 and r versions, as the reference code does); then *stabilised* for `stable_steps`
steps at α = 1. The 4×4 networks are trained for `stable_steps` steps first, and the
last resolution is stabilised until training ends.

Every layer uses the equalised learning rate (weights N(0, 1), scaled at run time),
the generator normalises every pixel's features after each convolution (pixel norm),
and the critic's last block appends the minibatch standard deviation. The loss is
WGAN-GP (λ = 10, one critic update per generator update) plus the drift term
ε·E[D(x)²], ε = 0.001, that keeps the critic's scores near zero; Adam(1e-3, β = (0, 0.99),
ε = 1e-8) for both networks.

Growth is model state. `growth_step` (a model variable, saved and restored with the
model and by `ganzoo.resume.BackupAndRestore`) counts training steps; the phase, the
resolution and α follow from it. A phase is a Python-level choice: the model keeps one
compiled train function per phase (`fade` or `stable` at a resolution) and picks the
function of the current phase before every step, so the step function is compiled once
per phase, never per step; α is computed inside the step from `growth_step`, so a fade
needs no recompilation. The networks also hold the current resolution and α (a
`GrowthState` layer in each), so the generator's own `predict` — and the generator saved
alone — give the images of the current stage at the target resolution, upsampled.
"""
import keras
from keras import layers, ops

from ganzoo import arguments
from ganzoo import losses as losses_lib
from ganzoo.backend import sync_state, value_at_train_call
from ganzoo.backend.distribution import replica_draw
from ganzoo.gan import unpack_samples
from ganzoo.layers import EqualizedConv2D, EqualizedDense, MinibatchStdDev, PixelNormalization
from ganzoo.models._registry import register
from ganzoo.models.dcgan import check_image_shape
from ganzoo.models.wgan_gp import WGANGP


# ------------------------------------------------------------------------------ layers
@keras.saving.register_keras_serializable(package="ganzoo")
class GrowthState(layers.Layer):
    """The current resolution level and α of a growing network, as blend weights per level.

    Holds `level` (int32: 0 is 4×4, `num_levels − 1` the target) and `alpha` (float32),
    both non-trainable, set by `ProGAN` at every step. Called on any batch, it returns
    `(batch, num_levels)` float32 weights: α at `level`, 1 − α at `level − 1`, 0 elsewhere
    (α = 1 when a resolution is stable).

    Args:
        num_levels: int. Resolutions from 4×4 to the target.
        **kwargs: passed to `keras.layers.Layer`.

    Example:
    ```python
    state = GrowthState(3)
    state.level.assign(2); state.alpha.assign(0.25)
    state(keras.ops.zeros((1, 8)))  # [[0, 0.75, 0.25]]
    ```
    """

    def __init__(self, num_levels, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)
        self.num_levels = arguments.positive_int("num_levels", num_levels)
        self.level = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False,
                                     name="level", aggregation="only_first_replica")
        self.alpha = self.add_weight(shape=(), dtype="float32", initializer="ones", trainable=False,
                                     name="alpha", autocast=False, aggregation="only_first_replica")
        self.built = True

    def call(self, x):
        levels = ops.arange(self.num_levels, dtype="int32")
        level = ops.convert_to_tensor(self.level)
        alpha = ops.cast(self.alpha, "float32")
        w = ops.where(ops.equal(levels, level), alpha,
                      ops.where(ops.equal(levels, level - 1), 1.0 - alpha, ops.zeros_like(alpha)))
        return ops.broadcast_to(ops.expand_dims(w, 0), (ops.shape(x)[0], self.num_levels))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_levels)

    def get_config(self):
        return {**super().get_config(), "num_levels": self.num_levels}


@keras.saving.register_keras_serializable(package="ganzoo")
class LevelBlend(layers.Layer):
    """The generator's output: per-level RGB images upsampled to the target, weighted, clipped.

    Inputs `[weights, rgb_0, ..., rgb_K]` (weights from `GrowthState`); each `rgb_k` is
    upsampled by repetition (nearest neighbour) to the largest one's size; the weighted
    sum is clipped to [-1, 1], in float32.

    Args:
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("dtype", "float32")
        super().__init__(**kwargs)

    def call(self, inputs):
        weights, rgbs = ops.cast(inputs[0], "float32"), inputs[1:]
        size = rgbs[-1].shape[1]
        out = 0.0
        for k, rgb in enumerate(rgbs):
            out = out + weights[:, k, None, None, None] * upsample(ops.cast(rgb, "float32"), size // rgb.shape[1])
        return ops.clip(out, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[-1])


@keras.saving.register_keras_serializable(package="ganzoo")
class LevelLerp(layers.Layer):
    """The critic's fade between a block's output and the skip from the downsampled image.

    Inputs `[block_out, skip, weights]`: `block_out·(1 − t) + skip·t` with `t = 1 − Σ_{j ≥
    level} weights_j`: 1 while the block's resolution is not in use yet, 1 − α while it
    fades in, 0 once it is stable.

    Args:
        level: int. The resolution level of the block (1 is 8×8).
        **kwargs: passed to `keras.layers.Layer`.
    """

    def __init__(self, level, **kwargs):
        super().__init__(**kwargs)
        self.level = arguments.positive_int("level", level)

    def call(self, inputs):
        block_out, skip, weights = inputs
        t = 1.0 - ops.sum(ops.cast(weights, "float32")[:, self.level:], axis=1)
        t = ops.cast(t[:, None, None, None], block_out.dtype)
        return block_out * (1.0 - t) + ops.cast(skip, block_out.dtype) * t

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self):
        return {**super().get_config(), "level": self.level}


def upsample(x, factor):
    """Nearest-neighbour upsampling of `(batch, H, W, C)` by an integer `factor`."""
    if factor == 1:
        return x
    return ops.repeat(ops.repeat(x, factor, axis=1), factor, axis=2)


def downsample(x, factor=2):
    """Average pooling of `(batch, H, W, C)` by `factor` (the reference code's box filter)."""
    if factor == 1:
        return x
    h, w, c = x.shape[1], x.shape[2], x.shape[3]
    y = ops.reshape(x, (-1, h // factor, factor, w // factor, factor, c))
    return ops.mean(y, axis=(2, 4))


# ---------------------------------------------------------------------------- networks
def _width(filters, size):
    # The paper's widths: 512 up to 32×32, halved at each doubling above (here `filters`).
    return max(filters * 32 // max(size, 32), 1)


def _block(name, input_shape, specs):
    # A Sequential block whose layers are named after it (`g_block_8_2`): a model built twice
    # in one process gets the same config (BackupAndRestore compares configs).
    made = []
    for i, (cls, args, kwargs) in enumerate(specs):
        made.append(cls(*args, name=f"{name}_{i}", **kwargs))
    return keras.Sequential([keras.Input(input_shape, name=f"{name}_input")] + made, name=name)


_LRELU = (layers.LeakyReLU, (0.2,), {})
_PN = (PixelNormalization, (), {})


def progressive_generator(image_shape, latent_dim, filters, name="generator"):
    """The growing generator: `z → (batch, size, size, channels)` at the current stage.

    Blocks `g_block_{r}` (4×4: pixel norm of z, equalised dense to 4×4, 3×3 conv; above:
    nearest ×2 upsampling, two 3×3 convs), each conv followed by LeakyReLU(0.2) and pixel
    norm, and a linear 1×1 `to_rgb_{r}` per resolution; `growth` holds the stage, and
    `LevelBlend` gives the current stage's image upsampled to the target, in [-1, 1].
    """
    size, _, channels = check_image_shape(image_shape)
    sizes = [4 << k for k in range(size.bit_length() - 2)]
    z = keras.Input((latent_dim,), name="z")
    w0 = _width(filters, 4)
    # The first dense layer's gain: the reference code's sqrt(2)/4, squared.
    blocks = [_block("g_block_4", (latent_dim,), [
        _PN, (EqualizedDense, (16 * w0,), {"gain": 1.0 / 8.0}), (layers.Reshape, ((4, 4, w0),), {}), _LRELU, _PN,
        (EqualizedConv2D, (w0, 3), {}), _LRELU, _PN])]
    for r in sizes[1:]:
        w_in, w = _width(filters, r // 2), _width(filters, r)
        blocks.append(_block(f"g_block_{r}", (r // 2, r // 2, w_in), [
            (layers.UpSampling2D, (2,), {}), (EqualizedConv2D, (w, 3), {}), _LRELU, _PN,
            (EqualizedConv2D, (w, 3), {}), _LRELU, _PN]))
    h, rgbs = z, []
    for r, block in zip(sizes, blocks):
        h = block(h)
        rgbs.append(EqualizedConv2D(channels, 1, gain=1.0, name=f"to_rgb_{r}")(h))
    weights = GrowthState(len(sizes), name="growth")(z)
    return keras.Model(z, LevelBlend(name="blend")([weights] + rgbs), name=name)


def progressive_critic(image_shape, filters, group_size=4, name="discriminator"):
    """The growing critic: `(batch, size, size, channels) → (batch, 1)` at the current stage.

    `from_rgb_{r}` (1×1 conv, LeakyReLU) per resolution, blocks `d_block_{r}` (two 3×3 convs
    and 2×2 average pooling; 4×4: minibatch stddev, 3×3 conv, dense, dense to one score),
    all with the equalised learning rate and LeakyReLU(0.2); `growth` holds the stage and
    `LevelLerp` fades each resolution in, so the whole network judges the target-size
    image as the current stage's critic does.
    """
    size, _, channels = check_image_shape(image_shape)
    sizes = [4 << k for k in range(size.bit_length() - 2)]
    w0 = _width(filters, 4)
    blocks = [_block("d_block_4", (4, 4, w0), [
        (MinibatchStdDev, (group_size,), {}), (EqualizedConv2D, (w0, 3), {}), _LRELU, (layers.Flatten, (), {}),
        (EqualizedDense, (w0,), {}), _LRELU, (EqualizedDense, (1,), {"gain": 1.0, "dtype": "float32"})])]
    for r in sizes[1:]:
        w, w_out = _width(filters, r), _width(filters, r // 2)
        blocks.append(_block(f"d_block_{r}", (r, r, w), [
            (EqualizedConv2D, (w, 3), {}), _LRELU, (EqualizedConv2D, (w_out, 3), {}), _LRELU,
            (layers.AveragePooling2D, (2,), {})]))
    from_rgb = [EqualizedConv2D(_width(filters, r), 1, activation="leaky_relu", name=f"from_rgb_{r}")
                for r in sizes]
    x = keras.Input(tuple(image_shape), name="image")
    weights = GrowthState(len(sizes), name="growth")(x)
    img, h = x, from_rgb[-1](x)
    for k in range(len(sizes) - 1, 0, -1):
        h = blocks[k](h)
        img = layers.AveragePooling2D(2, name=f"downsample_{sizes[k - 1]}")(img)
        h = LevelLerp(k, name=f"fade_{sizes[k]}")([h, from_rgb[k - 1](img), weights])
    return keras.Model(x, blocks[0](h), name=name)


class _PhaseFunctions:
    # Compiled train functions per phase, and the phases compiled in order; a plain holder
    # so that Keras does not track it.
    def __init__(self):
        self.fns = {}
        self.compiled = []


class _Parts:
    # The networks' layers by level, for the per-phase forward passes (not tracked).
    def __init__(self, generator, critic, num_levels):
        sizes = [4 << k for k in range(num_levels)]
        self.g_blocks = [generator.get_layer(f"g_block_{r}") for r in sizes]
        self.to_rgb = [generator.get_layer(f"to_rgb_{r}") for r in sizes]
        self.d_blocks = [critic.get_layer(f"d_block_{r}") for r in sizes]
        self.from_rgb = [critic.get_layer(f"from_rgb_{r}") for r in sizes]
        self.states = [generator.get_layer("growth"), critic.get_layer("growth")]


# ------------------------------------------------------------------------------- model
@keras.saving.register_keras_serializable(package="ganzoo")
class ProGAN(WGANGP):
    """Progressive GAN (Karras et al. 2018): growing from 4×4, WGAN-GP with drift.

    Args:
        generator: keras.Model. Made by `progressive_generator` (its layers are found by
            name: `g_block_{r}`, `to_rgb_{r}`, `growth`).
        discriminator: keras.Model. Made by `progressive_critic` (`d_block_{r}`,
            `from_rgb_{r}`, `growth`).
        latent_dim: int. Size of the noise vector. Defaults to the generator's input size.
        stable_steps: int. Steps of training at 4×4 first, then of each new resolution
            once faded in. Defaults to 3000.
        fade_steps: int. Steps over which α rises from 0 to 1 for each new resolution.
            Defaults to 3000.
        gp_weight: float. λ of the gradient penalty. Defaults to 10.
        drift_weight: float. ε of the drift term ε·E[D(x)²]. Defaults to 0.001.
        seed: int. Seed of the training noise. Defaults to `None`.

    Example:
    ```python
    gan = ganzoo.get("progan", image_shape=(32, 32, 1), filters=32, stable_steps=500, fade_steps=500)
    gan.fit(ganzoo.data.load("mnist", image_size=32), batch_size=16, epochs=1)
    gan.growth()  # {'step': 3750, 'resolution': 32, 'alpha': 1.0, 'fading': False}
    ```
    """

    loss_names = ("d_loss", "g_loss", "gradient_penalty", "wasserstein_estimate", "drift")
    #: The paper's minibatch for resolutions up to 128×128.
    default_batch_size = 16

    def __init__(self, generator, discriminator, *, latent_dim=None, stable_steps=3000, fade_steps=3000,
                 gp_weight=10.0, drift_weight=1e-3, seed=None, d_steps=1, split_batch=False, **kwargs):
        if d_steps != 1:
            raise ValueError(f"Progressive GAN trains one critic step per generator step (the paper's). "
                             f"Received: d_steps={d_steps!r}")
        self.stable_steps = arguments.positive_int("stable_steps", stable_steps)
        self.fade_steps = arguments.positive_int("fade_steps", fade_steps)
        self.drift_weight = arguments.positive_float("drift_weight", drift_weight, allow_zero=True)
        super().__init__(generator, discriminator, latent_dim=latent_dim, gp_weight=gp_weight, d_steps=1,
                         split_batch=False, seed=seed, **kwargs)
        self.num_levels = generator.get_layer("growth").num_levels
        self.growth_step = keras.Variable(0, dtype="int32", trainable=False, name="growth_step",
                                          aggregation="only_first_replica")
        self._parts = _Parts(generator, discriminator, self.num_levels)
        self._phase = 0
        self._phase_args = None
        self._phase_fns = _PhaseFunctions()

    def default_optimizer(self, name):
        """Adam(1e-3, β1 = 0, β2 = 0.99, ε = 1e-8) for both networks (the paper's)."""
        return keras.optimizers.Adam(learning_rate=1e-3, beta_1=0.0, beta_2=0.99, epsilon=1e-8)

    # ----------------------------------------------------------------------- schedule
    @property
    def resolutions(self):
        """The resolutions the networks grow through, 4 to the target."""
        return [4 << k for k in range(self.num_levels)]

    def phase_at(self, step):
        """`(phase, first step of the phase)` of training step `step`.

        Phase 0 is the 4×4 stabilisation; phase 2k − 1 fades resolution level k in, phase
        2k stabilises it; the last phase (the target) lasts until training ends.
        """
        last = 2 * (self.num_levels - 1)
        if step < self.stable_steps or last == 0:
            return 0, 0
        per = self.fade_steps + self.stable_steps
        k, within = divmod(step - self.stable_steps, per)
        k += 1
        start = self.stable_steps + (k - 1) * per
        if k > self.num_levels - 1:
            return last, self.stable_steps + (self.num_levels - 2) * per + self.fade_steps
        if within < self.fade_steps:
            return 2 * k - 1, start
        return 2 * k, start + self.fade_steps

    @staticmethod
    def phase_level(phase):
        """`(resolution level, fading)` of a phase (level 0 is 4×4)."""
        return (phase + 1) // 2, phase % 2 == 1

    def alpha_at(self, step):
        """α at training step `step` (1 outside a fade), as the step computes it."""
        phase, start = self.phase_at(step)
        if not self.phase_level(phase)[1]:
            return 1.0
        return float(min(max((step - start) / self.fade_steps, 0.0), 1.0))

    def growth(self):
        """Where growth stands: the next step's index, resolution, α and whether it fades.

        Example:
        ```python
        gan.growth()  # {'step': 0, 'resolution': 4, 'alpha': 1.0, 'fading': False}
        ```
        """
        sync_state(self)
        step = int(ops.convert_to_numpy(self.growth_step))
        level, fading = self.phase_level(self.phase_at(step)[0])
        return {"step": step, "resolution": self.resolutions[level], "alpha": self.alpha_at(step),
                "fading": fading}

    # ----------------------------------------------------------- one function per phase
    def compile(self, *, steps_per_execution=1, **kwargs):
        if steps_per_execution != 1:
            raise ValueError(
                "Progressive GAN picks its step function (one per growth phase) before every step, "
                f"so it runs one step per execution. Received: steps_per_execution={steps_per_execution!r}")
        self._phase_fns = _PhaseFunctions()  # new optimizers: recompile every phase
        super().compile(steps_per_execution=1, **kwargs)

    @property
    def compiled_phases(self):
        """The phases whose train function was compiled, in order (a test reads it)."""
        return list(self._phase_fns.compiled)

    def _growth_step_at_call(self, args):
        # The step the call starts from (on JAX read from the state the call is given).
        return int(value_at_train_call(self, self.growth_step, args))

    def make_train_function(self, force=False):
        # Called by `fit` before its first step. A dispatcher picks the compiled function of
        # the current phase before every call; the step is read once, at the first call (after
        # a backup was restored), then counted here.
        fns = self._phase_fns.fns
        if force:
            fns.clear()
        base_make = super().make_train_function
        step = [None]

        def dispatch(*args):
            if step[0] is None:
                step[0] = self._growth_step_at_call(args)
            phase = self.phase_at(step[0])[0]
            if phase not in fns:
                self._phase = phase

                # A new function object per phase: jax.jit caches traces by function.
                def phase_train_step(*a, **kw):
                    return type(self).train_step(self, *a, **kw)

                self.train_step = phase_train_step
                try:
                    base_make(force=True)
                finally:
                    del self.train_step
                fns[phase] = self.train_function
                self._phase_fns.compiled.append(phase)
                self.train_function = dispatch
            self._phase = phase  # a retrace (a new batch shape) must see the same phase
            out = fns[phase](*args)
            step[0] += 1
            return out

        self.train_function = dispatch
        return dispatch

    # --------------------------------------------------------------- forward passes
    def generate_at(self, z, level, alpha=None, training=False):
        """The generator at resolution level `level` (0: 4×4), fading in with `alpha` if given.

        Returns `(batch, r, r, channels)` float32 images, r = 4·2^level, not clipped.
        """
        p = self._parts
        h = prev = ops.convert_to_tensor(z)
        for k in range(level + 1):
            prev = h
            h = p.g_blocks[k](h, training=training)
        out = ops.cast(p.to_rgb[level](h), "float32")
        if alpha is not None and level > 0:
            low = upsample(ops.cast(p.to_rgb[level - 1](prev), "float32"), 2)
            out = low + (out - low) * alpha
        return out

    def critic_at(self, x, level, alpha=None, training=False):
        """The critic at resolution level `level` on `(batch, r, r, channels)` images."""
        p = self._parts
        x = ops.convert_to_tensor(x)
        h = p.from_rgb[level](x)
        for k in range(level, -1, -1):
            h = p.d_blocks[k](h, training=training)
            if k == level and alpha is not None and level > 0:
                skip = p.from_rgb[level - 1](downsample(x))
                h = skip + (h - ops.cast(skip, h.dtype)) * ops.cast(alpha, h.dtype)
        return ops.cast(h, "float32")

    def reals_at(self, x, level, alpha=None):
        """Real images at level `level`: box-downsampled; while fading, blended with their
        half-resolution version upsampled (the reference code's `process_reals`)."""
        x = downsample(ops.convert_to_tensor(x), self.resolutions[-1] // self.resolutions[level])
        if alpha is not None and level > 0:
            low = upsample(downsample(x), 2)
            x = low + (x - low) * ops.cast(alpha, x.dtype)
        return x

    # ---------------------------------------------------------------------- training
    def critic_loss(self, real, fake):
        """`(loss, (wasserstein_estimate, penalty, drift))` of the critic update of this phase.

        loss = E[D(fake)] − E[D(real)] + λ·E[(‖∇D(x̂)‖₂ − 1)²] + ε·E[D(real)²], with the WGAN-GP
        penalty of `WGANGP` (x̂ = real + u(fake − real), u ~ U(0, 1) per sample, the input
        gradient from the backend trainer).
        """
        level, alpha = self._phase_args
        real, fake = ops.convert_to_tensor(real), ops.convert_to_tensor(fake)

        def critic(t):
            return self.critic_at(t, level, alpha, training=True)

        real_scores = critic(real)
        fake_scores = critic(fake)
        w_loss = losses_lib.wasserstein_d_loss(real_scores, fake_scores)
        # Each tf.distribute replica its own rows of the global draw (`GAN.sample_noise`).
        u = replica_draw(lambda n: keras.random.uniform((n, 1, 1, 1), seed=self.seed_generator, dtype=real.dtype),
                         ops.shape(real)[0])
        x_hat = real + u * (ops.cast(fake, real.dtype) - real)
        _, grads = self.input_gradients(critic, x_hat)
        penalty = losses_lib.gradient_penalty(grads)
        drift = ops.mean(ops.square(real_scores))
        return w_loss + self.gp_weight * penalty + self.drift_weight * drift, (-w_loss, penalty, drift)

    def adversarial_step(self, data):
        level, fading = self.phase_level(self._phase)
        step = ops.convert_to_tensor(self.growth_step)
        alpha = None
        if fading:
            start = self._phase_start(self._phase)
            alpha = ops.clip(ops.cast(step - start, "float32") / float(self.fade_steps), 0.0, 1.0)
        real = self.reals_at(ops.cast(unpack_samples(data), "float32"), level, alpha)
        self._phase_args = (level, alpha)
        z = self.sample_noise(ops.shape(real)[0])
        g_vars = self.variables_of("g_optimizer")
        fake, pullback = self.forward_with_pullback(
            lambda: self.generate_at(z, level, alpha, training=True), g_vars)
        fake_const = ops.stop_gradient(fake)
        d_loss, (w_estimate, penalty, drift) = self.update(
            "d_optimizer", lambda: self.critic_loss(real, fake_const))

        # The generator through the updated critic, on the same generated batch (its pullback).
        def g_loss_on(images):
            return ops.cast(self._g_loss_fn(self.critic_at(images, level, alpha, training=True)), "float32")

        g_loss, _, d_fake = self.loss_and_input_gradient(g_loss_on, fake, self.g_optimizer)
        self.apply_update("g_optimizer", g_loss, pullback(d_fake), g_vars)
        self._phase_args = None
        shown = ops.ones((), "float32") if alpha is None else alpha
        for state in self._parts.states:
            state.level.assign(ops.convert_to_tensor(level, "int32"))
            state.alpha.assign(shown)
        self.growth_step.assign(step + 1)
        self.track(d_loss=d_loss, g_loss=g_loss, gradient_penalty=penalty, wasserstein_estimate=w_estimate,
                   drift=drift)
        return self.logs()

    def _phase_start(self, phase):
        # The first step of `phase` (phases are contiguous, in order).
        if phase == 0:
            return 0
        per = self.fade_steps + self.stable_steps
        level, fading = self.phase_level(phase)
        start = self.stable_steps + (level - 1) * per
        return start if fading else start + self.fade_steps

    def adversarial_eval_step(self, data):
        # The whole networks at the current stage (their `growth` state), on target-size images.
        real = ops.cast(unpack_samples(data), "float32")
        fake = self.generator(self.sample_noise(ops.shape(real)[0]), training=False)
        real_scores = self.discriminator(real, training=False)
        fake_scores = self.discriminator(fake, training=False)
        w_loss = losses_lib.wasserstein_d_loss(real_scores, fake_scores)
        _, grads = self.input_gradients(lambda t: self.discriminator(t, training=False), real)
        self.track(d_loss=w_loss, g_loss=self._g_loss_fn(fake_scores),
                   gradient_penalty=losses_lib.gradient_penalty(grads), wasserstein_estimate=-w_loss,
                   drift=ops.mean(ops.square(ops.cast(real_scores, "float32"))))
        return self.logs()

    def get_config(self):
        config = super().get_config()
        config.update(stable_steps=self.stable_steps, fade_steps=self.fade_steps, drift_weight=self.drift_weight)
        return config


# ----------------------------------------------------------------------------- builder
@register("progan", test_config={"image_shape": (8, 8, 1), "latent_dim": 8, "filters": 4,
                                 "stable_steps": 2, "fade_steps": 6}, model_class=ProGAN)
def progan(*, image_shape=None, latent_dim=None, filters=128, stable_steps=3000, fade_steps=3000, group_size=4,
           gp_weight=10.0, drift_weight=1e-3, seed=None):
    """Progressive GAN (Karras et al. 2018): grows from 4×4, equalised lr, pixel norm, WGAN-GP + drift.

    Args:
        image_shape: tuple. `(size, size, channels)`, size a power of two >= 8 and 1 or 3
            channels. Defaults to `None`: read from the first batch `fit` sees.
        latent_dim: int. Noise size. Defaults to `filters` (the paper: 512 and 512).
        filters: int. Width of every block up to 32×32, halved at each doubling above (the
            paper: 512). Defaults to 128.
        stable_steps: int. Steps at 4×4 first, and of each resolution once faded in (the
            paper: 800k images, i.e. 50,000 steps at its batch of 16). Defaults to 3000
            (48k images at batch 16: 0.8 of an MNIST epoch).
        fade_steps: int. Steps over which each new resolution fades in (the paper: 800k
            images). Defaults to 3000.
        group_size: int. Minibatch standard deviation group. Defaults to 4.
        gp_weight: float. λ of the gradient penalty. Defaults to 10.
        drift_weight: float. ε of the drift term. Defaults to 0.001.
        seed: int. Noise seed. Defaults to `None`.

    Example:
    ```python
    gan = ganzoo.get("progan", image_shape=(32, 32, 1), filters=32, stable_steps=500, fade_steps=500)
    gan.fit(ganzoo.data.load("mnist", image_size=32), batch_size=16, epochs=2)
    images = gan.generate(16)  # (16, 32, 32, 1), in [-1, 1]
    ```
    """
    kwargs = dict(locals())
    arguments.positive_int("filters", filters)
    arguments.positive_int("latent_dim", latent_dim, allow_none=True)
    arguments.positive_int("stable_steps", stable_steps)
    arguments.positive_int("fade_steps", fade_steps)
    arguments.positive_int("group_size", group_size)
    arguments.positive_float("gp_weight", gp_weight, allow_zero=True)
    arguments.positive_float("drift_weight", drift_weight, allow_zero=True)
    if image_shape is None:  # built by fit from the first batch (AdversarialModel.deferred)
        return ProGAN.deferred(progan, kwargs, name="progan")
    image_shape = check_image_shape(image_shape)
    latent_dim = latent_dim or filters
    model = ProGAN(progressive_generator(image_shape, latent_dim, filters),
                   progressive_critic(image_shape, filters, group_size),
                   latent_dim=latent_dim, stable_steps=stable_steps, fade_steps=fade_steps, gp_weight=gp_weight,
                   drift_weight=drift_weight, seed=seed, name="progan")
    model.compile()  # Adam(1e-3, beta_1=0, beta_2=0.99, epsilon=1e-8): ProGAN.default_optimizer
    return model
