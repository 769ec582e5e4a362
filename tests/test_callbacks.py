"""SampleGrid writes real PNG grids; image_grid maps [-1, 1] to [0, 1]."""
import numpy as np
import pytest
from PIL import Image

import ganzoo
from ganzoo.plotting import image_grid


def test_image_grid_layout_and_range():
    imgs = np.stack([np.full((4, 4, 1), v, "float32") for v in (-1.0, 0.0, 1.0)])
    grid = image_grid(imgs, ncols=2, pad=1)
    assert grid.shape == (2 * 5 + 1, 2 * 5 + 1, 1)
    assert grid[1:5, 1:5].max() == 0.0 and np.allclose(grid[1:5, 6:10], 0.5) and grid[6:10, 1:5].min() == 1.0
    with pytest.raises(ValueError, match=r"images.shape=\(4, 4\)"):
        image_grid(np.zeros((4, 4)))


def test_sample_grid_every_n_epochs_reflects_training(tmp_path):
    gan = ganzoo.get("dcgan", image_shape=(8, 8, 1), filters=4, latent_dim=8, seed=0)
    x = ganzoo.data.load("digits", num_samples=64)
    grids = ganzoo.callbacks.SampleGrid(tmp_path, every=2, num_samples=16, seed=3)
    gan.fit(x, batch_size=16, epochs=4, verbose=0, callbacks=[grids])
    assert [p.split("/")[-1] for p in grids.paths] == ["samples_epoch0002.png", "samples_epoch0004.png"]
    first, last = (np.asarray(Image.open(p).convert("L"), "float32") for p in grids.paths)
    assert first.shape == last.shape and first.std() > 0
    assert np.abs(first - last).mean() > 0  # the generator changed between the two grids


def test_sample_grid_scatter_for_vectors(tmp_path):
    gan = ganzoo.get("gan", data_shape=(2,), hidden_units=(8,))
    grids = ganzoo.callbacks.SampleGrid(tmp_path, num_samples=8)
    gan.fit(ganzoo.data.load("ring", num_samples=256), batch_size=64, epochs=1, verbose=0, callbacks=[grids])
    assert Image.open(grids.paths[0]).size == (400, 400)


def test_sample_grid_rejects_bad_every():
    with pytest.raises(ValueError, match="Received: every=0"):
        ganzoo.callbacks.SampleGrid("x", every=0)


def test_sample_grid_rows_of_input_translation_reconstruction(tmp_path):
    import keras

    from ganzoo.registry import get_test_config

    model = ganzoo.get("cyclegan", **get_test_config("cyclegan"))  # 16x16x3 A and B
    a, b = model.example_data(4)
    grids = ganzoo.callbacks.SampleGrid(tmp_path, num_samples=3, inputs=a)
    model.fit(a, b, batch_size=2, epochs=1, verbose=0, callbacks=[grids])
    images, ncols = model.preview(a[:3])
    assert ncols == 3 and images.shape == (9, 16, 16, 3)
    # Row i: the input, its translation, and the translation translated back.
    np.testing.assert_array_equal(images[0], a[0])
    np.testing.assert_allclose(images[1], model.translate(a[:1])[0], atol=1e-5)
    np.testing.assert_allclose(images[2], model.translate(model.translate(a[:1]), "b_to_a")[0], atol=1e-5)
    png = np.asarray(Image.open(grids.paths[0]))
    assert png.shape[0] > png.shape[1]  # 3 rows of 3: taller than wide with the title
    # Without fixed inputs there is nothing to show: refused before any training.
    fresh = ganzoo.get("cyclegan", **get_test_config("cyclegan"))
    with pytest.raises(ValueError, match="Received: inputs=None"):
        fresh.fit(a, b, batch_size=2, epochs=1, verbose=0, callbacks=[ganzoo.callbacks.SampleGrid(tmp_path)])
    assert int(keras.ops.convert_to_numpy(fresh.g_optimizer.iterations)) == 0


def test_sample_grid_for_super_resolution(tmp_path):
    from ganzoo.registry import get_test_config

    model = ganzoo.get("srgan", **get_test_config("srgan"))  # x2, LR 8x8
    lr, hr = model.example_data(4)
    images, ncols = model.preview(lr[:2])
    assert ncols == 2 and images.shape == (4, 16, 16, 3)
    np.testing.assert_array_equal(images[0], np.repeat(np.repeat(lr[0], 2, axis=0), 2, axis=1))
    np.testing.assert_allclose(images[1], model.upscale(lr[:1])[0], atol=1e-5)
