"""Super-resolution data (ganzoo/data/super_resolution.py): photos, crops, folders."""
import numpy as np
import pytest

from ganzoo.data import super_resolution as sr_data


# ----------------------------------------------------------------------------- data
def test_embedded_photos_have_a_fixed_disjoint_split():
    train, test = sr_data.load_photos("train"), sr_data.load_photos("test")
    assert list(test) == ["astronaut", "coffee", "flower", "camera"]
    assert not set(train) & set(test) and len(train) == 13
    assert {"motorcycle", "grace_hopper"} <= set(train)  # scikit-image's stereo pair, matplotlib's photo
    for im in list(train.values()) + list(test.values()):
        assert im.dtype == np.uint8 and im.ndim == 3 and im.shape[-1] == 3 and min(im.shape[:2]) >= 96
    with pytest.raises(ValueError, match=r"Received: split='val'"):
        sr_data.load_photos("val")


def test_random_crop_pairs_lr_is_bicubic_of_hr():
    photos = sr_data.load_photos("test")
    lr, hr = sr_data.random_crop_pairs(photos, 6, hr_size=32, scale=4, seed=0)
    assert lr.shape == (6, 8, 8, 3) and hr.shape == (6, 32, 32, 3)
    assert lr.dtype == hr.dtype == np.float32 and hr.min() >= -1 and hr.max() <= 1
    hr_u8 = np.round((hr + 1) * 127.5).astype("uint8")
    for a, b in zip(lr, hr_u8):
        np.testing.assert_allclose(a, sr_data.to_unit_range(sr_data.bicubic_downsample(b, 4)), atol=1e-6)
    lr2, _ = sr_data.random_crop_pairs(photos, 6, hr_size=32, scale=4, seed=0)
    np.testing.assert_array_equal(lr, lr2)
    with pytest.raises(ValueError, match=r"Received: hr_size=30"):
        sr_data.random_crop_pairs(photos, 1, hr_size=30, scale=4)


def test_folder_loader_and_crop_dataset(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(2):
        Image.fromarray(rng.integers(0, 256, (40 + i, 50, 3), dtype=np.uint8)).save(tmp_path / f"im{i}.png")
    (tmp_path / "notes.txt").write_text("not an image")
    lr, hr = sr_data.load_folder(str(tmp_path), 5, hr_size=16, scale=2, seed=1)
    assert lr.shape == (5, 8, 8, 3) and hr.shape == (5, 16, 16, 3)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no image files"):
        sr_data.load_folder(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="existing folder"):
        sr_data.load_folder(str(tmp_path / "missing"))

    ds = sr_data.CropPairs(sr_data.load_photos("test"), batch_size=3, steps_per_epoch=2, hr_size=16, scale=2)
    a, b = ds[0]
    assert len(ds) == 2 and a.shape == (3, 8, 8, 3) and b.shape == (3, 16, 16, 3)
    np.testing.assert_array_equal(ds[0][0], a)  # same epoch, same index: same crops
    ds.on_epoch_end()
    assert not np.array_equal(ds[0][0], a)  # a new epoch draws new crops


def test_paired_random_crop_is_aligned():
    tf = pytest.importorskip("tensorflow")
    hr = np.arange(40 * 48 * 3, dtype="float32").reshape(40, 48, 3)
    lr = hr[::4, ::4]  # the LR pixel (y, x) is the HR pixel (4y, 4x)
    for s in range(5):
        lc, hc = sr_data.paired_random_crop(tf.constant(lr), tf.constant(hr), lr_size=3, scale=4,
                                            seed=tf.constant([0, s], tf.int64))
        np.testing.assert_array_equal(hc.numpy()[::4, ::4], lc.numpy())


def test_crop_pairs_channel_shuffle_permutes_colours_consistently():
    image = np.zeros((40, 40, 3), "uint8") + np.array([10, 100, 200], "uint8")
    lr, hr = sr_data.random_crop_pairs([image], 30, hr_size=8, scale=2, seed=0, channel_shuffle=True)
    orders = {tuple(np.round((h[0, 0] + 1) * 127.5).astype(int)) for h in hr}
    assert len(orders) > 1 and all(sorted(o) == [10, 100, 200] for o in orders)
    np.testing.assert_allclose(lr[:, 0, 0], hr[:, 0, 0], atol=1 / 127.5)  # LR made after the shuffle
    _, plain = sr_data.random_crop_pairs([image], 5, hr_size=8, scale=2, seed=0)
    assert {tuple(np.round((h[0, 0] + 1) * 127.5).astype(int)) for h in plain} == {(10, 100, 200)}
    batch = sr_data.CropPairs([image], batch_size=4, hr_size=8, scale=2, channel_shuffle=True)[0]
    assert batch[1].shape == (4, 8, 8, 3)


def test_crop_pairs_rotate_gives_every_orientation_and_matching_lr():
    # A crop-sized image whose 8 orientations (4 rotations x flip) are all different.
    image = np.arange(64, dtype="uint8").reshape(8, 8)[..., None].repeat(3, -1) * 3
    orientations = [np.rot90(im, k) for im in (image, image[:, ::-1]) for k in range(4)]
    lr, hr = sr_data.random_crop_pairs([image], 64, hr_size=8, scale=2, seed=0, rotate=True)
    hr_u8 = np.round((hr + 1) * 127.5).astype("uint8")
    seen = {next(i for i, o in enumerate(orientations) if np.array_equal(h, o)) for h in hr_u8}
    assert seen == set(range(8))
    for a, b in zip(lr, hr_u8):  # LR is made from the rotated crop
        np.testing.assert_allclose(a, sr_data.to_unit_range(sr_data.bicubic_downsample(b, 2)), atol=1e-6)
    _, plain = sr_data.random_crop_pairs([image], 64, hr_size=8, scale=2, seed=0)
    plain_u8 = np.round((plain + 1) * 127.5).astype("uint8")
    assert all(np.array_equal(h, image) or np.array_equal(h, image[:, ::-1]) for h in plain_u8)
    a, b = sr_data.CropPairs([image], batch_size=16, hr_size=8, scale=2, rotate=True)[0]
    assert a.shape == (16, 4, 4, 3) and len({h.tobytes() for h in b}) > 2
