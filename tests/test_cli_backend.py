"""The command line as a newcomer meets it (issue 21): it finds an installed Keras backend,
and `ganzoo sample` takes a generator file as well as a whole model.

The subprocess tests hide backends with a `sitecustomize` that wraps the meta-path finders
so that `import tensorflow` (or jax, torch) fails and `find_spec` finds nothing, and point `KERAS_HOME` at a `keras.json` naming
a hidden one: what a `pip install -e ".[jax]"` machine with Keras' default config sees.
"""
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import ganzoo
from ganzoo import cli
from ganzoo.inference import generate_with

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ("tensorflow", "jax", "torch")

BLOCKER = '''
import os, sys

_HIDDEN = set(filter(None, os.environ.get("GANZOO_TEST_BLOCK", "").split(",")))


class _Hide:
    """Wraps a meta-path finder so that it does not find the packages in $GANZOO_TEST_BLOCK:
    `import X` raises ModuleNotFoundError and `importlib.util.find_spec(X)` is None, as when
    X is not installed."""

    def __init__(self, finder):
        self._finder = finder

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in _HIDDEN:
            return None
        return self._finder.find_spec(name, path, target)

    def __getattr__(self, attr):
        return getattr(self._finder, attr)


sys.meta_path[:] = [_Hide(f) if hasattr(f, "find_spec") else f for f in sys.meta_path]
'''


def run_cli(tmp_path, *args, block=(), configured=None):
    """`python -m ganzoo.cli ARGS` with KERAS_BACKEND unset, `block` hidden, keras.json naming `configured`."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(BLOCKER)
    home = tmp_path / "keras_home"
    home.mkdir(exist_ok=True)
    if configured is not None:
        (home / "keras.json").write_text(json.dumps({"backend": configured}))
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env.update(KERAS_HOME=str(home), GANZOO_TEST_BLOCK=",".join(block),
               PYTHONPATH=f"{site}{os.pathsep}{ROOT}", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-m", "ganzoo.cli", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300)


def _ganzoo_lines(text):
    return [line for line in text.splitlines() if line.startswith("ganzoo:")]


def test_uses_an_installed_backend_when_the_configured_one_is_missing(tmp_path):
    this = keras.config.backend()
    others = [b for b in BACKENDS if b != this]
    proc = run_cli(tmp_path, "list", block=others, configured=others[0])
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"on the {this} backend" in proc.stdout
    assert "Traceback" not in proc.stderr
    notes = _ganzoo_lines(proc.stderr)
    assert len(notes) == 1, proc.stderr
    assert f"configured backend {others[0]!r}" in notes[0] and f"using {this!r}" in notes[0]


def test_no_backend_installed_is_one_line_naming_the_extra(tmp_path):
    proc = run_cli(tmp_path, "list", block=BACKENDS, configured="tensorflow")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ganzoo: error: no Keras backend is installed")
    assert 'keras-ganzoo[jax]' in lines[0] and '.[jax]' in lines[0]


def test_asked_backend_that_is_missing_is_one_line(tmp_path):
    this = keras.config.backend()
    other = next(b for b in BACKENDS if b != this)
    proc = run_cli(tmp_path, "--backend", other, "list", block=[other])
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{other} is not installed" in lines[0] and f"[{other}]" in lines[0], proc.stderr


def _tiny_dcgan():
    return ganzoo.get("dcgan", **ganzoo.registry.get_test_config("dcgan"), seed=0)


def test_sample_prefers_the_backend_the_model_was_saved_with(tmp_path):
    this = keras.config.backend()
    other = next(b for b in BACKENDS if b != this)
    path = tmp_path / "model.keras"
    _tiny_dcgan().save(path)
    assert cli.saved_backend(path) == this
    # keras.json names another installed backend; the saved model's backend wins.
    proc = run_cli(tmp_path, "sample", str(path), "-n", "4", configured=other)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"using the {this} backend that {path} was saved with" in proc.stderr
    out = tmp_path / "model_samples.png"  # --out defaults to MODEL_samples.png beside the model
    assert f"wrote 4 samples to {out}" in proc.stdout
    assert Image.open(out).size[0] > 0


def test_saved_backend_is_none_for_a_network_saved_alone(tmp_path):
    path = tmp_path / "generator.keras"
    _tiny_dcgan().generator.save(path)
    assert cli.saved_backend(path) is None
    assert cli.saved_backend(tmp_path / "missing.keras") is None


def test_sample_accepts_a_generator_file(tmp_path):
    gan = _tiny_dcgan()
    gan.fit(gan.example_data(16), batch_size=8, epochs=1, verbose=0)  # weights away from the init
    path = tmp_path / "generator.keras"
    gan.generator.save(path)
    generator = keras.saving.load_model(path)
    # The latent size comes from the generator's input; same noise as GAN.generate.
    np.testing.assert_allclose(generate_with(generator, 9, seed=3), gan.generate(9, seed=3), atol=1e-5)
    assert cli.main(["sample", str(path), "-n", "9", "--seed", "3"]) == 0
    png = np.asarray(Image.open(tmp_path / "generator_samples.png"))
    assert png.ndim >= 2 and png.std() > 0
    out = tmp_path / "grids" / "nine.png"
    assert cli.main(["sample", str(path), "-n", "9", "--out", str(out)]) == 0 and out.exists()


def test_sample_a_conditional_generator_spreads_the_labels():
    gan = ganzoo.get("cgan", **ganzoo.registry.get_test_config("cgan"), seed=0)
    np.testing.assert_allclose(generate_with(gan.generator, 6, seed=1), gan.generate(6, seed=1), atol=1e-5)


def test_sample_refuses_an_image_to_image_generator_naming_the_command(tmp_path, capsys):
    inp = keras.Input((8, 8, 3))
    generator = keras.Model(inp, keras.layers.Conv2D(3, 3, padding="same", activation="tanh")(inp))
    path = tmp_path / "generator.keras"
    generator.save(path)
    assert cli.main(["sample", str(path)]) == 2
    err = capsys.readouterr().err
    assert "ganzoo translate" in err and "Received: a model with input shapes [(8, 8, 3)]" in err
    with pytest.raises(ValueError, match="num_samples"):
        generate_with(generator, 0)
