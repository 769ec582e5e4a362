"""The stability toolkit's builder arguments, shared by gan, dcgan, cgan and wgan_gp.

Every builder of the GAN family takes the same options (docs/stability.md): the losses
(`loss=` a pair, or `d_loss=`/`g_loss=`), `spectral_norm`, `r1_gamma`/`r1_interval`,
`ema_decay`/`ema_start`, `augment` and `pac`. `options()` checks them before anything is
built and returns the model-class keyword arguments; `discriminator()` applies spectral
normalisation to a built discriminator.
"""
from ganzoo import arguments
from ganzoo import augment as augment_lib
from ganzoo import losses as losses_lib
from ganzoo.spectral import spectral_normalize

#: The docstring lines every toolkit builder shares (appended to their `Args:`).
ARGS_DOC = """
        loss: str or None. One name for both losses: "non_saturating" (= "logistic"),
            "minimax", "least_squares", "hinge" or "wasserstein" (hyphens accepted).
            Defaults to None: the model's own pair.
        d_loss: str or None. The discriminator's loss alone (`ganzoo.losses.D_LOSSES`).
            Defaults to None.
        g_loss: str or None. The generator's loss alone (`ganzoo.losses.G_LOSSES`).
            Defaults to None.
        spectral_norm: bool. Spectral normalisation (Miyato et al. 2018) of every Dense
            and Conv layer of the discriminator, one power iteration per training step.
            Defaults to False.
        r1_gamma: float. γ of the R1 penalty on real samples, γ/2·E‖∇D(x)‖². Defaults to 0.
        r1_interval: int. Lazy R1: every `r1_interval`-th discriminator update, times
            `r1_interval` (StyleGAN2). Defaults to 1.
        ema_decay: float in [0, 1) or None. Generator EMA: `generate()` and `export()`
            use the average (`model.generator_ema`). Defaults to None.
        ema_start: int. Generator updates before the average starts. Defaults to 0.
        augment: str or None. DiffAugment policy, e.g. "color,translation,cutout"
            (images only). Defaults to None.
        pac: int. PacGAN packing: the discriminator judges `pac` samples at once; the
            batch size must be a multiple of it. Defaults to 1."""


def options(*, loss=None, d_loss=None, g_loss=None, spectral_norm=False, r1_gamma=0.0, r1_interval=1,
            ema_decay=None, ema_start=0, augment=None, pac=1, default_loss="non_saturating"):
    """Check the toolkit arguments; return the model-class kwargs (`spectral_norm` excluded).

    Example:
    ```python
    kwargs = options(loss="hinge", r1_gamma=1.0, pac=2)
    model = GAN(generator, discriminator, **kwargs)
    ```
    """
    d_name, g_name = losses_lib.loss_pair(loss, d_loss, g_loss, default=default_loss)
    arguments.one_of("spectral_norm", spectral_norm, (True, False))
    return dict(
        d_loss=d_name,
        g_loss=g_name,
        r1_gamma=arguments.positive_float("r1_gamma", r1_gamma, allow_zero=True),
        r1_interval=arguments.positive_int("r1_interval", r1_interval),
        ema_decay=arguments.float_in_range("ema_decay", ema_decay, 0.0, 1.0, high_inclusive=False,
                                           allow_none=True),
        ema_start=arguments.positive_int("ema_start", ema_start, allow_zero=True),
        augment=augment_lib.check_policy(augment),
        pac=arguments.positive_int("pac", pac),
    )


def discriminator(net, spectral_norm):
    """`net` with spectral normalisation of its Dense/Conv layers when `spectral_norm`, else `net`."""
    return spectral_normalize(net) if spectral_norm else net


def documented(builder):
    """Put the toolkit's `Args:` lines (`ARGS_DOC`) where a builder's docstring says `{toolkit}`."""
    builder.__doc__ = builder.__doc__.replace("{toolkit}", ARGS_DOC)
    return builder
