"""Adversarial and reconstruction losses as small pure `keras.ops` functions.

Every function casts its inputs to float32 first, so losses stay in float32 under
mixed precision. Logits are raw discriminator outputs (no sigmoid).
"""
from keras import ops


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
