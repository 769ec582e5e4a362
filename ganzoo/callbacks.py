"""Keras callbacks for GAN training."""
import os

import keras
import numpy as np

from ganzoo import plotting
from ganzoo.backend import sync_state


class SampleGrid(keras.callbacks.Callback):
    """Write a PNG grid of generated samples every `every` epochs.

    The same noise (from `seed`) is used at every epoch, so the grids show how the
    generator's output for fixed inputs evolves. Models with a `preview(n, seed)`
    method (image-to-image models) are shown through it; otherwise `generate(n)` is
    used. 2-D samples (the `ring`/`grid` mixtures) are drawn as a scatter plot.

    Args:
        out_dir: str. Folder for the PNG files (created if missing).
        every: int. Epoch interval. Defaults to 1.
        num_samples: int. Images per grid (points per scatter: 20x this). Defaults to 64.
        seed: int. Seed of the fixed noise. Defaults to 0.
        filename: str. Format string with `{epoch}` (1-based). Defaults to
            `"samples_epoch{epoch:04d}.png"`.

    Example:
    ```python
    gan = ganzoo.get("dcgan", image_shape=(16, 16, 1), filters=16)
    gan.fit(ganzoo.data.load("digits", image_size=16), batch_size=64, epochs=2,
            callbacks=[ganzoo.callbacks.SampleGrid("out/")])
    ```
    """

    def __init__(self, out_dir, every=1, num_samples=64, seed=0, filename="samples_epoch{epoch:04d}.png"):
        super().__init__()
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"`every` must be a positive int. Received: every={every!r}")
        if not isinstance(num_samples, int) or num_samples < 1:
            raise ValueError(f"`num_samples` must be a positive int. Received: num_samples={num_samples!r}")
        self.out_dir = os.fspath(out_dir)
        self.every = every
        self.num_samples = num_samples
        self.seed = seed
        self.filename = filename
        self.paths = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self.paths.append(self.write(epoch + 1))

    def write(self, epoch):
        """Write the grid for `epoch` now and return its path."""
        sync_state(self.model)  # JAX keeps the training state outside the variables
        path = os.path.join(self.out_dir, self.filename.format(epoch=epoch))
        title = f"{self.model.name} - epoch {epoch}"
        if hasattr(self.model, "preview"):
            return plotting.save_image_grid(self.model.preview(self.num_samples, seed=self.seed), path, title=title)
        samples = self.model.generate(
            self.num_samples * (20 if _is_vector_model(self.model) else 1), seed=self.seed
        )
        if samples.ndim == 2 and samples.shape[1] == 2:
            return plotting.save_scatter(samples, path, title=title)
        return plotting.save_image_grid(samples, path, title=title)


def _is_vector_model(model):
    shape = getattr(model, "sample_shape", None)
    return shape is not None and len(shape) == 1


__all__ = ["SampleGrid"]
