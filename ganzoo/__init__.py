"""ganzoo: a Keras 3 model zoo of GAN variants that train with `model.fit`.

Example:
```python
import ganzoo
gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))
gan.fit(ganzoo.data.load("digits", image_size=32), batch_size=64, epochs=5)
images = gan.generate(16)
```

Attributes are imported on first use (PEP 562), so that `import ganzoo.cli` does not import
Keras: the command line must choose the Keras backend before Keras is imported.

The classes a `.keras` file may name (`ganzoo>GAN`, `ganzoo>ReflectionPadding2D`, ...) are
registered with Keras as soon as both are imported, in either order: after `import ganzoo`,
`keras.saving.load_model("model.keras")` works with no further import.
"""
import importlib
import importlib.abc
import importlib.util
import sys

from ganzoo.version import __version__

_SUBMODULES = ("backend", "callbacks", "data", "guards", "losses", "metrics", "models", "plotting", "registry",
               "resume", "validation")
_ATTRIBUTES = {
    "AdversarialModel": "ganzoo.gan",
    "GAN": "ganzoo.gan",
    "get": "ganzoo.models",
    "get_builder": "ganzoo.models",
    "list_models": "ganzoo.models",
    "load_model": "ganzoo.saving",
    "register": "ganzoo.models",
}

__all__ = ["__version__", *_SUBMODULES, *_ATTRIBUTES]


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"ganzoo.{name}")
    elif name in _ATTRIBUTES:
        module = getattr(importlib.import_module(_ATTRIBUTES[name]), name)
    else:
        raise AttributeError(f"module 'ganzoo' has no attribute {name!r}")
    globals()[name] = module
    return module


def __dir__():
    return sorted(__all__)


# ------------------------------------------------------------- Keras registration
# Modules whose import registers every class a saved ganzoo model or network may name.
_SERIALIZABLE_MODULES = ("ganzoo.models", "ganzoo.metrics.digits_classifier")


def _register_keras_classes():
    try:
        for name in _SERIALIZABLE_MODULES:
            importlib.import_module(name)
    except ImportError:  # a Keras backend ganzoo does not train on (numpy, openvino)
        pass


class _RegisterAfterKeras(importlib.abc.MetaPathFinder):
    """Registers ganzoo's classes right after the first `import keras` of the process.

    Importing Keras here would fix its backend before `ganzoo.cli` could choose one, so
    instead this finder wraps the loading of the `keras` package: once Keras has run,
    the ganzoo modules defining the serializable classes are imported.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        sys.meta_path.remove(self)  # one use; the lookup below must not find itself
        spec = importlib.util.find_spec("keras")
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader = spec.loader
        exec_keras = loader.exec_module

        def exec_module(module):
            exec_keras(module)
            _register_keras_classes()

        loader.exec_module = exec_module
        return spec


if "keras" in sys.modules:
    _register_keras_classes()
else:
    sys.meta_path.insert(0, _RegisterAfterKeras())
