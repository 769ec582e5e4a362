"""ganzoo/saving.py: files ganzoo writes record the backend they were saved under (issue 21).

`save_atomic` (what `ganzoo train` writes `model.keras` and `generator.keras` with) puts
`"backend"` into the archive's `metadata.json`; `ganzoo sample / translate / upscale` read
it without importing Keras (`cli.saved_backend`) and start on that backend when it is
installed, a network saved alone included.
"""
import argparse
import json
import zipfile

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo import cli
from ganzoo.registry import get_test_config
from ganzoo.saving import record_backend, save_atomic

BACKENDS = ("tensorflow", "jax", "torch")


def _metadata(path):
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("metadata.json"))


@pytest.fixture(scope="module")
def gan():
    return ganzoo.get("dcgan", **get_test_config("dcgan"), seed=0)


def test_save_atomic_records_the_backend_and_the_file_still_loads(gan, tmp_path):
    this = keras.config.backend()
    path = tmp_path / "generator.keras"
    save_atomic(gan.generator, path)
    metadata = _metadata(path)
    assert metadata["backend"] == this
    assert metadata["keras_version"] == keras.version()  # Keras' own keys are kept
    assert cli.saved_backend(path) == this  # a network saved alone has no config to say it
    loaded = keras.saving.load_model(path)
    z = np.random.default_rng(0).normal(size=(2, gan.latent_dim)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded(z)),
                                  keras.ops.convert_to_numpy(gan.generator(z)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["generator.keras"]  # no temporary left


def test_the_metadata_backend_wins_over_the_config(gan, tmp_path):
    this = keras.config.backend()
    other = next(b for b in BACKENDS if b != this)
    path = tmp_path / "model.keras"
    gan.save(path)
    assert "backend" not in _metadata(path) and cli.saved_backend(path) == this  # from the config
    record_backend(path, other)
    assert _metadata(path)["backend"] == other and cli.saved_backend(path) == other
    record_backend(path, "no-such-backend")
    assert cli.saved_backend(path) == this  # an unknown name is ignored: the config says


@pytest.mark.parametrize("command", cli.MODEL_COMMANDS)
def test_model_commands_prefer_the_recorded_backend_when_installed(command, gan, tmp_path, monkeypatch):
    this = keras.config.backend()
    other = next(b for b in BACKENDS if b != this)
    path = tmp_path / "generator.keras"
    save_atomic(gan.generator, path)
    home = tmp_path / "keras_home"
    home.mkdir()
    (home / "keras.json").write_text(json.dumps({"backend": other}))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(home))
    args = argparse.Namespace(command=command, model=str(path), backend=None)

    monkeypatch.setattr(cli, "installed_backends", lambda: list(BACKENDS))
    backend, note = cli.choose_backend(args)
    assert backend == this and f"using the {this} backend that {path} was saved with" in note
    # Not installed here: Keras' configured backend, as for any file.
    monkeypatch.setattr(cli, "installed_backends", lambda: [other])
    assert cli.choose_backend(args) == (other, None)
    # Other commands do not read the file.
    train = argparse.Namespace(command="list", backend=None)
    monkeypatch.setattr(cli, "installed_backends", lambda: list(BACKENDS))
    assert cli.choose_backend(train) == (other, None)
