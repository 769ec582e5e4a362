"""TensorBoard: Keras' own callback on ganzoo models, and SampleGrid's image summaries.

Both read back from the event files, on every backend.
"""
import glob
import os

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo import plotting
from ganzoo.registry import get_test_config

tf = pytest.importorskip("tensorflow")
pytest.importorskip("tensorboard")


def _events(logdir):
    """`{tag: [(step, value)]}` of every summary under `logdir` (TF2 tensor summaries)."""
    out = {}
    for path in sorted(glob.glob(os.path.join(logdir, "**", "events.out.tfevents.*"), recursive=True)):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                out.setdefault(value.tag, []).append((event.step, tf.make_ndarray(value.tensor)))
    return out


def test_keras_tensorboard_logs_every_loss_of_a_ganzoo_model(tmp_path):
    model = ganzoo.get("gan", **get_test_config("gan"))
    history = model.fit(model.example_data(8, seed=1), batch_size=4, epochs=2, verbose=0,
                        callbacks=[keras.callbacks.TensorBoard(str(tmp_path))])
    events = _events(str(tmp_path / "train"))
    for name in ("d_loss", "g_loss"):
        logged = events[f"epoch_{name}"]
        assert [step for step, _ in logged] == [0, 1]
        np.testing.assert_allclose([float(v) for _, v in logged], history.history[name], rtol=1e-6)


def _decoded_images(events, tag):
    # An image summary holds [width, height, PNG bytes, ...] as a string tensor.
    return [(step, tf.io.decode_png(value[2]).numpy()) for step, value in events[tag]]


def test_sample_grid_writes_the_generated_grid_to_tensorboard(tmp_path):
    model = ganzoo.get("dcgan", **get_test_config("dcgan"))
    grid = ganzoo.callbacks.SampleGrid(None, num_samples=4, seed=3, tensorboard_dir=str(tmp_path / "samples"))
    model.fit(model.example_data(8, seed=1), batch_size=4, epochs=2, verbose=0, callbacks=[grid])
    assert grid.paths == []  # no PNG files without out_dir
    images = _decoded_images(_events(str(tmp_path / "samples")), "samples")
    assert [step for step, _ in images] == [1, 2]  # one per epoch, 1-based like the PNG names
    # The last image is the grid of the trained generator on the fixed noise.
    expected = plotting.image_grid(model.generate(4, seed=3))
    got = images[-1][1].astype("float32") / 255.0
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1.0 / 255 + 1e-6)
    assert not np.array_equal(images[0][1], images[1][1])  # the generator trained in between


@pytest.mark.slow  # pix2pix's first jit compile takes over a minute on JAX on a busy 2-core CPU
def test_sample_grid_tensorboard_and_png_for_an_image_to_image_model(tmp_path):
    model = ganzoo.get("pix2pix", **get_test_config("pix2pix"))
    data = model.example_data(4, seed=1)
    inputs = model.example_inputs(2, seed=2)
    grid = ganzoo.callbacks.SampleGrid(str(tmp_path / "png"), inputs=inputs,
                                       tensorboard_dir=str(tmp_path / "tb"))
    model.fit(data, batch_size=4, epochs=1, verbose=0, callbacks=[grid])
    assert len(grid.paths) == 1 and os.path.exists(grid.paths[0])
    [(step, image)] = _decoded_images(_events(str(tmp_path / "tb")), "samples")
    rows, ncols = model.preview(inputs)
    expected = plotting.image_grid(rows, ncols)
    assert step == 1 and image.shape == expected.shape
    np.testing.assert_allclose(image.astype("float32") / 255.0, expected, atol=1.0 / 255 + 1e-6)


def test_sample_grid_needs_a_destination():
    with pytest.raises(ValueError, match=r"Received: out_dir=None, tensorboard_dir=None"):
        ganzoo.callbacks.SampleGrid(None)
