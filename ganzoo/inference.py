"""Inference helpers that work on saved models (the `ganzoo upscale` and `ganzoo translate` commands)."""
import math
import os

import numpy as np
from keras import layers

from ganzoo import arguments, saving
from ganzoo.atomic import write_atomic
from ganzoo.data.super_resolution import IMAGE_EXTENSIONS
from ganzoo.layers import SubPixelUpsampling


def generate_with(generator, num_samples, *, seed=None, batch_size=256):
    """Samples from a generator saved alone: noise `(n, latent_dim)` read from its input.

    A class-conditional generator (inputs `[z, label]`, e.g. cgan's) gets the labels
    spread evenly over its classes, in order, as `ConditionalGAN.generate` does.

    Args:
        generator: keras.Model. A noise-to-sample network, e.g. a loaded `generator.keras`.
        num_samples: int. How many samples.
        seed: int. Seed of the noise (numpy). Defaults to `None` (fresh noise).
        batch_size: int. Generator batch size. Defaults to 256.

    Returns:
        float32 numpy samples (images in [-1, 1]).

    Example:
    ```python
    generator = keras.saving.load_model("runs/dcgan-digits/generator.keras")
    images = ganzoo.inference.generate_with(generator, 16, seed=0)
    ```
    """
    num_samples = arguments.positive_int("num_samples", num_samples)
    shapes = [tuple(x.shape[1:]) for x in generator.inputs]
    rng = np.random.default_rng(seed)
    n = int(num_samples)
    if len(shapes) == 1 and len(shapes[0]) == 1:
        inputs = rng.standard_normal((n,) + shapes[0]).astype("float32")
    elif len(shapes) == 2 and len(shapes[0]) == 1 and shapes[1] == () and _num_classes(generator):
        num_classes = _num_classes(generator)
        z = rng.standard_normal((n,) + shapes[0]).astype("float32")
        inputs = [z, (np.arange(n) * num_classes // n).astype("int32")]
    else:
        hint = ""
        if len(shapes) == 1 and len(shapes[0]) == 3:
            hint = (" It takes images: use `ganzoo translate` (pix2pix, cyclegan) or `ganzoo upscale` "
                    "(srgan) for it.")
        raise ValueError(
            "Sampling needs a generator with one noise input (batch, latent_dim), or [noise, label] "
            f"for a conditional one.{hint} Received: a model with input shapes {shapes}"
        )
    out = generator.predict(inputs, batch_size=batch_size, verbose=0)
    return np.asarray(out, dtype="float32")


def _num_classes(generator):
    # cgan's generator embeds its label input in the layer named "label_embedding".
    try:
        return int(generator.get_layer("label_embedding").input_dim)
    except (ValueError, AttributeError):
        return None


def load_upscaler(model_path):
    """Load a saved SRGAN (`.keras`) or a generator saved alone; return `(generator, scale)`."""

    if not os.path.isfile(model_path):
        raise ValueError(f"`model_path` must be a saved .keras file. Received: model_path={model_path!r}")
    # ganzoo.load_model: a missing or damaged file is one ValueError naming it.
    model = saving.load_model(model_path, compile=False, require_ganzoo=False)
    generator = getattr(model, "generator", model)  # a whole SRGAN, or its generator alone
    scale = generator_scale(generator)
    if scale < 2:
        raise ValueError(
            "The model has no sub-pixel upsampling layer: it is not an SRGAN/SRResNet generator. "
            f"Received: model_path={model_path!r}"
        )
    return generator, scale


def upscale_folder(model_path, input_dir, out_dir, *, tile=128, overlap=None):
    """Super-resolve every image in `input_dir` into PNG files in `out_dir`.

    Args:
        model_path: str. A `.keras` file: a whole SRGAN or its generator saved alone.
        input_dir: str. Folder of PNG/JPEG/... images.
        out_dir: str. Output folder (created); each image is written as `<name>.png`.
        tile: int. LR tile side, so memory stays bounded on large images; `None` runs
            whole images. Defaults to 128.
        overlap: int. Context around each tile. Defaults to the receptive radius (tiled
            output equal to the untiled one).

    Returns:
        The list of written paths.
    """
    from PIL import Image

    if not os.path.isdir(input_dir):
        raise ValueError(f"`input_dir` must be an existing folder. Received: input_dir={input_dir!r}")
    files = sorted(f for f in os.listdir(input_dir) if f.lower().endswith(IMAGE_EXTENSIONS))
    if not files:
        raise ValueError(f"`input_dir` holds no image files. Received: input_dir={input_dir!r}")
    check_image_files(input_dir, files)  # before the model loads
    generator, scale = load_upscaler(model_path)
    channels = generator.inputs[0].shape[-1]
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name in files:
        image = read_image(os.path.join(input_dir, name), "L" if channels == 1 else "RGB", "input_dir")
        x = np.asarray(image, dtype="float32").reshape(image.height, image.width, channels) / 127.5 - 1.0
        sr = upscale_with(generator, x, scale=scale, tile=tile, overlap=overlap)
        u8 = np.clip(np.round((sr + 1.0) * 127.5), 0, 255).astype("uint8")
        path = os.path.join(out_dir, os.path.splitext(name)[0] + ".png")
        image_out = Image.fromarray(u8[..., 0] if channels == 1 else u8)
        write_atomic(path, lambda tmp: image_out.save(tmp, format="PNG"))
        written.append(path)
    return written


# png, jpg, jpeg, bmp, gif: the formats the image-to-image folder loaders read.
TRANSLATE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def read_image(path, mode, arg):
    """`PIL.Image.open(path).convert(mode)`; a file that is not a readable image is a ValueError.

    Args:
        path: str. The image file.
        mode: str. PIL mode, `"L"` or `"RGB"`.
        arg: str. The argument that named the folder, for the message.

    Example:
    ```python
    image = read_image("photos/cat.png", "RGB", "input_dir")
    ```
    """
    from PIL import Image

    try:
        with Image.open(path) as img:
            return img.convert(mode)
    except (OSError, ValueError, SyntaxError) as e:  # PIL: UnidentifiedImageError, truncated files
        raise _not_an_image(path, e, arg) from None


def check_image_files(input_dir, files, arg="input_dir"):
    """Raise a ValueError naming the first of `files` in `input_dir` that PIL cannot read as an image.

    Reads each file's header and data once (`PIL.Image.verify`), without decoding the pixels.

    Args:
        input_dir: str. The folder.
        files: list of str. File names in it.
        arg: str. The argument that named the folder, for the message. Defaults to `"input_dir"`.

    Example:
    ```python
    check_image_files("photos/", ["a.png", "notes.png"])  # ValueError: ... notes.png ...
    ```
    """
    from PIL import Image

    for name in files:
        path = os.path.join(input_dir, name)
        try:
            with Image.open(path) as img:
                img.verify()
        except (OSError, ValueError, SyntaxError) as e:  # PIL: UnidentifiedImageError, truncated files
            raise _not_an_image(path, e, arg) from None


def _not_an_image(path, error, arg):
    return ValueError(
        f"`{arg}` holds a file that is not a readable image: {path} ({type(error).__name__}: {error}); "
        f"remove or convert it. Received: {arg}={os.path.dirname(path)!r}"
    )


def _load_image(path, size, channels):
    from PIL import Image

    img = read_image(path, "L" if channels == 1 else "RGB", "input_dir")
    if img.size != (size[1], size[0]):
        img = img.resize((size[1], size[0]), Image.BILINEAR)
    x = np.asarray(img, dtype="float32") / 127.5 - 1.0
    return x[..., None] if channels == 1 else x


def translate_folder(model_path, input_dir, out_dir, direction="a_to_b", batch_size=16):
    """Translate every image of a folder with a saved `pix2pix` / `cyclegan` model.

    Images are converted to the model's channels and resized to its input size
    (bilinear); outputs are written as PNG files with the input's name stem.

    Args:
        model_path: str. A `.keras` file saved from a model with `translate`, or a
            loaded model.
        input_dir: str. Folder of png/jpg/jpeg/bmp/gif images.
        out_dir: str. Output folder (created).
        direction: str. `"a_to_b"` or `"b_to_a"`. Defaults to `"a_to_b"`.
        batch_size: int. Images per generator batch. Defaults to 16.

    Returns:
        The list of written file paths.

    Example:
    ```python
    ganzoo.inference.translate_folder("cyclegan.keras", "photos/", "out/", "b_to_a")
    ```
    """
    from PIL import Image

    batch_size = arguments.positive_int("batch_size", batch_size)
    if not os.path.isdir(input_dir):
        raise ValueError(f"`input_dir` must be an existing folder. Received: input_dir={input_dir!r}")
    files = sorted(f for f in os.listdir(input_dir) if f.lower().endswith(TRANSLATE_EXTENSIONS))
    if not files:
        raise ValueError(f"`input_dir` holds no images ({', '.join(TRANSLATE_EXTENSIONS)}). Received: input_dir={input_dir!r}")
    check_image_files(input_dir, files)  # before the model loads
    if isinstance(model_path, (str, os.PathLike)):
        model = saving.load_model(model_path, compile=False, require_ganzoo=False)
    else:
        model = model_path
    if not hasattr(model, "translate"):
        raise ValueError(
            f"The model has no translate() (it is a {type(model).__name__}); use a pix2pix or cyclegan "
            f"model. Received: model_path={model_path!r}"
        )
    generators = getattr(model, "_generators", {})
    if direction not in generators:
        raise ValueError(
            f"{type(model).__name__} translates in the directions {tuple(generators)}. Received: direction={direction!r}"
        )
    shape = tuple(getattr(model, generators[direction]).inputs[0].shape[1:])
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for start in range(0, len(files), batch_size):
        names = files[start:start + batch_size]
        x = np.stack([_load_image(os.path.join(input_dir, f), shape[:2], shape[2]) for f in names])
        y = model.translate(x, direction=direction, batch_size=batch_size)
        y = np.clip((y + 1.0) * 127.5 + 0.5, 0, 255).astype("uint8")
        for name, img in zip(names, y):
            path = os.path.join(out_dir, os.path.splitext(name)[0] + ".png")
            image_out = Image.fromarray(img[..., 0] if img.shape[-1] == 1 else img)
            write_atomic(path, lambda tmp: image_out.save(tmp, format="PNG"))
            written.append(path)
    return written


# ------------------------------------------------------------ super-resolution tiling
def receptive_radius(generator):
    """LR pixels on each side that influence one output pixel of a conv/sub-pixel chain.

    Skip connections do not widen it. Used as the default tile overlap of `upscale`, for
    which tiled and untiled outputs are then equal.
    """
    radius, scale = 0.0, 1
    for layer in generator.layers:
        if isinstance(layer, layers.Conv2D):
            k = layer.kernel_size[0]
            radius += (k // 2) * layer.dilation_rate[0] / scale
        elif isinstance(layer, SubPixelUpsampling):
            scale *= layer.scale
    return int(math.ceil(radius))


def upscale_with(generator, images, *, scale, tile=None, overlap=None, batch_size=8):
    """Run a super-resolution generator over `images`, optionally in overlapping tiles.

    Args:
        generator: keras.Model. Fully convolutional LR -> HR network.
        images: array. `(N, h, w, C)` or `(h, w, C)` in [-1, 1].
        scale: int. The generator's upsampling factor.
        tile: int. Side of the LR tiles whose output is kept; each is run with `overlap`
            LR pixels of context on every side, so memory is bounded by the tile, not the
            image. `None` runs whole images. Defaults to `None`.
        overlap: int. Context pixels around each tile. Defaults to the generator's
            receptive radius, for which the tiled output equals the untiled one.
        batch_size: int. Tiles per generator call. Defaults to 8.

    Returns:
        float32 numpy `(N, h*scale, w*scale, C)` (or without `N`) in [-1, 1].
    """
    x = np.asarray(images, dtype="float32")
    single = x.ndim == 3
    if single:
        x = x[None]
    channels = generator.inputs[0].shape[-1]
    if x.ndim != 4 or x.shape[-1] != channels:
        raise ValueError(
            f"`images` must be (N, h, w, {channels}) or (h, w, {channels}) in [-1, 1]. "
            f"Received: images.shape={np.shape(images)}"
        )
    if tile is None:
        out = np.concatenate([np.asarray(generator.predict(im[None], verbose=0)) for im in x])
        return out[0] if single else out
    tile = arguments.positive_int("tile", tile)
    overlap = receptive_radius(generator) if overlap is None else overlap
    overlap = arguments.positive_int("overlap", overlap, allow_zero=True)
    n, h, w, _ = x.shape
    # Every window has the same shape (one compiled function on JAX); near the image edge
    # a window is shifted inwards instead of padded, so each kept pixel sees either
    # `overlap` pixels of real context or the true image border, as in the untiled run.
    win_h, win_w = min(h, tile + 2 * overlap), min(w, tile + 2 * overlap)
    out = np.zeros((n, h * scale, w * scale, channels), dtype="float32")
    boxes = []
    for y in range(0, h, tile):
        for x0 in range(0, w, tile):
            wy = min(max(y - overlap, 0), h - win_h)
            wx = min(max(x0 - overlap, 0), w - win_w)
            boxes.append((y, x0, wy, wx))
    for i in range(n):
        for start in range(0, len(boxes), batch_size):
            chunk = boxes[start : start + batch_size]
            windows = np.stack([x[i, wy : wy + win_h, wx : wx + win_w] for _, _, wy, wx in chunk])
            sr = np.asarray(generator.predict(windows, batch_size=len(chunk), verbose=0))
            for (y, x0, wy, wx), s in zip(chunk, sr):
                th, tw = min(tile, h - y), min(tile, w - x0)
                oy, ox = (y - wy) * scale, (x0 - wx) * scale
                out[i, y * scale : (y + th) * scale, x0 * scale : (x0 + tw) * scale] = s[
                    oy : oy + th * scale, ox : ox + tw * scale
                ]
    return out[0] if single else out


def generator_scale(generator):
    """The upsampling factor of a saved SR generator (product of its sub-pixel steps)."""
    scale = 1
    for layer in generator.layers:
        if isinstance(layer, SubPixelUpsampling):
            scale *= layer.scale
    return scale


# ------------------------------------------------------------------------------ model
