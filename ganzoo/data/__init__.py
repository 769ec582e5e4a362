"""Datasets for ganzoo: embedded offline datasets and TensorFlow Datasets.

Importing this package does not import TensorFlow; only loading a TensorFlow
Datasets name (or building a `tf.data` pipeline from folders) does. The loaders here
check their arguments and find the data; the TensorFlow code of their pipelines is in
`ganzoo.data.tfdata`.
"""
from ganzoo.data.embedded import MIXTURE_STD
from ganzoo.data.embedded import grid_modes
from ganzoo.data.embedded import ring_modes
from ganzoo.data.embedded_pairs import load_digit_domains
from ganzoo.data.embedded_pairs import load_photo_pairs
from ganzoo.data.embedded_pairs import occlude_and_noise
from ganzoo.data.embedded_pairs import restyle_digits
from ganzoo.data.image2image import load_cycle_gan
from ganzoo.data.image2image import load_image_folder
from ganzoo.data.image2image import load_paired_folder
from ganzoo.data.image2image import load_paired_folders
from ganzoo.data.image2image import load_unpaired_folders
from ganzoo.data.image2image import paired_jitter
from ganzoo.data.image2image import random_jitter
from ganzoo.data.image2image import zip_unpaired
from ganzoo.data.images import check_images
from ganzoo.data.images import scale_images
from ganzoo.data.kinds import DATA_KINDS
from ganzoo.data.kinds import TrainingData
from ganzoo.data.kinds import load_for_training
from ganzoo.data.loading import list_datasets
from ganzoo.data.loading import load
from ganzoo.data.mnist_digits import load_mnist_digits
from ganzoo.data.super_resolution import bicubic_downsample
from ganzoo.data.super_resolution import bicubic_upsample
from ganzoo.data.super_resolution import load_div2k
from ganzoo.data.super_resolution import load_folder as load_hr_folder
from ganzoo.data.super_resolution import load_photos
from ganzoo.data.super_resolution import random_crop_pairs

__all__ = [
    "DATA_KINDS",
    "MIXTURE_STD",
    "TrainingData",
    "bicubic_downsample",
    "bicubic_upsample",
    "check_images",
    "grid_modes",
    "list_datasets",
    "load",
    "load_cycle_gan",
    "load_digit_domains",
    "load_for_training",
    "load_mnist_digits",
    "load_div2k",
    "load_hr_folder",
    "load_image_folder",
    "load_paired_folder",
    "load_paired_folders",
    "load_photo_pairs",
    "load_photos",
    "load_unpaired_folders",
    "occlude_and_noise",
    "paired_jitter",
    "random_crop_pairs",
    "random_jitter",
    "restyle_digits",
    "ring_modes",
    "scale_images",
    "zip_unpaired",
]
