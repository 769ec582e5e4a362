"""One module per GAN family; importing them registers their builders."""
from ganzoo.models import dcgan, vanilla  # noqa: F401
from ganzoo.models import srgan  # noqa: F401
