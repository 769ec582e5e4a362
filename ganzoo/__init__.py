"""ganzoo: a Keras 3 model zoo of GAN variants that train with `model.fit`.

Example:
```python
import ganzoo
gan = ganzoo.get("dcgan", image_shape=(32, 32, 1))
gan.fit(ganzoo.data.load("digits", image_size=32), batch_size=64, epochs=5)
images = gan.generate(16)
```
"""
from ganzoo.version import __version__
from ganzoo import backend, callbacks, data, losses, metrics, plotting
from ganzoo.gan import GAN, AdversarialModel
from ganzoo.registry import get, get_builder, list_models, register
from ganzoo import models  # noqa: F401  (registers the builders)

__all__ = [
    "AdversarialModel",
    "GAN",
    "__version__",
    "backend",
    "callbacks",
    "data",
    "get",
    "get_builder",
    "list_models",
    "losses",
    "metrics",
    "plotting",
    "register",
]
