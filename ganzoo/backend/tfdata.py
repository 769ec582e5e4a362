"""Moved to `ganzoo.data.tfdata` (the tf.data input pipelines live with the data).

This module re-exports it for one release; import `ganzoo.data.tfdata` instead.
"""
from ganzoo.data.tfdata import SHUFFLE_BUFFER  # noqa: F401
from ganzoo.data.tfdata import aligned_pairs  # noqa: F401
from ganzoo.data.tfdata import cycle_gan  # noqa: F401
from ganzoo.data.tfdata import div2k_crops  # noqa: F401
from ganzoo.data.tfdata import image_folder  # noqa: F401
from ganzoo.data.tfdata import paired_jitter  # noqa: F401
from ganzoo.data.tfdata import paired_random_crop  # noqa: F401
from ganzoo.data.tfdata import random_jitter  # noqa: F401
from ganzoo.data.tfdata import side_by_side_pairs  # noqa: F401
from ganzoo.data.tfdata import tfds_images  # noqa: F401
from ganzoo.data.tfdata import unpaired_folders  # noqa: F401
from ganzoo.data.tfdata import zip_unpaired  # noqa: F401
