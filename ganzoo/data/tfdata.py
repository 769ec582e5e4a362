"""TensorFlow input pipelines behind `ganzoo.data`: tf.data, tf.image, tf.io, tf.random.

The loaders in `ganzoo.data` check their arguments, list files and call `tfds.load`, then
hand over to the builders here, which are the only code in `ganzoo.data`'s call graph that
imports TensorFlow (lazily, through `_tf`, so that `import ganzoo.data` never does). The
pipelines feed `fit` on every Keras backend: Keras accepts a `tf.data.Dataset` on JAX and
PyTorch too, so TensorFlow is an input-pipeline dependency, not a training one; that is why
this module lives with the data (`ganzoo.data`) and not with the training mechanics
(`ganzoo.backend`, whose `tfdata` re-exports it for one release).

`tensorflow_datasets` stays in `ganzoo.data` (`tfds_loader._import_tfds`): tfds is a
catalogue of datasets (names, splits, features, downloads, "not prepared" errors), which
is the data layer's business; what it returns is a `tf.data.Dataset`, handed to the
builders here unchanged.

Every builder returns a `tf.data.Dataset` of float32 images in [-1, 1].
"""

#: Shuffle buffer of `tfds_images` (the tfds path of `ganzoo.data.load`).
SHUFFLE_BUFFER = 10_000


def _tf(loader):
    """The `tensorflow` module, or an ImportError naming the `ganzoo.data` loader."""
    try:
        import tensorflow as tf
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            f"`ganzoo.data.{loader}` builds a tf.data input pipeline and needs TensorFlow "
            "(the pipeline feeds `fit` on every Keras backend). Install it with "
            f"`pip install tensorflow-cpu`. Original error: {e}"
        ) from e
    return tf


# --------------------------------------------------------------------------
# Per-image ops (run inside `Dataset.map`)
# --------------------------------------------------------------------------


def random_jitter(image, image_size, load_size, seed=None):
    """Resize to `load_size`, random-crop to `image_size`, random horizontal flip."""
    tf = _tf("random_jitter")
    image = tf.image.resize(image, (load_size, load_size), method="bilinear")
    channels = image.shape[-1]
    image = tf.image.random_crop(image, (image_size, image_size, channels), seed=seed)
    return tf.image.random_flip_left_right(image, seed=seed)


def paired_jitter(a, b, image_size, load_size, seed=None):
    """`random_jitter` with the same crop and flip for A and B (channels may differ)."""
    tf = _tf("paired_jitter")
    ca = a.shape[-1]
    a = tf.image.resize(a, (load_size, load_size), method="bilinear")
    b = tf.image.resize(b, (load_size, load_size), method="bilinear")
    both = random_jitter(tf.concat([a, b], axis=-1), image_size, load_size, seed)
    return both[..., :ca], both[..., ca:]


def paired_random_crop(lr, hr, *, lr_size, scale, seed):
    """Aligned random crops of `(lr, hr)`: the HR crop is the LR crop times `scale`."""
    tf = _tf("paired_random_crop")
    # The LR grid is the HR grid divided by `scale`; take the smaller of the two so that a
    # pair whose HR is not exactly `scale` x LR (odd DIV2K sizes) still crops in bounds.
    size = tf.minimum(tf.shape(lr)[:2], tf.shape(hr)[:2] // scale)
    maxval = size - lr_size + 1
    yx = tf.random.stateless_uniform([2], seed=seed, minval=0, maxval=tf.int32.max, dtype=tf.int32) % maxval
    lr_crop = lr[yx[0] : yx[0] + lr_size, yx[1] : yx[1] + lr_size]
    hy, hx = yx[0] * scale, yx[1] * scale
    hr_crop = hr[hy : hy + lr_size * scale, hx : hx + lr_size * scale]
    return lr_crop, hr_crop


def _to_unit(tf, image):
    # uint8 0..255 -> float32 -1..1
    return tf.clip_by_value(tf.cast(image, tf.float32) / 127.5 - 1.0, -1.0, 1.0)


def _resize(tf, image, image_size):
    return tf.image.resize(image, (image_size, image_size), method="bilinear", antialias=True)


def _decode(tf, path, channels):
    image = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
    image.set_shape((None, None, channels))
    return _to_unit(tf, image)


def _channels(tf, image, channels):
    """RGB `image` with `channels` (1 or 3, checked by the caller) channels."""
    return image if channels == 3 else tf.image.rgb_to_grayscale(image)


def _jitter_or_resize(tf, image, image_size, load_size, jitter, seed):
    if jitter:
        return random_jitter(image, image_size, load_size, seed)
    return _resize(tf, image, image_size)


# --------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------


def _finish(tf, ds, batch_size, empty_error):
    """Batch (dropping the remainder; `batch_size=None`: unbatched) and prefetch.

    Raises `ValueError(empty_error)` when the dataset is known to be empty after batching.
    """
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=True)
    if int(ds.cardinality()) == 0:
        raise ValueError(empty_error)
    return ds.prefetch(tf.data.AUTOTUNE)


