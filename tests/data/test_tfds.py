"""tfds datasets through ganzoo.data (ganzoo/data/tfds_loader.py), with tfds.testing.mock_data."""
import numpy as np
import pytest

import ganzoo
import ganzoo.data as gdata
from ganzoo.data import super_resolution as sr_data


@pytest.fixture
def tfds():
    pytest.importorskip("tensorflow")
    return pytest.importorskip("tensorflow_datasets")


def _rows(x):
    return {row.tobytes() for row in x.reshape(len(x), -1)}


def _as_numpy(ds):
    return list(ds.as_numpy_iterator())


def test_tfds_mnist_unbatched(tfds):
    with tfds.testing.mock_data(num_examples=12):
        ds = gdata.load("tfds:mnist", labels=True)
        items = _as_numpy(ds)
    assert len(items) == 12
    x, y = items[0]
    assert x.shape == (28, 28, 1) and x.dtype == np.float32
    assert np.issubdtype(y.dtype, np.integer)
    xs = np.stack([item[0] for item in items])
    assert xs.min() >= -1.0 and xs.max() <= 1.0
    assert xs.min() < -0.9 and xs.max() > 0.9  # uses the whole range
    gdata.check_images(xs, image_shape=(28, 28, 1))


def test_tfds_mnist_batched_resized_rgb(tfds):
    with tfds.testing.mock_data(num_examples=20):
        ds = gdata.load("tfds:mnist", batch_size=8, image_size=32, channels=3, seed=1)
        assert ds.element_spec.shape.as_list() == [8, 32, 32, 3]
        batches = _as_numpy(ds)
    assert len(batches) == 2  # 20 examples, drop_remainder
    for batch in batches:
        assert batch.shape == (8, 32, 32, 3) and batch.dtype == np.float32
        gdata.check_images(batch, image_shape=(32, 32, 3))
        np.testing.assert_array_equal(batch[..., 0], batch[..., 1])


def test_tfds_shuffle_is_seeded(tfds):
    with tfds.testing.mock_data(num_examples=16):
        a = np.stack(_as_numpy(gdata.load("tfds:mnist", seed=5)))
        b = np.stack(_as_numpy(gdata.load("tfds:mnist", seed=5)))
        plain = np.stack(_as_numpy(gdata.load("tfds:mnist", shuffle=False)))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, plain)
    assert _rows(a) == _rows(plain)


@pytest.mark.parametrize("size", [16, 15])
def test_tfds_random_size_images_are_resized(tfds, size):
    # Mock horse2zebra images have random heights and widths.
    with tfds.testing.mock_data(num_examples=10):
        ds = gdata.load(
            "cycle_gan/horse2zebra", split="trainA", image_size=size, channels=1
        )
        assert ds.element_spec.shape.as_list() == [size, size, 1]
        xs = np.stack(_as_numpy(ds))
        batches = _as_numpy(
            gdata.load("cycle_gan/horse2zebra", split="trainA", image_size=size, batch_size=4)
        )
    assert xs.shape == (10, size, size, 1) and xs.dtype == np.float32
    gdata.check_images(xs)
    assert [b.shape for b in batches] == [(4, size, size, 3)] * 2


def test_tfds_num_samples(tfds):
    with tfds.testing.mock_data(num_examples=10):
        assert len(_as_numpy(gdata.load("tfds:mnist", num_samples=3))) == 3
        with pytest.raises(ValueError, match="batch_size=8"):
            gdata.load("tfds:mnist", num_samples=5, batch_size=8)
        with pytest.raises(ValueError, match="num_samples=0"):
            gdata.load("tfds:mnist", num_samples=0)


def test_tfds_split_strings(tfds):
    with tfds.testing.mock_data(num_examples=4):
        assert len(_as_numpy(gdata.load("tfds:mnist", split="train[:50%]+test"))) > 0


def test_tfds_missing_data_fails_fast(tfds, tmp_path):
    with pytest.raises(ValueError) as info:
        gdata.load("tfds:mnist", data_dir=str(tmp_path))
    msg = str(info.value)
    assert "'mnist'" in msg
    assert "data_dir" in msg and "internet" in msg


def test_cycle_gan_tfds_loader_with_mock_data():
    import tensorflow_datasets as tfds

    from ganzoo.data.image2image import load_cycle_gan

    with tfds.testing.mock_data(num_examples=6):
        ds = load_cycle_gan("horse2zebra", image_size=16, batch_size=2)
        a, b = next(iter(ds))
        test = load_cycle_gan("horse2zebra", "test", image_size=16, batch_size=3, shuffle=False)
        ta, tb = next(iter(test))
    assert tuple(a.shape) == tuple(b.shape) == (2, 16, 16, 3)
    assert tuple(ta.shape) == (3, 16, 16, 3)
    for x in (a, b, ta, tb):
        x = np.asarray(x)
        assert x.min() >= -1 and x.max() <= 1


def test_div2k_loader_with_mock_data():
    tfds = pytest.importorskip("tensorflow_datasets")
    tf = pytest.importorskip("tensorflow")
    # DIV2K-like pairs (HR = 4 × LR) of varying sizes; the third is too small to crop.
    sizes = [(12, 10), (9, 15), (6, 6), (10, 8), (16, 9), (11, 11)]

    def as_dataset(self, *args, **kwargs):
        rng = np.random.default_rng(0)
        examples = []
        for h, w in sizes:
            hr = rng.integers(0, 256, (4 * h, 4 * w, 3), dtype=np.uint8)
            examples.append({"hr": hr, "lr": hr[::4, ::4]})
        return tf.data.Dataset.from_generator(
            lambda: iter(examples), output_signature={
                k: tf.TensorSpec((None, None, 3), tf.uint8) for k in ("hr", "lr")})

    with tfds.testing.mock_data(as_dataset_fn=as_dataset):
        ds = sr_data.load_div2k("train", scale=4, hr_size=32, batch_size=2, shuffle=False)
        batches = list(ds.as_numpy_iterator())
    assert len(batches) == 2  # 5 usable pairs, drop_remainder
    for lr, hr in batches:
        assert lr.shape == (2, 8, 8, 3) and hr.shape == (2, 32, 32, 3) and lr.dtype == np.float32
        assert lr.min() >= -1 and hr.max() <= 1
        np.testing.assert_array_equal(hr[:, ::4, ::4], lr)  # aligned crops


def test_tfds_loaders_say_when_a_dataset_is_not_prepared(tmp_path):
    # No network is needed: with download=False tfds only looks in `data_dir`, finds nothing
    # and raises AssertionError, which every ganzoo loader turns into the same ValueError.
    pytest.importorskip("tensorflow_datasets")
    pytest.importorskip("tensorflow")
    from ganzoo.data.image2image import load_cycle_gan

    calls = {
        "div2k/bicubic_x4": lambda: sr_data.load_div2k("train", data_dir=str(tmp_path)),
        "cycle_gan/horse2zebra": lambda: load_cycle_gan("horse2zebra", data_dir=str(tmp_path)),
        "mnist": lambda: ganzoo.data.load("tfds:mnist", data_dir=str(tmp_path)),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match=rf"Dataset '{name}' \(split='train[AB]?'\) is not prepared in "
                                             rf"data_dir='{tmp_path}' and download=False"):
            call()
