"""Bad command-line input is one `ganzoo: error:` line on stderr and exit code 2, no traceback.

Called in-process through `ganzoo.cli.main` (see tests/test_cli.py); the saved models are
the session's shared tiny models.
"""
import os

import numpy as np
import pytest
from PIL import Image

from ganzoo import cli
from tests.harness import shared_model


def run(*argv):
    try:
        return cli.main([str(a) for a in argv])
    except SystemExit as e:
        return e.code


def one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    lines = [line for line in err if line.startswith("ganzoo: error:")]
    assert len(lines) == 1 and "Traceback" not in "\n".join(err), err
    return lines[0]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """`{name: path}` of saved shared models, written once for this module."""
    folder = tmp_path_factory.mktemp("models")
    paths = {}

    def get(name):
        if name not in paths:
            paths[name] = folder / f"{name}.keras"
            shared_model(name).save(paths[name])
        return paths[name]

    return get


# ----------------------------------------------------------------------------- train
def test_set_with_an_unknown_parameter(tmp_path, capsys):
    assert run("train", "dcgan", "--out", tmp_path / "run", "--set", "typo=1") == 2
    line = one_error_line(capsys)
    assert "dcgan has no parameter 'typo'" in line
    assert "Its parameters: image_shape, latent_dim, filters, learning_rate, beta_1, seed, loss," in line
    assert line.endswith("Received: --set typo=1")
    assert not (tmp_path / "run").exists()  # refused before any work
    assert run("train", "dcgan", "--out", tmp_path / "run", "--set", "filtres=8") == 2
    assert "Did you mean: 'filters'?" in one_error_line(capsys)


def test_set_with_a_bad_value_is_the_builders_error(tmp_path, capsys):
    assert run("train", "gan", "--dataset", "ring", "--out", tmp_path, "--set", "hidden_units=16") == 2
    assert one_error_line(capsys).endswith("Received: hidden_units=16")
    assert run("train", "dcgan", "--out", tmp_path, "--set", "latent_dim=True") == 2
    assert one_error_line(capsys).endswith("Received: latent_dim=True")


# ------------------------------------------------------------------ translate, upscale
def _folder_with_a_non_image(folder, size, name):
    folder.mkdir()
    Image.fromarray(np.zeros((size, size, 3), "uint8")).save(folder / "good.png")
    (folder / name).write_text("not an image")
    return folder


# The inputs are checked before the model loads (a bad folder costs no model load): the model
# path is never opened here.
def test_translate_names_a_file_that_is_not_an_image(tmp_path, capsys):
    inputs = _folder_with_a_non_image(tmp_path / "in", 16, "notes.png")
    assert run("translate", tmp_path / "pix2pix.keras", "--input", inputs, "--out", tmp_path / "out") == 2
    line = one_error_line(capsys)
    assert "not a readable image" in line and "notes.png" in line and f"Received: input_dir={str(inputs)!r}" in line


def test_upscale_names_a_file_that_is_not_an_image(tmp_path, capsys):
    inputs = _folder_with_a_non_image(tmp_path / "in", 8, "broken.jpg")
    assert run("upscale", tmp_path / "srgan.keras", "--input", inputs, "--out", tmp_path / "out") == 2
    line = one_error_line(capsys)
    assert "not a readable image" in line and "broken.jpg" in line
    assert not (tmp_path / "out").exists()


def test_a_truncated_image_is_named_too(tmp_path):
    from ganzoo.inference import check_image_files

    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(tmp_path / "whole.png")
    data = (tmp_path / "whole.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    check_image_files(tmp_path, ["whole.png"])
    with pytest.raises(ValueError, match=r"not a readable image: .*cut\.png"):
        check_image_files(tmp_path, ["whole.png", "cut.png"])


# ---------------------------------------------------------------------------- sample
def test_sample_out_creates_only_the_folder_asked_for(saved, tmp_path):
    out = tmp_path / "a" / ".." / "b" / "s.png"
    assert run("sample", saved("gan"), "-n", "4", "--out", out) == 0
    assert (tmp_path / "b" / "s.png").is_file()
    assert sorted(os.listdir(tmp_path)) == ["b"]  # no a/
    assert os.listdir(tmp_path / "b") == ["s.png"]  # no temporary file left


def test_sample_out_into_an_existing_folder(saved, tmp_path):
    assert run("sample", saved("gan"), "-n", "4", "--out", tmp_path) == 0
    assert os.listdir(tmp_path) == ["gan_samples.png"]


def test_sample_out_that_is_not_a_png_is_refused_before_anything(saved, tmp_path, capsys):
    for out in (tmp_path / "c" / "s.txt", tmp_path / "d" / "samples"):
        assert run("sample", saved("gan"), "-n", "4", "--out", out) == 2
        assert "--out must name a .png file or an existing folder" in one_error_line(capsys)
    assert os.listdir(tmp_path) == []
