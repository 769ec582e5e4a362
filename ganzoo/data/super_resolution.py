"""Super-resolution pairs: (bicubic low-resolution, high-resolution) images in [-1, 1].

Three sources, one convention (LR made from HR by bicubic downsampling, as in SRGAN):

- `load_photos(split)`: offline photos that ship inside scikit-image, scikit-learn and
  matplotlib,
  with a fixed held-out split (`PHOTO_SPLITS`) used for evaluation.
- `load_folder(directory)`: every image in a folder of HR images.
- `load_div2k(...)`: TensorFlow Datasets `div2k/bicubic_x{scale}` (the dataset's own
  bicubic LR, aligned random crops), as a `tf.data.Dataset` of `(lr, hr)` batches.

`random_crop_pairs` (numpy) and `CropPairs` (a `keras.utils.PyDataset` drawing fresh
random crops every epoch, for any backend) turn HR images into training pairs.
No function here downloads anything unless the caller passes `download=True` to tfds.
The TensorFlow ops of `load_div2k` and `paired_random_crop` are in `ganzoo.data.tfdata`.
"""
import os

import numpy as np

from ganzoo import arguments
from ganzoo.data import tfdata
from ganzoo.data.tfds_loader import _import_tfds, tfds_load

#: Photos that ship with the project's dependencies, by name, and the fixed split.
#: The held-out photos are never cropped for training; evaluation uses them whole.
PHOTO_SPLITS = {
    "train": (
        "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry", "china",
        "coins", "clock", "moon", "brick", "grass", "gravel", "motorcycle", "grace_hopper",
    ),
    "test": ("astronaut", "coffee", "flower", "camera"),
}
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def _photo(name):
    if name in ("china", "flower"):
        from sklearn.datasets import load_sample_image

        return load_sample_image(f"{name}.jpg")
    if name == "grace_hopper":  # matplotlib's sample photo (a file inside the package)
        import matplotlib.cbook
        from PIL import Image

        with Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as im:
            return np.asarray(im.convert("RGB"))
    import skimage.data

    if name == "motorcycle":  # the left view of scikit-image's stereo pair
        return skimage.data.stereo_motorcycle()[0]
    return getattr(skimage.data, name)()


def _to_rgb_uint8(image, name="image"):
    image = np.asarray(image)
    if image.dtype == bool:
        image = image.astype("uint8") * 255
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=-1)
    if image.ndim != 3 or image.shape[-1] not in (3, 4):
        raise ValueError(f"`{name}` must be an (H, W), (H, W, 3) or (H, W, 4) image. Received: {name}.shape={image.shape}")
    image = image[..., :3]
    if image.dtype != np.uint8:
        image = np.clip(np.round(image), 0, 255).astype("uint8")
    return image


def load_photos(split="train"):
    """The embedded photos of `split` as `{name: uint8 (H, W, 3) array}`.

    Grayscale photos are repeated to three channels. Needs no network: the images are
    files inside scikit-image, scikit-learn and matplotlib.

    Args:
        split: str. `"train"` (13 photos), `"test"` (the 4 held-out photos) or `"all"`.
            Defaults to `"train"`.
    """
    if split == "all":
        names = PHOTO_SPLITS["train"] + PHOTO_SPLITS["test"]
    elif split in PHOTO_SPLITS:
        names = PHOTO_SPLITS[split]
    else:
        raise ValueError(f"`split` must be 'train', 'test' or 'all'. Received: split={split!r}")
    return {n: _to_rgb_uint8(_photo(n), n) for n in names}


