"""Image-to-image data as `tf.data`: tfds `cycle_gan/*`, folders, paired and unpaired.

Every loader yields `(a, b)` batches of float32 images in [-1, 1], the form
`Pix2Pix.fit` and `CycleGAN.fit` take. Training pipelines apply the papers' random
jitter (Isola 2017, §6.2; Zhu 2017, §7.1): resize to `load_size` (286 for 256 crops),
random crop back to `image_size`, random horizontal flip; for pairs the same crop and
flip are applied to A and B.

The functions here check their arguments, list files and call `tfds.load`; the
TensorFlow ops (tf.data, tf.image, tf.io) are in `ganzoo.data.tfdata`, which imports
TensorFlow only when a pipeline is built.
"""
import os

from ganzoo import arguments
from ganzoo.data import tfdata
from ganzoo.data.tfds_loader import _import_tfds, tfds_load

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _check_int(value, arg, minimum=1, allow_none=False):
    return arguments.int_in_range(arg, value, minimum, allow_none=allow_none)


def _check_channels(channels, channels_b=None):
    """`(channels, channels_b)`, both checked to be 1 or 3; `channels_b=None` means as A."""
    channels_b = channels if channels_b is None else channels_b
    arguments.one_of("channels", channels, (1, 3))
    arguments.one_of("channels_b", channels_b, (1, 3))
    return channels, channels_b


def _no_full_batch(what, batch_size):
    return (
        f"{what} gives no full batch of batch_size={batch_size} (batches drop the "
        f"remainder). Received: batch_size={batch_size}"
    )


def _pipeline_args(image_size, jitter, batch_size, shuffle, seed, what):
    """The checked keyword arguments shared by the folder builders of `ganzoo.data.tfdata`."""
    _check_int(image_size, "image_size", 8)
    _check_int(batch_size, "batch_size")
    return dict(image_size=image_size, load_size=default_load_size(image_size), jitter=jitter,
                batch_size=batch_size, shuffle=shuffle, seed=seed,
                empty_error=_no_full_batch(what, batch_size))


def default_load_size(image_size):
    """The papers' resize before the random crop: 286 for 256, in proportion otherwise."""
    return int(round(image_size * 286 / 256))


def random_jitter(image, image_size, load_size=None, seed=None):
    """Resize to `load_size`, random-crop to `image_size`, random horizontal flip.

    Args:
        image: tensor. `(H, W, C)` float image.
        image_size: int. Output height and width.
        load_size: int. Size before cropping. Defaults to `image_size * 286 / 256`.
        seed: int. Op-level seed. Defaults to `None`.
    """
    load_size = default_load_size(image_size) if load_size is None else load_size
    return tfdata.random_jitter(image, image_size, load_size, seed)


def paired_jitter(a, b, image_size, load_size=None, seed=None):
    """`random_jitter` with the same crop and flip for A and B (channels may differ)."""
    load_size = default_load_size(image_size) if load_size is None else load_size
    return tfdata.paired_jitter(a, b, image_size, load_size, seed)


def zip_unpaired(ds_a, ds_b, *, shuffle=True, seed=None, buffer_size=1000):
    """Zip two datasets of single images into unpaired `(a, b)` examples.

    Each side is shuffled on its own (reshuffled every epoch), so an `a` meets a
    different `b` each epoch and no pairing is implied. When both sizes are known and
    differ, the shorter side is repeated so an epoch covers every image of the longer
    one (as the CycleGAN reference code does).

    Args:
        ds_a: tf.data.Dataset. Unbatched A images.
        ds_b: tf.data.Dataset. Unbatched B images.
        shuffle: bool. Shuffle each side. Defaults to True.
        seed: int. Shuffle seed (B uses `seed + 1`). Defaults to `None` (0).
        buffer_size: int. Shuffle buffer per side. Defaults to 1000.
    """
    seed = 0 if seed is None else seed
    return tfdata.zip_unpaired(ds_a, ds_b, shuffle=shuffle, seed=seed, buffer_size=buffer_size)


