"""One module per GAN family; importing them registers their builders."""
from ganzoo.models import cyclegan, dcgan, pix2pix, vanilla  # noqa: F401
from ganzoo.models import srgan  # noqa: F401