def bicubic_downsample(hr, scale):
    """Downsample uint8 `(H, W, 3)` by `scale` with PIL's bicubic filter (antialiased).

    `H` and `W` must be multiples of `scale`. Returns uint8 `(H/scale, W/scale, 3)`.
    """
    from PIL import Image

    hr = np.asarray(hr)
    h, w = hr.shape[:2]
    if h % scale or w % scale:
        raise ValueError(f"HR size must be a multiple of scale={scale}. Received: hr.shape={hr.shape}")
    return np.asarray(Image.fromarray(hr).resize((w // scale, h // scale), Image.BICUBIC))


def bicubic_upsample(lr, scale):
    """Upsample `(N, h, w, C)` images in [-1, 1] by `scale` with PIL bicubic (the baseline).

    Returns float32 `(N, h*scale, w*scale, C)` in [-1, 1].
    """
    from PIL import Image

    lr = np.asarray(lr, dtype="float32")
    out = []
    for im in lr:
        u8 = np.clip(np.round((im + 1.0) * 127.5), 0, 255).astype("uint8")
        squeeze = u8.shape[-1] == 1
        pil = Image.fromarray(u8[..., 0] if squeeze else u8)
        big = np.asarray(pil.resize((u8.shape[1] * scale, u8.shape[0] * scale), Image.BICUBIC))
        out.append(big[..., None] if squeeze else big)
    return np.stack(out).astype("float32") / 127.5 - 1.0


def to_unit_range(images_uint8):
    """uint8 images to float32 in [-1, 1]."""
    return np.asarray(images_uint8, dtype="float32") / 127.5 - 1.0


def modcrop(image, scale):
    """Crop an image so that its height and width are multiples of `scale`."""
    h, w = image.shape[:2]
    return image[: h - h % scale, : w - w % scale]


def _check_pair_args(hr_size, scale):
    arguments.positive_int("scale", scale)
    if not arguments.is_int(hr_size) or hr_size < scale or hr_size % scale:
        raise ValueError(
            f"`hr_size` must be a positive multiple of scale={scale}. Received: hr_size={hr_size!r}"
        )


def random_crop_pairs(images, num_pairs, *, hr_size=96, scale=4, seed=0, channel_shuffle=False, rotate=False):
    """Random HR crops and their bicubic LR, as float32 numpy arrays in [-1, 1].

    Args:
        images: list or dict of uint8 `(H, W, 3)` HR images (e.g. `load_photos()`).
        num_pairs: int. Number of crops, drawn from the images in turn.
        hr_size: int. Side of the HR crop, a multiple of `scale`. Defaults to 96.
        scale: int. Downsampling factor. Defaults to 4.
        seed: int. Seed of the crop positions. Defaults to 0.
        channel_shuffle: bool. Also permute each crop's colour channels at random (one of
            the 6 orders), a colour augmentation for small photo sets. Defaults to False.
        rotate: bool. Also rotate each crop by a random multiple of 90 degrees; with the
            flip, each crop takes one of the 8 orientations of the square. Defaults to False.

    Returns:
        `(lr, hr)`: `(num_pairs, hr_size/scale, hr_size/scale, 3)` and
        `(num_pairs, hr_size, hr_size, 3)`.
    """
    _check_pair_args(hr_size, scale)
    images = list(images.values()) if isinstance(images, dict) else list(images)
    if not images:
        raise ValueError("`images` must hold at least one image. Received: images=[]")
    for i, im in enumerate(images):
        if min(im.shape[:2]) < hr_size:
            raise ValueError(
                f"Every image must be at least hr_size={hr_size} pixels on each side. "
                f"Received: images[{i}].shape={im.shape}"
            )
    rng = np.random.default_rng(seed)
    lr, hr = [], []
    for k in range(int(num_pairs)):
        im = images[rng.integers(len(images))] if k >= len(images) else images[k]
        y = rng.integers(0, im.shape[0] - hr_size + 1)
        x = rng.integers(0, im.shape[1] - hr_size + 1)
        crop = np.ascontiguousarray(_to_rgb_uint8(im[y : y + hr_size, x : x + hr_size]))
        if rng.random() < 0.5:  # horizontal flip: a free augmentation for photos
            crop = np.ascontiguousarray(crop[:, ::-1])
        if channel_shuffle:  # drawn only when asked, so the crops without it are unchanged
            crop = np.ascontiguousarray(crop[..., rng.permutation(crop.shape[-1])])
        if rotate:  # likewise
            crop = np.ascontiguousarray(np.rot90(crop, k=int(rng.integers(4))))
        hr.append(crop)
        lr.append(bicubic_downsample(crop, scale))
    return to_unit_range(np.stack(lr)), to_unit_range(np.stack(hr))


def _read_folder(directory):
    from PIL import Image

    if not os.path.isdir(directory):
        raise ValueError(f"`directory` must be an existing folder. Received: directory={directory!r}")
    files = sorted(f for f in os.listdir(directory) if f.lower().endswith(IMAGE_EXTENSIONS))
    if not files:
        raise ValueError(
            f"`directory` holds no image files ({', '.join(IMAGE_EXTENSIONS)}). Received: directory={directory!r}"
        )
    return {f: _to_rgb_uint8(np.asarray(Image.open(os.path.join(directory, f)).convert("RGB")), f) for f in files}


def load_folder(directory, num_pairs=None, *, hr_size=96, scale=4, seed=0):
    """Random `(lr, hr)` crop pairs from every image in a folder of HR images.

    Args:
        directory: str. Folder of PNG/JPEG/... images (any size >= `hr_size`).
        num_pairs: int. Number of crops. Defaults to 16 per image.
        hr_size: int. HR crop side, a multiple of `scale`. Defaults to 96.
        scale: int. Downsampling factor. Defaults to 4.
        seed: int. Crop seed. Defaults to 0.
    """
    images = _read_folder(directory)
    if num_pairs is None:
        num_pairs = 16 * len(images)
    return random_crop_pairs(images, num_pairs, hr_size=hr_size, scale=scale, seed=seed)


try:
    import keras as _keras

    _PyDataset = _keras.utils.PyDataset
except Exception:  # pragma: no cover - keras is a dependency
    _PyDataset = object


class CropPairs(_PyDataset):
    """Fresh random `(lr, hr)` crops every epoch, as a `keras.utils.PyDataset`.

    Works with `model.fit` on every backend; the crops of batch `i` in epoch `e` depend
    only on `(seed, e, i)`, so runs are reproducible: a ganzoo model's `fit` keeps the
    batches in index order (Keras' `shuffle` is off for this dataset unless passed) and
    tells it each epoch's index (it adds a `ganzoo.resume.EpochSetter(data)` when the
    callbacks have none), so a run resumed in a new process
    (`ganzoo.resume.BackupAndRestore`) sees the same crops as one never interrupted.

    Args:
        images: list or dict of uint8 HR images (e.g. `load_photos("train")`).
        batch_size: int. Pairs per batch. Defaults to 16 (the paper's).
        steps_per_epoch: int. Batches per epoch. Defaults to 100.
        hr_size: int. HR crop side. Defaults to 96 (the paper's).
        scale: int. Downsampling factor. Defaults to 4.
        seed: int. Defaults to 0.
        channel_shuffle: bool. Random colour-channel order per crop (see
            `random_crop_pairs`). Defaults to False.
        rotate: bool. Random rotation by a multiple of 90 degrees per crop (see
            `random_crop_pairs`). Defaults to False.
    """

    #: Batch `i` of epoch `e` is a function of (seed, e, i): `AdversarialModel.fit` leaves
    #: Keras' `shuffle` off for it (Keras would permute the indices from its global random
    #: state, which a resumed process does not share) unless `shuffle` is passed.
    seeded_order = True

    def __init__(self, images, *, batch_size=16, steps_per_epoch=100, hr_size=96, scale=4, seed=0,
                 channel_shuffle=False, rotate=False, **kwargs):
        super().__init__(**kwargs)
        self.channel_shuffle, self.rotate = bool(channel_shuffle), bool(rotate)
        _check_pair_args(hr_size, scale)
        self.images = list(images.values()) if isinstance(images, dict) else list(images)
        self.batch_size, self.steps, self.hr_size, self.scale, self.seed = batch_size, steps_per_epoch, hr_size, scale, seed
        self.epoch = 0
        random_crop_pairs(self.images, 1, hr_size=hr_size, scale=scale)  # validates sizes now

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        seed = np.random.SeedSequence([self.seed, self.epoch, index]).generate_state(1)[0]
        return random_crop_pairs(self.images, self.batch_size, hr_size=self.hr_size, scale=self.scale, seed=int(seed),
                                 channel_shuffle=self.channel_shuffle, rotate=self.rotate)

    def on_epoch_end(self):
        self.epoch += 1


def paired_random_crop(lr, hr, *, lr_size, scale, seed):
    """Aligned random crops of a `(lr, hr)` pair of tensors (TensorFlow ops, for tf.data).

    The HR crop is the LR crop's footprint: position and size times `scale`.
    """
    return tfdata.paired_random_crop(lr, hr, lr_size=lr_size, scale=scale, seed=seed)


def load_div2k(split="train", *, scale=4, hr_size=96, batch_size=16, shuffle=True, seed=0,
               data_dir=None, download=False):
    """DIV2K from TensorFlow Datasets as a `tf.data.Dataset` of `(lr, hr)` batches in [-1, 1].

    Uses `div2k/bicubic_x{scale}` (its own bicubic LR images) and takes one aligned
    random crop per image per pass: an HR crop of `hr_size` and the LR crop under it.
    The batch dimension is fixed (`drop_remainder=True`), so JAX compiles once.

    Args:
        split: str. `"train"` or `"validation"`. Defaults to `"train"`.
        scale: int. 2, 3, 4 or 8 (`bicubic_x8` does not exist in DIV2K: use 2, 3 or 4).
            Defaults to 4.
        hr_size: int. HR crop side, a multiple of `scale`. Defaults to 96.
        batch_size: int. Defaults to 16.
        shuffle: bool. Defaults to True.
        seed: int. Crop and shuffle seed. Defaults to 0.
        data_dir: str. tfds data directory. Defaults to tfds' default.
        download: bool. Let tfds download and prepare DIV2K (about 4 GB). Defaults to False.
    """
    if scale not in (2, 3, 4):
        raise ValueError(f"DIV2K has bicubic LR for scale 2, 3 and 4. Received: scale={scale!r}")
    _check_pair_args(hr_size, scale)
    tfds = _import_tfds()
    name = f"div2k/bicubic_x{scale}"
    ds = tfds_load(tfds, name, split, data_dir=data_dir, download=download, shuffle_files=shuffle)
    return tfdata.div2k_crops(ds, scale=scale, hr_size=hr_size, batch_size=batch_size, shuffle=shuffle, seed=seed)
