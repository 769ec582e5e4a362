"""What image-to-image models share: `(A, B)` batches, `translate`, shape checks."""
import numpy as np
from keras import ops

from ganzoo import arguments, validation
from ganzoo.backend import sync_state
from ganzoo.gan import AdversarialModel, checked_images
from ganzoo.guards import BatchChecks
from ganzoo.layers import check_norm

DIRECTIONS = ("a_to_b", "b_to_a")


def check_translation_shape(image_shape, arg="image_shape", multiple=4, min_size=8):
    """Validate `(H, W, C)`: H and W multiples of `multiple` and >= `min_size`, C in 1..4."""
    return arguments.image_shape(arg, image_shape, channels=(1, 2, 3, 4), min_size=min_size, multiple=multiple)


def check_translation_args(channels, channels_b, filters, disc_filters, norm):
    """The builder arguments pix2pix and cyclegan share; returns `channels_b` (None: `channels`)."""
    channels_b = channels if channels_b is None else arguments.int_in_range("channels_b", channels_b, 1, 4)
    arguments.positive_int("filters", filters)
    arguments.positive_int("disc_filters", disc_filters)
    check_norm(norm)
    return channels_b


class ImageTranslationModel(AdversarialModel):
    """Base of `Pix2Pix` and `CycleGAN`: batches are `(A, B)`; `call` translates A→B.

    Subclasses set `_generators = {"a_to_b": attr, ...}` and the two image shapes.
    """

    _generators = {}

    def __init__(self, *, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        # A and B batch sizes are checked inside the step for every batch (ganzoo.guards).
        self.batch_checks = BatchChecks(name="batch_checks")

    @property
    def image_shape_a(self):
        return tuple(getattr(self, self._generators["a_to_b"]).inputs[0].shape[1:])

    @property
    def image_shape_b(self):
        return tuple(getattr(self, self._generators["a_to_b"]).outputs[0].shape[1:])

    def call(self, images, training=False):
        return getattr(self, self._generators["a_to_b"])(images, training=training)

    @classmethod
    def shapes_from_batch(cls, batch):
        a, b = cls.split_pair(batch)
        shape_a, shape_b = checked_images(a, "A"), checked_images(b, "B")
        return {"image_shape": shape_a, "channels_b": shape_b[-1]}

    def unpack_pair(self, data):
        """`(A, B)` from a batch: a pair, `((A, B),)` or a dict with `"a"` and `"b"`."""
        a, b = self.split_pair(data)
        self._check_static_shape(a, self.image_shape_a, "A")
        self._check_static_shape(b, self.image_shape_b, "B")
        return a, b

    def training_pair(self, data):
        """`unpack_pair`, and in-graph: record unequal A and B batch sizes in `batch_checks`.

        `fit` checks its first batch on the host; a zip of datasets of unequal length can end
        on batches of different sizes. Both are then cut to the smaller size so that the step
        itself does not fail, and `ganzoo.guards.CheckBatches` raises after it.
        """
        a, b = self.unpack_pair(data)
        if not self.check_inputs:
            return a, b
        na, nb = ops.shape(a)[0], ops.shape(b)[0]
        static = isinstance(na, int) and isinstance(nb, int)
        self.batch_checks.record([(BatchChecks.PAIR, na != nb if static else ops.not_equal(na, nb), na, nb)])
        if static and na == nb:
            return a, b
        n = min(na, nb) if static else ops.minimum(na, nb)
        return a[:n], b[:n]

    @classmethod
    def split_pair(cls, data):
        """`(A, B)` from a batch, without checking shapes."""
        if isinstance(data, dict):
            if not {"a", "b"} <= set(data):
                raise ValueError(
                    f"A dict batch needs 'a' and 'b' entries. Received keys: {sorted(data)}"
                )
            a, b = data["a"], data["b"]
        else:
            if isinstance(data, (tuple, list)) and len(data) == 1 and isinstance(data[0], (tuple, list)):
                data = data[0]
            if not isinstance(data, (tuple, list)) or len(data) < 2:
                raise ValueError(
                    f"{cls.__name__} trains on (A, B) image pairs, e.g. fit(images_a, images_b) "
                    f"or a dataset of (a, b) tuples. Received: a batch of type {type(data).__name__}"
                )
            a, b = data[0], data[1]
        return a, b

    def validate_batch(self, batch):
        """Check a numpy `(A, B)` batch before `fit` trains: shapes, dtype, range, pairing."""
        a, b = self.unpack_pair(batch)
        validation.check_samples(a, self.image_shape_a, name="A")
        validation.check_samples(b, self.image_shape_b, name="B")
        if a.shape[0] != b.shape[0]:
            raise ValueError(
                f"{type(self).__name__} needs as many B images as A images in each batch "
                f"(zip the two datasets). Received: A.shape={tuple(a.shape)}, B.shape={tuple(b.shape)}"
            )

    def _check_static_shape(self, x, expected, which):
        # Runs while the step is traced, i.e. before any update: a mismatch is a clear
        # ValueError instead of a backend error deep inside a convolution.
        shape = tuple(x.shape)
        bad = len(shape) != 4 or any(
            s is not None and e is not None and int(s) != int(e) for s, e in zip(shape[1:], expected)
        )
        if bad:
            raise ValueError(
                f"{type(self).__name__} expects {which} images of shape (batch,) + {expected}. "
                f"Received: {which} batch of shape {shape}"
            )

    def translate(self, images, direction="a_to_b", batch_size=32):
        """Translate images in [-1, 1] and return a float32 numpy array in [-1, 1].

        Args:
            images: array. `(N, H, W, C)` images of the source domain, in [-1, 1].
            direction: str. `"a_to_b"` or `"b_to_a"` (the latter only for models with a
                B→A generator). Defaults to `"a_to_b"`.
            batch_size: int. Generator batch size. Defaults to 32.

        Example:
        ```python
        model = ganzoo.get("cyclegan", image_shape=(32, 32, 3))
        b = model.translate(a, direction="a_to_b")
        ```
        """
        if direction not in self._generators:
            raise ValueError(
                f"{type(self).__name__} translates in the directions {tuple(self._generators)}. "
                f"Received: direction={direction!r}"
            )
        arguments.positive_int("batch_size", batch_size)
        generator = getattr(self, self._generators[direction])
        expected = tuple(generator.inputs[0].shape[1:])
        images = np.asarray(images)
        if images.ndim == 3 and tuple(images.shape) == expected:
            images = images[None]
        if images.ndim != 4 or tuple(images.shape[1:]) != expected or not np.issubdtype(images.dtype, np.number):
            raise ValueError(
                f"`images` for direction {direction!r} must be numeric (N,) + {expected} arrays in [-1, 1]. "
                f"Received: images with shape {images.shape} and dtype {images.dtype}"
            )
        sync_state(self)
        out = generator.predict(images.astype("float32"), batch_size=batch_size, verbose=0)
        return np.asarray(out, dtype="float32")

    def preview(self, inputs):
        """Images for a PNG grid: one row per input, `[A, A→B]` (CycleGAN adds `A→B→A`).

        Args:
            inputs: array. `(N, H, W, C)` A images in [-1, 1].

        Returns:
            `(images, ncols)`: `(N * ncols, H, W, C')` images in [-1, 1], row-major, with
            gray columns repeated to RGB when another column is RGB.

        Example:
        ```python
        images, ncols = model.preview(a[:8])
        ganzoo.plotting.save_image_grid(images, "preview.png", ncols=ncols)
        ```
        """
        columns = [np.asarray(inputs, dtype="float32"), self.translate(inputs, "a_to_b")]
        if "b_to_a" in self._generators:
            columns.append(self.translate(columns[1], "b_to_a"))
        return interleave_columns(columns)

    def example_inputs(self, num_examples, seed=0):
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, (num_examples,) + self.image_shape_a).astype("float32")

    def example_data(self, num_examples, seed=0):
        rng = np.random.default_rng(seed)
        a = rng.uniform(-1, 1, (num_examples,) + self.image_shape_a).astype("float32")
        b = rng.uniform(-1, 1, (num_examples,) + self.image_shape_b).astype("float32")
        return a, b



def interleave_columns(columns):
    """`[(N, H, W, C_i), ...]` -> `((N * k, H, W, C), k)`: row `i` is `columns[j][i]`, j < k."""
    channels = max(c.shape[-1] for c in columns)
    columns = [np.repeat(c, channels, axis=-1) if c.shape[-1] == 1 and channels == 3 else c for c in columns]
    stacked = np.stack(columns, axis=1)  # (N, k, H, W, C)
    return stacked.reshape((-1,) + stacked.shape[2:]), len(columns)
