"""One module per GAN family; importing them registers their builders."""
from ganzoo.models import cgan, dcgan, vanilla  # noqa: F401
