"""Loads image datasets from TensorFlow Datasets as `tf.data.Dataset`s.

TensorFlow and tensorflow-datasets are imported lazily, inside these functions,
so that the embedded datasets never import TensorFlow.
"""
import difflib

SHUFFLE_BUFFER = 10_000


def _import_tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError as e:  # pragma: no cover - depends on the install
        raise ImportError(
            "Loading TensorFlow Datasets needs `tensorflow` and "
            "`tensorflow-datasets` (pip install tensorflow-cpu "
            f"tensorflow-datasets). Original error: {e}"
        ) from e
    return tfds


def check_tfds_name(name, embedded_names):
    """Raises a ValueError with close matches if `name` is no tfds builder."""
    tfds = _import_tfds()
    if ":" in name:  # Community dataset ("namespace:name"): let tfds decide.
        return
    builders = tfds.list_builders(with_community_datasets=False)
    base = name.split("/")[0]
    if base in builders:
        return
    known = list(embedded_names) + list(builders)
    matches = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    matches += [
        m for m in difflib.get_close_matches(base, known, n=3, cutoff=0.6)
        if m not in matches
    ]
    hint = ""
    if matches:
        hint = " Did you mean: " + ", ".join(repr(m) for m in matches) + "?"
    raise ValueError(
        f"Unknown dataset name. Received: name={name!r}.{hint} "
        "Known embedded datasets: "
        + ", ".join(repr(n) for n in embedded_names)
        + ". Any other name must be a TensorFlow Datasets name "
        "(see tfds.list_builders()), e.g. 'mnist', 'cifar10' or "
        "'cycle_gan/horse2zebra'."
    )


def _to_image_pipeline(tf, image_size, channels):
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


def load_tfds(
    name,
    split,
    *,
    image_size,
    channels,
    batch_size,
    labels,
    shuffle,
    seed,
    num_samples,
    data_dir,
    download,
):
    """Loads `name` from TensorFlow Datasets as a `tf.data.Dataset` in [-1, 1]."""
    tfds = _import_tfds()
    import tensorflow as tf

    try:
        ds, info = tfds.load(
            name,
            split=split,
            data_dir=data_dir,
            download=download,
            shuffle_files=False,
            with_info=True,
        )
    except AssertionError as e:
        # tfds raises AssertionError when the prepared data is missing.
        raise ValueError(
            f"Dataset {name!r} (split={split!r}) is not prepared in "
            f"data_dir={data_dir!r} and download=False. Machines without "
            "internet cannot download it: prepare it elsewhere (e.g. "
            f"tfds.load({name!r}, data_dir=...) on a machine with internet), "
            "copy that directory here and pass it as `data_dir=`, or pass "
            f"download=True where a download is possible. tfds said: {e}"
        ) from e
    except tfds.core.registered.DatasetNotFoundError as e:
        raise ValueError(f"Unknown dataset name. Received: name={name!r}. {e}") from e
    except (ValueError, KeyError) as e:
        msg = str(e)
        if "split" in msg.lower():
            raise ValueError(
                f"Unknown split for dataset {name!r}. Received: split={split!r}. "
                f"tfds said: {msg}"
            ) from e
        raise

    features = info.features
    if "image" not in features:
        raise ValueError(
            f"Dataset {name!r} has no 'image' feature, so it is not an image "
            f"dataset ganzoo can load. Its features: {list(features.keys())}. "
            f"Received: name={name!r}"
        )
    if labels and "label" not in features:
        raise ValueError(
            f"Dataset {name!r} has no 'label' feature. Its features: "
            f"{list(features.keys())}. Received: labels={labels!r}"
        )

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
    if batch_size is not None:
        ds = ds.batch(batch_size, drop_remainder=True)
    if int(ds.cardinality()) == 0:
        raise ValueError(
            f"Dataset {name!r} (split={split!r}) is empty after applying "
            f"num_samples={num_samples} and batch_size={batch_size} "
            "(batches drop the remainder). Received: "
            f"num_samples={num_samples}, batch_size={batch_size}"
        )
    return ds.prefetch(tf.data.AUTOTUNE)
