"""Inference helpers that work on saved models (used by the `ganzoo upscale` command)."""
import os

import numpy as np

from ganzoo.data.super_resolution import IMAGE_EXTENSIONS


def load_upscaler(model_path):
    """Load a saved SRGAN (`.keras`) or a generator saved alone; return `(generator, scale)`."""
    import keras

    from ganzoo.models.srgan import SRGAN, generator_scale

    if not os.path.isfile(model_path):
        raise ValueError(f"`model_path` must be a saved .keras file. Received: model_path={model_path!r}")
    model = keras.saving.load_model(model_path, compile=False)
    generator = model.generator if isinstance(model, SRGAN) else model
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

    from ganzoo.models.srgan import upscale_with

    if not os.path.isdir(input_dir):
        raise ValueError(f"`input_dir` must be an existing folder. Received: input_dir={input_dir!r}")
    files = sorted(f for f in os.listdir(input_dir) if f.lower().endswith(IMAGE_EXTENSIONS))
    if not files:
        raise ValueError(f"`input_dir` holds no image files. Received: input_dir={input_dir!r}")
    generator, scale = load_upscaler(model_path)
    channels = generator.inputs[0].shape[-1]
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name in files:
        image = Image.open(os.path.join(input_dir, name)).convert("L" if channels == 1 else "RGB")
        x = np.asarray(image, dtype="float32").reshape(image.height, image.width, channels) / 127.5 - 1.0
        sr = upscale_with(generator, x, scale=scale, tile=tile, overlap=overlap)
        u8 = np.clip(np.round((sr + 1.0) * 127.5), 0, 255).astype("uint8")
        path = os.path.join(out_dir, os.path.splitext(name)[0] + ".png")
        Image.fromarray(u8[..., 0] if channels == 1 else u8).save(path)
        written.append(path)
    return written
