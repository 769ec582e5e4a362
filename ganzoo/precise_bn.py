"""Precise BatchNorm: population statistics for every BatchNorm of a trained model.

Used after training SRGAN/SRResNet (docs/models/srgan.md), and by any model whose
BatchNorm moving averages are noisy.
"""
import keras
from keras import layers, ops


def precise_batch_norm(model, batches, *, steps=None):
    """Re-estimate every BatchNorm's moving statistics as population statistics ("precise BN").

    The moving averages a BatchNorm keeps during training follow the last few hundred
    batches, of weights that kept changing, and are noisy when batches are small and
    unlike each other (SRResNet's batches of a few crops of very different photos).
    After training, this runs `model` in training mode (every BatchNorm normalises with
    its batch statistics, as it did while training) over `batches`, and writes the
    mean and variance of each BatchNorm's inputs over *all* of them (pooled over every
    batch, position and image: the population statistics) into `moving_mean` and
    `moving_variance`. Wu & Johnson 2021 ("Rethinking 'Batch' in BatchNorm") call this
    precise BatchNorm. Weights are not changed.

    `model` must be a functional `keras.Model` whose BatchNormalization layers are its
    own layers (not inside a nested model).

    Args:
        model: keras.Model. A functional model, e.g. SRResNet's generator.
        batches: iterable. Model inputs, or `(inputs, targets, ...)` tuples whose first
            element is the input (e.g. a `ganzoo.data.super_resolution.CropPairs`).
        steps: int. Use at most this many batches. Defaults to `None` (all of them).

    Returns:
        int: the number of batches used.

    Example:
    ```python
    model = ganzoo.get("srgan", content_loss="mse", warmup_steps=2000)
    model.fit(crops, epochs=10)
    ganzoo.precise_bn.precise_batch_norm(model.generator, crops, steps=100)
    ```
    """
    import numpy as np

    bns = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    def has_batch_norm(m):
        return any(isinstance(sub, layers.BatchNormalization)
                   or (isinstance(sub, keras.Model) and has_batch_norm(sub)) for sub in m.layers)

    for layer in model.layers:
        if isinstance(layer, keras.Model) and has_batch_norm(layer):
            raise ValueError(
                "precise_batch_norm handles BatchNormalization layers of `model` itself, not of "
                f"nested models. Received: a nested model {layer.name!r} with BatchNormalization"
            )
    if not bns:
        return 0
    if not hasattr(model, "inputs") or not model.inputs:
        raise ValueError(f"precise_batch_norm needs a functional keras.Model. Received: model={model!r}")
    # One pass gives every BatchNorm's input: each one normalises with its batch
    # statistics in training mode, so no layer's input depends on moving statistics.
    probe = keras.Model(model.input, [bn.input for bn in bns])
    stats = [(0.0, 0.0, 0.0)] * len(bns)  # per BatchNorm: count, mean, sum of squared deviations
    used = 0
    for batch in batches:
        if steps is not None and used >= steps:
            break
        x = batch[0] if isinstance(batch, (tuple, list)) else batch
        outs = probe(x, training=True)
        outs = [outs] if len(bns) == 1 else outs
        for i, (bn, h) in enumerate(zip(bns, outs)):
            h = ops.cast(h, "float32")
            axis = bn.axis % len(h.shape)
            reduce = [a for a in range(len(h.shape)) if a != axis]
            n_b = float(np.prod([ops.shape(h)[a] for a in reduce]))
            mean_b = ops.mean(h, axis=reduce, keepdims=True)
            m2_b = np.asarray(ops.convert_to_numpy(ops.sum(ops.square(h - mean_b), axis=reduce)), "float64")
            mean_b = np.asarray(ops.convert_to_numpy(ops.reshape(mean_b, (-1,))), "float64")
            # Chan et al.'s pairwise update: exact pooled moments without E[x²] - E[x]² cancellation.
            n_a, mean_a, m2_a = stats[i]
            n = n_a + n_b
            delta = mean_b - mean_a
            stats[i] = (n, mean_a + delta * n_b / n, m2_a + m2_b + delta**2 * n_a * n_b / n)
        used += 1
    if not used:
        raise ValueError("precise_batch_norm needs at least one batch. Received: an empty `batches`")
    for bn, (n, mean, m2) in zip(bns, stats):
        bn.moving_mean.assign(mean.astype(bn.moving_mean.dtype))
        bn.moving_variance.assign((m2 / n).astype(bn.moving_variance.dtype))
    return used