def load_cycle_gan(name="horse2zebra", split="train", *, image_size=256, jitter=None, batch_size=1,
                   shuffle=True, seed=None, num_samples=None, data_dir=None, download=False):
    """Loads a tfds `cycle_gan/*` dataset as unpaired `(a, b)` batches in [-1, 1].

    Args:
        name: str. The tfds config, e.g. `"horse2zebra"`, `"monet2photo"`, with or
            without the `"cycle_gan/"` prefix. Defaults to `"horse2zebra"`.
        split: str. `"train"` (trainA with trainB) or `"test"` (testA with testB).
            Defaults to `"train"`.
        image_size: int. Output size. Defaults to 256.
        jitter: bool. Random jitter; `None` means on for train, off for test (a plain
            resize). Defaults to `None`.
        batch_size: int. Defaults to 1 (the paper).
        shuffle: bool. Shuffle A and B independently. Defaults to True.
        seed: int. Shuffle and jitter seed. Defaults to `None` (0).
        num_samples: int. Cap on the images taken from each side. Defaults to `None`.
        data_dir: str. tfds data directory. Defaults to `None`.
        download: bool. Let tfds download; these machines are offline, so prepare the
            data elsewhere and pass `data_dir`. Defaults to False.

    Example:
    ```python
    ds = ganzoo.data.load_cycle_gan("horse2zebra", image_size=128, data_dir="/data/tfds")
    ganzoo.get("cyclegan", image_shape=(128, 128, 3)).fit(ds, epochs=200)
    ```
    """
    if split not in ("train", "test"):
        raise ValueError(f"`split` must be 'train' or 'test'. Received: split={split!r}")
    _check_int(image_size, "image_size", 8)
    _check_int(batch_size, "batch_size")
    _check_int(num_samples, "num_samples", allow_none=True)
    if not isinstance(name, str) or not name:
        raise ValueError(f"`name` must be a cycle_gan config name. Received: name={name!r}")
    full = name if name.startswith("cycle_gan/") else f"cycle_gan/{name}"
    jitter = split == "train" if jitter is None else bool(jitter)
    seed = 0 if seed is None else seed
    tfds = _import_tfds()
    sides = []
    for side in ("A", "B"):
        sides.append(tfds_load(tfds, full, f"{split}{side}", data_dir=data_dir, download=download,
                               shuffle_files=False))
    return tfdata.cycle_gan(sides, image_size=image_size, load_size=default_load_size(image_size),
                            jitter=jitter, num_samples=num_samples, shuffle=shuffle, seed=seed,
                            batch_size=batch_size,
                            empty_error=_no_full_batch(f"cycle_gan/{name} split={split!r}", batch_size))


def list_images(directory, arg="directory"):
    """Sorted image file paths (png, jpg, jpeg, bmp, gif) directly inside `directory`."""
    if not isinstance(directory, (str, os.PathLike)) or not os.path.isdir(directory):
        raise ValueError(f"`{arg}` must be an existing folder. Received: {arg}={directory!r}")
    files = sorted(
        os.path.join(directory, f) for f in os.listdir(directory)
        if f.lower().endswith(IMAGE_EXTENSIONS)
    )
    if not files:
        raise ValueError(
            f"`{arg}` holds no image files ({', '.join(IMAGE_EXTENSIONS)}). Received: {arg}={directory!r}"
        )
    return files


def load_image_folder(directory, *, image_size=256, channels=3, jitter=False, seed=None):
    """One folder of images as an unbatched `tf.data.Dataset` of `(S, S, C)` in [-1, 1]."""
    files = list_images(directory)
    _check_int(image_size, "image_size", 8)
    _check_channels(channels)
    return tfdata.image_folder(files, image_size=image_size, load_size=default_load_size(image_size),
                               channels=channels, jitter=jitter, seed=seed)


