"""TensorBoard image summaries for `ganzoo.callbacks.SampleGrid(tensorboard_dir=...)`.

Written with `tf.summary`, as `keras.callbacks.TensorBoard` writes its scalars on every
Keras backend: TensorFlow (and the `tensorboard` package) are needed for this feature
only, imported when a writer is made. Event files are append-only logs that TensorBoard
reads while they grow; they are written by TensorFlow, not replaced atomically.
"""


def _tf():
    try:
        import tensorflow as tf
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            "SampleGrid(tensorboard_dir=...) writes TensorBoard summaries with TensorFlow, on every "
            f"Keras backend. Install it with `pip install tensorflow-cpu tensorboard`. Original error: {e}"
        ) from e
    return tf


class ImageWriter:
    """Writes images into a TensorBoard log folder.

    Args:
        logdir: str. The folder (created if missing); point TensorBoard at it or a parent.

    Example:
    ```python
    writer = ImageWriter("logs/samples")
    writer.write("samples", grid, step=1)   # grid: (H, W, C) floats in [0, 1]
    writer.close()
    ```
    """

    def __init__(self, logdir):
        self._tf = _tf()
        self.logdir = logdir
        self._writer = self._tf.summary.create_file_writer(logdir)

    def write(self, tag, image, step, description=None):
        """Write one `(H, W, C)` image in [0, 1] (C = 1 or 3) under `tag` at `step`."""
        tf = self._tf
        with self._writer.as_default():
            tf.summary.image(tag, tf.convert_to_tensor(image[None], dtype=tf.float32), step=int(step),
                             description=description)
        self._writer.flush()

    def close(self):
        self._writer.close()
