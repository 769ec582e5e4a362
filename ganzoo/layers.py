"""Building blocks shared by several ganzoo models (keras.ops only)."""
import keras
from keras import ops


@keras.saving.register_keras_serializable(package="ganzoo")
class SubPixelUpsampling(keras.layers.Layer):
    """Sub-pixel convolution's pixel shuffle (Shi et al. 2016): depth to space.

    Rearranges `(batch, H, W, C * r * r)` into `(batch, H * r, W * r, C)`, with the
    channel ordering of TensorFlow's `depth_to_space`: output pixel `(h*r + i, w*r + j)`
    channel `c` is input channel `(i*r + j) * C + c`. Written with `ops.reshape` and
    `ops.transpose` so it is the same on every backend.

    Args:
        scale: int. Upsampling factor `r` of each spatial axis. Defaults to 2.

    Example:
    ```python
    x = keras.random.normal((1, 8, 8, 256))
    y = ganzoo.layers.SubPixelUpsampling(2)(x)  # (1, 16, 16, 64)
    ```
    """

    def __init__(self, scale=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(scale, int) or isinstance(scale, bool) or scale < 1:
            raise ValueError(f"`scale` must be a positive int. Received: scale={scale!r}")
        self.scale = scale

    def _out_channels(self, channels):
        r2 = self.scale * self.scale
        if channels is None or channels % r2:
            raise ValueError(
                f"SubPixelUpsampling({self.scale}) needs channels divisible by {r2}. "
                f"Received: channels={channels}"
            )
        return channels // r2

    def build(self, input_shape):
        self._out_channels(input_shape[-1])

    def call(self, x):
        r = self.scale
        shape = ops.shape(x)
        h, w, c = shape[1], shape[2], x.shape[-1]
        oc = self._out_channels(c)
        x = ops.reshape(x, (-1, h, w, r, r, oc))
        x = ops.transpose(x, (0, 1, 3, 2, 4, 5))  # (b, h, i, w, j, c)
        return ops.reshape(x, (-1, h * r, w * r, oc))

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        mul = lambda d: None if d is None else d * self.scale  # noqa: E731
        return (b, mul(h), mul(w), self._out_channels(c))

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}
