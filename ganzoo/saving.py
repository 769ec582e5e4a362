"""`ganzoo.load_model`: load a `.keras` file safely and check that it holds a ganzoo model.

Files ganzoo writes (`save_atomic`: `ganzoo train`'s `model.keras` and `generator.keras`)
record the Keras backend they were saved under in the archive's `metadata.json`
(`"backend"`, beside Keras' own `keras_version` and `date_saved`), so that
`ganzoo sample / translate / upscale` can prefer it (`ganzoo.cli.saved_backend`), also for
a network saved alone.
"""
import json
import os
import shutil
import zipfile

import keras

from ganzoo.atomic import write_atomic

#: The member of a `.keras` archive holding Keras' metadata (keras/src/saving/saving_lib.py).
METADATA_FILE = "metadata.json"


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

    The archive's `metadata.json` also records the Keras backend it was saved under
    (`record_backend`).

    Example:
    ```python
    gan = ganzoo.get("gan", data_shape=(2,))
    ganzoo.saving.save_atomic(gan, "runs/gan/model.keras")
    ```
    """
    def write(tmp):
        obj.save(tmp)
        record_backend(tmp)

    return write_atomic(path, write)


def record_backend(path, backend=None):
    """Write `"backend"` into the `metadata.json` of the `.keras` archive at `path`.

    Keras' metadata holds `keras_version` and `date_saved`; the backend a file was saved
    under is what `ganzoo sample / translate / upscale` start Keras with when it is
    installed (`ganzoo.cli.saved_backend`, which reads it without importing Keras). The
    archive is rewritten beside itself and moved into place; every other member is copied
    unchanged.

    Args:
        path: str or path-like. A `.keras` archive written by `save`.
        backend: str or `None`. The backend to record; `None` is the running one
            (`keras.config.backend()`). Defaults to `None`.

    Example:
    ```python
    generator.save("generator.keras")
    ganzoo.saving.record_backend("generator.keras")  # metadata.json: {..., "backend": "jax"}
    ```
    """
    path = os.fspath(path)
    backend = keras.config.backend() if backend is None else str(backend)
    tmp = path + ".backend.tmp"
    try:
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as out:
            names = src.namelist()
            metadata = json.loads(src.read(METADATA_FILE)) if METADATA_FILE in names else {}
            metadata["backend"] = backend
            out.writestr(METADATA_FILE, json.dumps(metadata))
            for info in src.infolist():
                if info.filename == METADATA_FILE:
                    continue
                copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
                with src.open(info) as a, out.open(copy, "w", force_zip64=info.file_size >= 2 ** 31) as b:
                    shutil.copyfileobj(a, b, 1 << 20)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path

