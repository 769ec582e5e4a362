"""`ganzoo.load_model`: load a `.keras` file safely and check that it holds a ganzoo model."""
import os
import zipfile

import keras


def load_model(path, *, custom_objects=None, compile=True, require_ganzoo=True):
    """Load a model saved with `model.save(...)`, never running code from the file.

    Keras' `safe_mode=True` is always on: a file whose config holds a `Lambda` layer
    (serialized Python bytecode) is refused instead of executed. Then the loaded object
    must be a ganzoo model (an `AdversarialModel`), unless `require_ganzoo=False`
    (e.g. for a generator saved alone).

    Args:
        path: str or path-like. A `.keras` file.
        custom_objects: dict. Extra classes/functions the config refers to. Defaults to `None`.
        compile: bool. Restore the optimizers and their state. Defaults to `True`.
        require_ganzoo: bool. Refuse anything but a ganzoo model. Defaults to `True`.

    Example:
    ```python
    gan = ganzoo.get("dcgan", image_shape=(16, 16, 1), filters=8)
    gan.save("dcgan.keras")
    gan = ganzoo.load_model("dcgan.keras")
    ```
    """
    from ganzoo.gan import AdversarialModel

    spath = os.fspath(path)
    if not str(spath).endswith(".keras"):
        raise ValueError(f"`path` must be a `.keras` file saved by `model.save`. Received: path={spath!r}")
    if not os.path.exists(spath):
        raise ValueError(f"No such file. Received: path={spath!r}")
    if not zipfile.is_zipfile(spath):
        raise ValueError(f"`path` is not a `.keras` archive (not a zip file: damaged or truncated?). "
                         f"Received: path={spath!r}")
    try:
        model = keras.saving.load_model(spath, custom_objects=custom_objects, compile=compile, safe_mode=True)
    except Exception as e:
        if isinstance(e, ValueError) and ("safe_mode" in str(e) or "Lambda" in str(e) or "unsafe" in str(e).lower()):
            raise ValueError(
                f"Refusing to load {spath!r}: it contains serialized Python code (e.g. a Lambda "
                "layer), which could run anything. ganzoo loads with safe_mode=True only; rebuild "
                f"the model from code and load its weights instead. Received: path={spath!r}"
            ) from e
        if isinstance(e, (KeyboardInterrupt, MemoryError)):
            raise
        # A damaged archive fails anywhere in Keras' loader (zip CRC, JSON, HDF5, a missing
        # member, a config that does not build): one line naming the file.
        raise ValueError(
            f"Cannot load {spath!r}: the file is damaged or is not a complete .keras model saved by "
            f"`model.save` ({_one_line(e)}). Received: path={spath!r}"
        ) from e
    if require_ganzoo and not isinstance(model, AdversarialModel):
        raise ValueError(
            f"{spath!r} holds a {type(model).__module__}.{type(model).__name__}, not a ganzoo model "
            "(a ganzoo.AdversarialModel such as ganzoo.GAN). Load it with keras.saving.load_model, "
            f"or pass require_ganzoo=False. Received: path={spath!r}"
        )
    return model


def _one_line(error):
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    text = lines[0] if lines else ""
    if len(text) > 200:
        text = text[:200] + "..."
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def save_atomic(obj, path):
    """`obj.save(path)` through a temporary file moved into place: `path` is whole or absent.

    A kill during the write leaves the previous file (or none), never a torn archive.

    Args:
        obj: keras.Model. What to save (a ganzoo model or one of its networks).
        path: str or path-like. The `.keras` file to write.

    Example:
    ```python
    gan = ganzoo.get("gan", data_shape=(2,))
    ganzoo.saving.save_atomic(gan, "runs/gan/model.keras")
    ```
    """
    path = os.fspath(path)
    tmp = path[: -len(".keras")] + f".tmp{os.getpid()}.keras"
    try:
        obj.save(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
