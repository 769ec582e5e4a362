"""One module per GAN family; importing them registers their builders."""
from ganzoo.models import cgan, cyclegan, dcgan, pix2pix, srgan, vanilla  # noqa: F401
