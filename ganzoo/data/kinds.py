"""One training-data loader per data kind: what `ganzoo train` (and a user script) feeds `fit`.

A model declares the kind of data it trains on in its class attribute `data_kind`:

| kind | `fit` receives | default dataset | built-in models |
|---|---|---|---|
| `"samples"` | images `(N, H, W, C)` or vectors `(N, D)` | `digits` | gan, dcgan |
| `"labeled"` | `(images, labels)` | `digits` | cgan |
| `"paired"` | aligned `(a, b)` images | `photo_deblur` | pix2pix |
| `"unpaired"` | `(a, b)` from two domains | `digit_domains` (or `mnist_digits`) | cyclegan |
| `"super_resolution"` | `(lr, hr)` crops | `photos` | srgan |

`load_for_training(kind, dataset, ...)` returns a `TrainingData`: the data, what it tells
a builder (`info`: `image_shape` or `data_shape`, `num_classes`, `channels_b`, `lr_size`,
whichever apply) and fixed preview inputs for the sample grids of conditional models.

Example:
```python
td = ganzoo.data.load_for_training("unpaired", "digit_domains", image_size=16)
model = ganzoo.get("cyclegan", **td.info)
model.fit(td.data, batch_size=1, epochs=1)
```
"""
import collections
import os

from ganzoo.data import embedded_pairs, image2image, loading
from ganzoo.data import super_resolution as sr

DATA_KINDS = ("samples", "labeled", "paired", "unpaired", "super_resolution")
DEFAULT_DATASETS = {"samples": "digits", "labeled": "digits", "paired": "photo_deblur",
                    "unpaired": "digit_domains", "super_resolution": "photos"}
#: Rows of the fixed preview inputs (A images, LR crops) of conditional models' grids.
PREVIEW_ROWS = 8

TrainingData = collections.namedtuple("TrainingData", ["data", "info", "preview", "dataset"])
TrainingData.__doc__ = """What `load_for_training` returns.

Attributes:
    data: what `fit` takes: numpy arrays (a tuple for labels or pairs), a batched
        `tf.data.Dataset`, or a `keras.utils.PyDataset`.
    info: dict. What the data says about the model to build (`image_shape` or
        `data_shape`; `num_classes` for numpy labels; `channels_b`; `lr_size`).
    preview: numpy array or None. Fixed inputs for sample grids (A images, LR crops).
    dataset: str. The dataset name or folder that was loaded.
"""


def load_for_training(kind, dataset=None, *, image_size=None, batch_size=64, steps_per_epoch=None,
                      seed=0, data_dir=None, scale=None):
    """Load `dataset` as training data of `kind`.

    Args:
        kind: str. One of `DATA_KINDS`, usually a model class's `data_kind`.
        dataset: str. An embedded dataset (`ganzoo.data.list_datasets()`), a tfds name
            or a folder; which ones fit depends on `kind`. Defaults to the kind's
            default (`DEFAULT_DATASETS`).
        image_size: int. Image side (the HR crop for `"super_resolution"`). Defaults to
            the dataset's own (digits: 16; mnist: 32, padded; photo pairs: 32; HR crops: 96;
            folders: 256).
        batch_size: int. Batch size of tf.data pipelines and crop datasets. Defaults to 64.
        steps_per_epoch: int. Batches per epoch of random-crop datasets. Defaults to 100
            there; unused by the others.
        seed: int. Shuffling and cropping seed. Defaults to 0.
        data_dir: str. tfds `data_dir`. Defaults to tfds' own.
        scale: int. Upscaling factor (`"super_resolution"` only). Defaults to 4.

    Returns:
        A `TrainingData(data, info, preview, dataset)`.

    Example:
    ```python
    td = load_for_training("labeled", "digits")
    td.info  # {'image_shape': (16, 16, 1), 'num_classes': 10}
    ```
    """
    if kind not in DATA_KINDS:
        raise ValueError(f"`kind` must be one of {', '.join(DATA_KINDS)}. Received: kind={kind!r}")
    dataset = DEFAULT_DATASETS[kind] if dataset is None else dataset
    if kind in ("samples", "labeled"):
        data, info = _load_samples(dataset, kind == "labeled", image_size, batch_size, seed, data_dir)
        return TrainingData(data, info, None, dataset)
    if kind == "super_resolution":
        return TrainingData(*_load_super_resolution(dataset, image_size, batch_size, steps_per_epoch, seed,
                                                    data_dir, 4 if scale is None else scale), dataset)
    return TrainingData(*_load_image_to_image(dataset, kind, image_size, batch_size, seed, data_dir), dataset)


def _load_samples(name, labels, image_size, batch_size, seed, data_dir):
    if name in ("ring", "grid"):
        data = loading.load(name, seed=seed, labels=labels)
        return data, {"data_shape": (2,)}
    if image_size is None:  # embedded images: a power of two for the conv models
        image_size = {"digits": 16, "mnist": 32}.get(name)
    if name in loading.list_datasets():
        data = loading.load(name, image_size=image_size, seed=seed, labels=labels)
        x = data[0] if labels else data
        info = {"image_shape": tuple(int(d) for d in x.shape[1:])}
        if labels:  # numpy labels: the classes present
            info["num_classes"] = int(data[1].max()) + 1
        return data, info
    ds = loading.load(name, image_size=image_size, batch_size=batch_size, seed=seed, data_dir=data_dir,
                      labels=labels)
    spec = ds.element_spec[0] if labels else ds.element_spec
    return ds, {"image_shape": tuple(int(d) for d in spec.shape[1:])}


