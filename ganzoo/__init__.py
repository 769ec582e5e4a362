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
"""
import importlib

from ganzoo.version import __version__

_SUBMODULES = ("backend", "callbacks", "data", "losses", "metrics", "models", "plotting", "registry")
_ATTRIBUTES = {
    "AdversarialModel": "ganzoo.gan",
    "GAN": "ganzoo.gan",
    "get": "ganzoo.registry",
    "get_builder": "ganzoo.registry",
    "list_models": "ganzoo.registry",
    "register": "ganzoo.registry",
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