def load_unpaired_folders(dir_a, dir_b, *, image_size=256, channels=3, channels_b=None, jitter=True,
                          batch_size=1, shuffle=True, seed=None):
    """Two folders of unrelated images as unpaired `(a, b)` batches (CycleGAN).

    Args:
        dir_a: str. Folder of A images.
        dir_b: str. Folder of B images.
        image_size: int. Output size. Defaults to 256.
        channels: int. Channels of A (1 or 3). Defaults to 3.
        channels_b: int. Channels of B. Defaults to `None` (as A).
        jitter: bool. Random resize-crop-flip. Defaults to True.
        batch_size: int. Defaults to 1.
        shuffle: bool. Shuffle each side independently. Defaults to True.
        seed: int. Defaults to `None` (0).

    Example:
    ```python
    ds = ganzoo.data.load_unpaired_folders("horses/", "zebras/", image_size=128)
    ```
    """
    channels, channels_b = _check_channels(channels, channels_b)
    files_a, files_b = list_images(dir_a, "dir_a"), list_images(dir_b, "dir_b")
    pipeline = _pipeline_args(image_size, jitter, batch_size, shuffle, seed, f"Folders {dir_a!r} and {dir_b!r}")
    return tfdata.unpaired_folders(files_a, files_b, channels=channels, channels_b=channels_b, **pipeline)


def load_paired_folder(directory, *, image_size=256, channels=3, channels_b=None, jitter=True,
                       batch_size=1, shuffle=True, seed=None, a_on_left=True):
    """A folder of side-by-side `A|B` images (the pix2pix datasets' layout) as pairs.

    Args:
        directory: str. Folder of images twice as wide as high: A left, B right.
        image_size: int. Output size. Defaults to 256.
        channels: int. Channels of A (1 or 3). Defaults to 3.
        channels_b: int. Channels of B. Defaults to `None` (as A).
        jitter: bool. Random resize-crop-flip, the same for A and B. Defaults to True.
        batch_size: int. Defaults to 1.
        shuffle: bool. Defaults to True.
        seed: int. Defaults to `None` (0).
        a_on_left: bool. False when B is the left half (e.g. facades). Defaults to True.

    Example:
    ```python
    ds = ganzoo.data.load_paired_folder("facades/train", a_on_left=False)
    ganzoo.get("pix2pix").fit(ds, epochs=200)
    ```
    """
    channels, channels_b = _check_channels(channels, channels_b)
    files = list_images(directory)
    pipeline = _pipeline_args(image_size, jitter, batch_size, shuffle, seed, f"Folder {directory!r}")
    return tfdata.side_by_side_pairs(files, channels=channels, channels_b=channels_b, a_on_left=a_on_left,
                                     **pipeline)


def load_paired_folders(dir_a, dir_b, *, image_size=256, channels=3, channels_b=None, jitter=True,
                        batch_size=1, shuffle=True, seed=None):
    """Two aligned folders: the A and B images of a pair share a file name (stem).

    Args:
        dir_a: str. Folder of A images.
        dir_b: str. Folder of B images, one per A image with the same name stem.
        image_size, channels, channels_b, jitter, batch_size, shuffle, seed: as in
            `load_paired_folder`.

    Example:
    ```python
    ds = ganzoo.data.load_paired_folders("sketches/", "photos/", image_size=128)
    ```
    """
    channels, channels_b = _check_channels(channels, channels_b)
    files_a, files_b = list_images(dir_a, "dir_a"), list_images(dir_b, "dir_b")
    stem = lambda p: os.path.splitext(os.path.basename(p))[0]  # noqa: E731
    by_stem = {stem(p): p for p in files_b}
    missing = [os.path.basename(p) for p in files_a if stem(p) not in by_stem]
    if missing or len(files_a) != len(files_b):
        raise ValueError(
            "`dir_a` and `dir_b` must hold the same image names (one B per A). "
            f"Received: {len(files_a)} images in dir_a, {len(files_b)} in dir_b, "
            f"A without a B: {missing[:5]}"
        )
    files_b = [by_stem[stem(p)] for p in files_a]
    pipeline = _pipeline_args(image_size, jitter, batch_size, shuffle, seed, f"Folders {dir_a!r} and {dir_b!r}")
    return tfdata.aligned_pairs(files_a, files_b, channels=channels, channels_b=channels_b, **pipeline)