def zip_unpaired(ds_a, ds_b, *, shuffle, seed, buffer_size=1000):
    """`ganzoo.data.zip_unpaired`: shuffle each side on its own, repeat the shorter, zip."""
    tf = _tf("zip_unpaired")
    n_a, n_b = int(ds_a.cardinality()), int(ds_b.cardinality())
    if shuffle:
        ds_a = ds_a.shuffle(buffer_size, seed=seed, reshuffle_each_iteration=True)
        ds_b = ds_b.shuffle(buffer_size, seed=seed + 1, reshuffle_each_iteration=True)
    if n_a > 0 and n_b > 0 and n_a != n_b:
        if n_a < n_b:
            ds_a = ds_a.repeat().take(n_b)
        else:
            ds_b = ds_b.repeat().take(n_a)
    return tf.data.Dataset.zip((ds_a, ds_b))


def cycle_gan(sides, *, image_size, load_size, jitter, num_samples, shuffle, seed, batch_size, empty_error):
    """`ganzoo.data.load_cycle_gan`: tfds `(A, B)` example datasets to unpaired batches."""
    tf = _tf("load_cycle_gan")
    images = []
    for i, ds in enumerate(sides):
        if num_samples is not None:
            ds = ds.take(num_samples)

        def convert(ex, _s=seed + i):  # a different jitter stream per side
            return _jitter_or_resize(tf, _to_unit(tf, ex["image"]), image_size, load_size, jitter, _s)

        images.append(ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE))
    ds = zip_unpaired(images[0], images[1], shuffle=shuffle, seed=seed)
    return _finish(tf, ds, batch_size, empty_error)


def image_folder(files, *, image_size, load_size, channels, jitter, seed):
    """`ganzoo.data.load_image_folder`: image files to an unbatched dataset."""
    tf = _tf("load_image_folder")

    def convert(path):
        return _jitter_or_resize(tf, _decode(tf, path, channels), image_size, load_size, jitter, seed)

    return tf.data.Dataset.from_tensor_slices(files).map(convert, num_parallel_calls=tf.data.AUTOTUNE)


def unpaired_folders(files_a, files_b, *, channels, channels_b, image_size, load_size, jitter, batch_size,
                     shuffle, seed, empty_error):
    """`ganzoo.data.load_unpaired_folders`: two file lists to unpaired `(a, b)` batches."""
    tf = _tf("load_unpaired_folders")
    convert = dict(image_size=image_size, load_size=load_size, jitter=jitter)
    ds_a = image_folder(files_a, channels=channels, seed=seed, **convert)
    ds_b = image_folder(files_b, channels=channels_b, seed=None if seed is None else seed + 1, **convert)
    ds = zip_unpaired(ds_a, ds_b, shuffle=shuffle, seed=0 if seed is None else seed)
    return _finish(tf, ds, batch_size, empty_error)


def _paired(tf, files, decode_pair, *, image_size, load_size, jitter, batch_size, shuffle, seed,
            empty_error):
    def convert(*paths):
        a, b = decode_pair(*paths)
        if jitter:
            return paired_jitter(a, b, image_size, load_size, seed=seed)
        return _resize(tf, a, image_size), _resize(tf, b, image_size)

    ds = tf.data.Dataset.from_tensor_slices(files)
    if shuffle:
        ds = ds.shuffle(len(files[0]) if isinstance(files, tuple) else len(files),
                        seed=0 if seed is None else seed, reshuffle_each_iteration=True)
    ds = ds.map(convert, num_parallel_calls=tf.data.AUTOTUNE)
    return _finish(tf, ds, batch_size, empty_error)


def side_by_side_pairs(files, *, channels, channels_b, a_on_left, **pipeline):
    """`ganzoo.data.load_paired_folder`: `A|B` image files to `(a, b)` batches.

    `pipeline`: `image_size`, `load_size`, `jitter`, `batch_size`, `shuffle`, `seed`,
    `empty_error`.
    """
    tf = _tf("load_paired_folder")

    def decode_pair(path):
        image = _decode(tf, path, 3)
        half = tf.shape(image)[1] // 2
        left, right = image[:, :half], image[:, half:2 * half]
        a, b = (left, right) if a_on_left else (right, left)
        return _channels(tf, a, channels), _channels(tf, b, channels_b)

    return _paired(tf, files, decode_pair, **pipeline)


