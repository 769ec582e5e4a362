"""A model registered from outside ganzoo trains through `ganzoo train` with no CLI edit.

The command line names no model: it asks the registry for the model's class, loads the
data its `data_kind` declares (`ganzoo.data.load_for_training`), and passes the builder
the arguments the data decides (`image_shape`, `num_classes`, ...) that it takes.
"""
import csv

import numpy as np
import pytest

import ganzoo
from ganzoo import cli
from ganzoo.models import cgan as cgan_lib
from ganzoo.models.cgan import ConditionalGAN

SEEN = {}


@pytest.fixture
def toy_cgan():
    @ganzoo.register("toy_cgan", test_config={}, model_class=ConditionalGAN)
    def toy_cgan(*, image_shape=(8, 8, 1), num_classes=10, seed=None):
        """A tiny class-conditional DCGAN, registered by a test."""
        SEEN.update(image_shape=image_shape, num_classes=num_classes)
        return cgan_lib.cgan(image_shape=image_shape, num_classes=num_classes, latent_dim=8, filters=4,
                             embed_dim=4, seed=seed)

    yield "toy_cgan"
    ganzoo.models.unregister("toy_cgan")


def test_a_registered_toy_model_trains_through_the_cli(toy_cgan, tmp_path):
    assert ganzoo.models.get_model_class(toy_cgan).data_kind == "labeled"
    code = cli.main(["train", toy_cgan, "--dataset", "digits", "--image-size", "8", "--epochs", "2",
                     "--batch-size", "256", "--steps-per-epoch", "2", "--verbose", "0", "--out", str(tmp_path)])
    assert code == 0
    # The labeled kind gave the builder (images, labels) shapes: 8x8x1 digits, 10 classes.
    assert SEEN == {"image_shape": (8, 8, 1), "num_classes": 10}
    model = ganzoo.load_model(str(tmp_path / "model.keras"))
    assert isinstance(model, ConditionalGAN)
    assert int(np.asarray(model.g_optimizer.iterations)) == 4  # 2 epochs x 2 steps
    with open(tmp_path / "history.csv") as f:
        assert [row["epoch"] for row in csv.DictReader(f)] == ["0", "1"]
    assert sorted(p.name for p in (tmp_path / "samples").iterdir())[-1].endswith(".png")


def test_unregister_names_unknown_models():
    with pytest.raises(ValueError, match="Received: name='no_such_model'"):
        ganzoo.models.unregister("no_such_model")


def test_every_builtin_model_declares_its_data_kind():
    kinds = {name: ganzoo.models.get_model_class(name).data_kind for name in ganzoo.list_models()}
    assert kinds == {"cgan": "labeled", "cyclegan": "unpaired", "dcgan": "samples", "gan": "samples",
                     "pix2pix": "paired", "progan": "samples", "srgan": "super_resolution", "stylegan2": "samples", "wgan_gp": "samples"}
    assert set(kinds.values()) <= set(ganzoo.data.DATA_KINDS)
