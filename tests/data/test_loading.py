"""ganzoo.data.load and the array helpers (ganzoo/data/loading.py, images.py)."""
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import ganzoo.data as gdata

REPO = Path(__file__).resolve().parents[2]


def test_list_datasets():
    assert set(gdata.list_datasets()) == {"digits", "mnist", "ring", "grid"}


@pytest.mark.parametrize("name, match", [("mnst", "mnist"), ("digts", "digits")])
def test_unknown_name_suggests_close_matches(name, match):
    pytest.importorskip("tensorflow_datasets")
    with pytest.raises(ValueError) as info:
        gdata.load(name)
    msg = str(info.value)
    assert f"name='{name}'" in msg
    assert f"Did you mean: '{match}'" in msg
    assert "'ring'" in msg  # lists the embedded datasets


def test_wrong_case_embedded_name():
    with pytest.raises(ValueError, match="Did you mean: 'digits'"):
        gdata.load("Digits")


def test_bad_name_type():
    with pytest.raises(ValueError, match="Received: name=None"):
        gdata.load(None)


@pytest.mark.skipif(keras.config.backend() != "jax", reason="backend-independent: runs once, under jax")
def test_embedded_loaders_do_not_import_tensorflow():
    code = (
        "import sys, ganzoo.data as d; d.load('digits', image_size=16); "
        "d.load('ring'); d.load('grid'); d.check_images(d.load('digits')); "
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    )
    # Keras itself imports TensorFlow under the tensorflow backend; the claim is about
    # ganzoo's embedded loaders, so the child runs under jax.
    env = dict(os.environ, KERAS_BACKEND="jax")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(REPO)]
        + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_scale_images():
    u8 = np.array([[0, 51, 255]], dtype=np.uint8)
    out = gdata.scale_images(u8)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[-1.0, -0.6, 1.0]], atol=1e-6)
    np.testing.assert_allclose(gdata.scale_images(u8 / 255.0), out, atol=1e-6)
    np.testing.assert_allclose(
        gdata.scale_images(u8.astype("float32"), input_range=(0, 255)), out, atol=1e-6
    )
    with pytest.raises(ValueError, match="input_range"):
        gdata.scale_images(u8.astype("float32"))  # floats > 1 with default range
    with pytest.raises(ValueError, match=r"Received: input_range=\(1, 0\)"):
        gdata.scale_images(u8, input_range=(1, 0))


def _images(**kw):
    return np.zeros((2, 8, 8, 1), **kw)


@pytest.mark.parametrize(
    "x, kwargs, needle",
    [
        (np.zeros((8, 8, 1), "float32"), {}, "rank-4"),
        (_images(dtype="uint8"), {}, "scale_images"),
        (_images(dtype="float32") + 2.0, {}, "max=2.0"),
        (_images(dtype="float32") - 1.5, {}, "min=-1.5"),
        (_images(dtype="float32"), {"image_shape": (8, 8, 3)}, "channels"),
        (np.zeros((0, 8, 8, 1), "float32"), {}, "empty"),
        (_images(dtype="float32") * np.nan, {}, "NaN"),
    ],
)
def test_check_images_errors(x, kwargs, needle):
    with pytest.raises(ValueError, match="Received: real_images") as info:
        gdata.check_images(x, name="real_images", **kwargs)
    assert needle in str(info.value)


def test_check_images_passes():
    x = np.linspace(-1.0005, 1.0005, 2 * 4 * 4 * 3, dtype="float32").reshape(2, 4, 4, 3)
    assert gdata.check_images(x, image_shape=(4, 4, 3)) is x
    gdata.check_images(x, image_shape=(None, None, 3))
    gdata.check_images(x.astype("float16"))