def _folder_pair(folder, names):
    for a, b in names:
        if os.path.isdir(os.path.join(folder, a)) and os.path.isdir(os.path.join(folder, b)):
            return os.path.join(folder, a), os.path.join(folder, b)
    return None


def _take_a(ds, n):
    """The first `n` A images of a batched `(a, b)` tf.data pipeline, as numpy."""
    return next(iter(ds.unbatch().batch(n).take(1)))[0].numpy()


def _load_image_to_image(name, kind, image_size, batch_size, seed, data_dir):
    if kind == "paired" and name in ("photo_deblur", "photo_colorize"):
        size = image_size or 32
        task = name.split("_", 1)[1]
        data = embedded_pairs.load_photo_pairs(task, "train", image_size=size, seed=seed)
        preview = embedded_pairs.load_photo_pairs(task, "test", image_size=size, num_crops=PREVIEW_ROWS, seed=0)[0]
    elif kind == "unpaired" and name == "digit_domains":
        size = image_size or 16
        data = embedded_pairs.load_digit_domains("train", image_size=size)
        preview = embedded_pairs.load_digit_domains("test", image_size=size)[0][:PREVIEW_ROWS]
    elif kind == "unpaired" and name == "mnist_digits":  # MNIST (A) <-> scikit-learn digits (B)
        from ganzoo.data.mnist_digits import load_mnist_digits

        size = image_size or 16
        data = load_mnist_digits("train", image_size=size)
        preview = load_mnist_digits("test", image_size=size)[0][:PREVIEW_ROWS]
    elif kind == "unpaired" and name.startswith("cycle_gan/"):
        size = image_size or 256
        data = image2image.load_cycle_gan(name, "train", image_size=size, batch_size=batch_size, seed=seed,
                                          data_dir=data_dir)
        preview = _take_a(image2image.load_cycle_gan(name, "test", image_size=size, batch_size=1, shuffle=False,
                                                     data_dir=data_dir), PREVIEW_ROWS)
    elif os.path.isdir(name):
        common = {"image_size": image_size or 256, "batch_size": batch_size, "seed": seed}
        if kind == "unpaired":
            dirs = _folder_pair(name, [("trainA", "trainB"), ("A", "B")])
            if dirs is None:
                raise ValueError(
                    "An unpaired dataset folder must hold trainA/ and trainB/ (or A/ and B/) subfolders "
                    f"of unpaired images. Received: dataset={name!r}"
                )
            data = image2image.load_unpaired_folders(*dirs, **common)
        else:
            dirs = _folder_pair(name, [("A", "B"), ("trainA", "trainB")])
            if dirs is not None:  # two aligned folders, pairs share a file name
                data = image2image.load_paired_folders(*dirs, **common)
            else:  # side-by-side A|B images
                data = image2image.load_paired_folder(name, **common)
        preview = _take_a(data, PREVIEW_ROWS)
    else:
        choices = ("photo_deblur", "photo_colorize") if kind == "paired" else ("digit_domains", "mnist_digits", "cycle_gan/NAME")
        raise ValueError(
            f"{kind.capitalize()} (A, B) training data: `dataset` must be one of {', '.join(choices)} "
            f"or a folder. Received: dataset={name!r}"
        )
    if isinstance(data, tuple):
        shape_a, shape_b = data[0].shape[1:], data[1].shape[1:]
    else:
        spec_a, spec_b = data.element_spec
        shape_a, shape_b = spec_a.shape[1:], spec_b.shape[1:]
    return data, {"image_shape": tuple(int(d) for d in shape_a), "channels_b": int(shape_b[-1])}, preview


def _load_super_resolution(name, image_size, batch_size, steps_per_epoch, seed, data_dir, scale):
    hr_size = image_size or 96
    if hr_size % scale:
        raise ValueError(f"`image_size` (the HR crop) must be a multiple of scale={scale}. "
                         f"Received: image_size={hr_size}")
    steps = steps_per_epoch or 100
    if name == "photos" or os.path.isdir(name):
        images = sr.load_photos("train") if name == "photos" else sr._read_folder(name)
        data = sr.CropPairs(images, batch_size=batch_size, steps_per_epoch=steps, hr_size=hr_size, scale=scale,
                            seed=seed)
        held_out = sr.load_photos("test") if name == "photos" else images
        preview = sr.random_crop_pairs(held_out, PREVIEW_ROWS, hr_size=hr_size, scale=scale, seed=0)[0]
    elif name.startswith("div2k"):
        data = sr.load_div2k("train", scale=scale, hr_size=hr_size, batch_size=batch_size, seed=seed,
                             data_dir=data_dir)
        preview = next(iter(sr.load_div2k("validation", scale=scale, hr_size=hr_size, batch_size=PREVIEW_ROWS,
                                          shuffle=False, data_dir=data_dir)))[0].numpy()
    else:
        raise ValueError(
            "Super-resolution training data is (LR, HR) crops: `dataset` must be photos (embedded), div2k or "
            f"a folder of HR images. Received: dataset={name!r}"
        )
    return data, {"lr_size": hr_size // scale}, preview
