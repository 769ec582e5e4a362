"""Datasets for ganzoo: embedded offline datasets and TensorFlow Datasets.

Importing this package does not import TensorFlow; only loading a TensorFlow
Datasets name does.
"""
from ganzoo.data.embedded import MIXTURE_STD
from ganzoo.data.embedded import grid_modes
from ganzoo.data.embedded import ring_modes
from ganzoo.data.images import check_images
from ganzoo.data.images import scale_images
from ganzoo.data.loading import list_datasets
from ganzoo.data.loading import load

__all__ = [
    "MIXTURE_STD",
    "check_images",
    "grid_modes",
    "list_datasets",
    "load",
    "ring_modes",
    "scale_images",
]