def aligned_pairs(files_a, files_b, *, channels, channels_b, **pipeline):
    """`ganzoo.data.load_paired_folders`: aligned A and B file lists to `(a, b)` batches.

    `pipeline`: as in `side_by_side_pairs`.
    """
    tf = _tf("load_paired_folders")

    def decode_pair(pa, pb):
        return _decode(tf, pa, channels), _decode(tf, pb, channels_b)

    return _paired(tf, (files_a, files_b), decode_pair, **pipeline)


def _to_image_pipeline(tf, image_size, channels):
    """Converter of one tfds 'image' feature to float32 [-1, 1], `channels`, `image_size`."""

    def convert(image):
        image = tf.convert_to_tensor(image)
        if image.shape.rank != 3:
            raise ValueError(
                "Expected the 'image' feature to have shape (height, width, "
                f"channels). Received: image with shape {image.shape}"
            )
        if image.dtype == tf.uint8:
            image = tf.cast(image, tf.float32) / 127.5 - 1.0
        elif image.dtype.is_integer:
            # e.g. uint16 images: scale by the dtype's maximum.
            image = tf.cast(image, tf.float32) / (image.dtype.max / 2.0) - 1.0
        else:
            image = tf.clip_by_value(tf.cast(image, tf.float32), 0.0, 1.0) * 2.0 - 1.0
        native_channels = image.shape[-1]
        if native_channels == 4:  # RGBA: drop alpha.
            image = image[..., :3]
            native_channels = 3
        if channels is not None and channels != native_channels:
            if channels == 3 and native_channels == 1:
                image = tf.repeat(image, 3, axis=-1)
            elif channels == 1 and native_channels == 3:
                weights = tf.constant([0.2989, 0.5870, 0.1140], tf.float32)
                image = tf.reduce_sum(image * weights, axis=-1, keepdims=True)
            else:
                raise ValueError(
                    "Can only convert between 1 and 3 channels. Received: "
                    f"channels={channels} for images with {native_channels} channels"
                )
        if image_size is not None:
            # Resize so the short side is image_size, then centre-crop: the
            # output shape is fixed even when image sizes vary.
            shape = tf.shape(image)
            height = tf.cast(shape[0], tf.float32)
            width = tf.cast(shape[1], tf.float32)
            scale = float(image_size) / tf.minimum(height, width)
            new_h = tf.maximum(image_size, tf.cast(tf.math.ceil(height * scale), tf.int32))
            new_w = tf.maximum(image_size, tf.cast(tf.math.ceil(width * scale), tf.int32))
            image = tf.image.resize(image, [new_h, new_w], method="bilinear", antialias=True)
            top = (new_h - image_size) // 2
            left = (new_w - image_size) // 2
            image = image[top : top + image_size, left : left + image_size, :]
            image = tf.ensure_shape(image, [image_size, image_size, image.shape[-1]])
            image = tf.clip_by_value(image, -1.0, 1.0)
        return image

    return convert


def tfds_images(ds, *, image_size, channels, labels, num_samples, shuffle, seed, batch_size, empty_error):
    """`ganzoo.data.load` (tfds names): tfds examples to images, or `(image, label)`."""
    tf = _tf("load")
    if num_samples is not None:
        ds = ds.take(num_samples)
    convert = _to_image_pipeline(tf, image_size, channels)
    if labels:
        ds = ds.map(
            lambda ex: (convert(ex["image"]), tf.cast(ex["label"], tf.int32)),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    else:
        ds = ds.map(
            lambda ex: convert(ex["image"]),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=True,
        )
    if shuffle:
        ds = ds.shuffle(
            SHUFFLE_BUFFER, seed=0 if seed is None else seed, reshuffle_each_iteration=True
        )
    return _finish(tf, ds, batch_size, empty_error)


def div2k_crops(ds, *, scale, hr_size, batch_size, shuffle, seed):
    """`ganzoo.data.load_div2k`: tfds DIV2K `{"lr", "hr"}` examples to aligned crop batches."""
    tf = _tf("load_div2k")
    lr_size = hr_size // scale

    def crop(index, example):
        lr, hr = paired_random_crop(example["lr"], example["hr"], lr_size=lr_size, scale=scale,
                                    seed=tf.stack([tf.cast(seed, tf.int64), index]))
        lr = tf.ensure_shape(tf.cast(lr, tf.float32) / 127.5 - 1.0, (lr_size, lr_size, 3))
        hr = tf.ensure_shape(tf.cast(hr, tf.float32) / 127.5 - 1.0, (hr_size, hr_size, 3))
        return lr, hr

    def big_enough(example):
        # Real DIV2K images are ~2K pixels; skip any pair too small for one crop.
        size = tf.minimum(tf.shape(example["lr"])[:2], tf.shape(example["hr"])[:2] // scale)
        return tf.reduce_all(size >= lr_size)

    ds = ds.filter(big_enough).enumerate().map(crop, num_parallel_calls=tf.data.AUTOTUNE)
    if shuffle:
        ds = ds.shuffle(256, seed=seed)
    return ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
