"""ganzoo: a Keras 3 model zoo of GAN variants."""
from ganzoo.version import __version__
