"""Adversarial and reconstruction losses as small pure `keras.ops` functions.

Every function casts its inputs to float32 first, so losses stay in float32 under
mixed precision. Logits are raw discriminator outputs (no sigmoid).
"""
from keras import ops

from ganzoo import arguments


def _f32(x):
    return ops.cast(x, "float32")


def logistic_d_loss(real_logits, fake_logits):
    """Discriminator cross-entropy: -log D(x) - log(1 - D(G(z))) (Goodfellow 2014)."""
    return ops.mean(ops.softplus(-_f32(real_logits))) + ops.mean(ops.softplus(_f32(fake_logits)))


def minimax_g_loss(fake_logits):
    """Generator loss of the original minimax game: log(1 - D(G(z))), minimised.

    Saturates early in training when D rejects samples confidently (Goodfellow 2014, §3).
    """
    return -ops.mean(ops.softplus(_f32(fake_logits)))


def non_saturating_g_loss(fake_logits):
    """Non-saturating generator loss: -log D(G(z)) (Goodfellow 2014, §3)."""
    return ops.mean(ops.softplus(-_f32(fake_logits)))


def least_squares_d_loss(real_logits, fake_logits):
    """LSGAN discriminator loss (Mao 2017, a=0, b=1): (D(x) - 1)² + D(G(z))²."""
    return ops.mean(ops.square(_f32(real_logits) - 1.0)) + ops.mean(ops.square(_f32(fake_logits)))


def least_squares_g_loss(fake_logits):
    """LSGAN generator loss (Mao 2017, c=1): (D(G(z)) - 1)²."""
    return ops.mean(ops.square(_f32(fake_logits) - 1.0))


def hinge_d_loss(real_logits, fake_logits):
    """Hinge discriminator loss (Lim & Ye 2017; Miyato 2018)."""
    return ops.mean(ops.relu(1.0 - _f32(real_logits))) + ops.mean(ops.relu(1.0 + _f32(fake_logits)))


def hinge_g_loss(fake_logits):
    """Hinge generator loss: -D(G(z))."""
    return -ops.mean(_f32(fake_logits))


def wasserstein_d_loss(real_logits, fake_logits):
    """Critic loss of WGAN (Arjovsky 2017): D(G(z)) - D(x)."""
    return ops.mean(_f32(fake_logits)) - ops.mean(_f32(real_logits))


def wasserstein_g_loss(fake_logits):
    """Generator loss of WGAN: -D(G(z))."""
    return -ops.mean(_f32(fake_logits))


def gradient_penalty(input_grads):
    """WGAN-GP penalty (Gulrajani 2017): (||∇D(x̂)||₂ - 1)², averaged over the batch."""
    g = ops.reshape(_f32(input_grads), (ops.shape(input_grads)[0], -1))
    norm = ops.sqrt(ops.sum(ops.square(g), axis=1) + 1e-12)
    return ops.mean(ops.square(norm - 1.0))


def r1_penalty(input_grads):
    """R1 penalty (Mescheder 2018): ||∇D(x)||², averaged over the batch (times γ/2 by the caller)."""
    g = ops.reshape(_f32(input_grads), (ops.shape(input_grads)[0], -1))
    return ops.mean(ops.sum(ops.square(g), axis=1))


def l1_loss(a, b):
    """Mean absolute error (pix2pix L1 term, CycleGAN cycle and identity terms)."""
    return ops.mean(ops.abs(_f32(a) - _f32(b)))


def l2_loss(a, b):
    """Mean squared error (SRResNet pixel loss)."""
    return ops.mean(ops.square(_f32(a) - _f32(b)))


D_LOSSES = {
    "logistic": logistic_d_loss,
    "least_squares": least_squares_d_loss,
    "hinge": hinge_d_loss,
    "wasserstein": wasserstein_d_loss,
}
G_LOSSES = {
    "non_saturating": non_saturating_g_loss,
    "minimax": minimax_g_loss,
    "least_squares": least_squares_g_loss,
    "hinge": hinge_g_loss,
    "wasserstein": wasserstein_g_loss,
}


#: One name for a matching pair `(d_loss, g_loss)`, as the builders' `loss=` takes it.
#: "logistic" and "non_saturating" are the same pair (the logistic discriminator loss with the
#: non-saturating generator loss, Goodfellow 2014 §3); "minimax" pairs it with the saturating one.
LOSS_PAIRS = {
    "logistic": ("logistic", "non_saturating"),
    "non_saturating": ("logistic", "non_saturating"),
    "minimax": ("logistic", "minimax"),
    "least_squares": ("least_squares", "least_squares"),
    "hinge": ("hinge", "hinge"),
    "wasserstein": ("wasserstein", "wasserstein"),
}


def loss_pair(loss=None, d_loss=None, g_loss=None, default="non_saturating"):
    """The `(d_loss, g_loss)` names from a builder's `loss=` or `d_loss=`/`g_loss=` arguments.

    `loss` names a pair (`LOSS_PAIRS`); `d_loss`/`g_loss` pick each side (a side left out
    takes the pair of `default`). Giving `loss` with either of the others is an error.
    Hyphens are accepted for underscores ("least-squares", "non-saturating").

    Args:
        loss: str or None. A key of `LOSS_PAIRS`. Defaults to None.
        d_loss: str or None. A key of `D_LOSSES`. Defaults to None.
        g_loss: str or None. A key of `G_LOSSES`. Defaults to None.
        default: str. The pair used for what is not given. Defaults to `"non_saturating"`.

    Example:
    ```python
    loss_pair(loss="hinge")                      # ('hinge', 'hinge')
    loss_pair(g_loss="minimax")                  # ('logistic', 'minimax')
    loss_pair(loss="least-squares")              # ('least_squares', 'least_squares')
    ```
    """
    def norm(name, value, choices):
        if value is None:
            return None
        if isinstance(value, str):
            value = value.replace("-", "_").lower()
        return arguments.one_of(name, value, tuple(choices))

    loss = norm("loss", loss, LOSS_PAIRS)
    d_loss = norm("d_loss", d_loss, D_LOSSES)
    g_loss = norm("g_loss", g_loss, G_LOSSES)
    if loss is not None and (d_loss is not None or g_loss is not None):
        raise ValueError("Pass either `loss` (a pair) or `d_loss`/`g_loss`, not both. "
                         f"Received: loss={loss!r}, d_loss={d_loss!r}, g_loss={g_loss!r}")
    d_default, g_default = LOSS_PAIRS[loss or default]
    return d_loss or d_default, g_loss or g_default


def get_d_loss(name):
    """Look up a discriminator loss by name (see `D_LOSSES`)."""
    return _lookup(D_LOSSES, name, "d_loss")


def get_g_loss(name):
    """Look up a generator loss by name (see `G_LOSSES`)."""
    return _lookup(G_LOSSES, name, "g_loss")


def _lookup(table, name, arg):
    if callable(name):
        return name
    if name not in table:
        raise ValueError(
            f"Unknown `{arg}`. Expected one of {sorted(table)} or a callable. "
            f"Received: {arg}={name!r}"
        )
    return table[name]
