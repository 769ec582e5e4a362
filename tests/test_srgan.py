"""SRGAN / SRResNet: sub-pixel layer, phases, VGG content loss, tiled upscaling, SR data."""
import os

import keras
import numpy as np
import pytest
from keras import ops

import ganzoo
from ganzoo.data import super_resolution as sr_data
from ganzoo.layers import SubPixelUpsampling
from ganzoo.models import srgan as srgan_lib
from ganzoo.registry import get_test_config


def _np(v):
    return np.array(ops.convert_to_numpy(v))


def _tiny(**overrides):
    return ganzoo.get("srgan", **{**get_test_config("srgan"), **overrides})


def _depth_to_space_reference(x, r):
    # TensorFlow's documented depth_to_space: out[b, h*r+i, w*r+j, c] = x[b, h, w, (i*r+j)*C + c].
    b, h, w, crr = x.shape
    c = crr // (r * r)
    out = np.zeros((b, h * r, w * r, c), x.dtype)
    for i in range(r):
        for j in range(r):
            out[:, i::r, j::r, :] = x[..., (i * r + j) * c : (i * r + j + 1) * c]
    return out


@pytest.mark.parametrize("r", [2, 3])
def test_subpixel_upsampling_is_depth_to_space(r):
    x = np.random.default_rng(0).standard_normal((2, 5, 7, 2 * r * r)).astype("float32")
    y = _np(SubPixelUpsampling(r)(x))
    assert y.shape == (2, 5 * r, 7 * r, 2)
    np.testing.assert_array_equal(y, _depth_to_space_reference(x, r))


def test_subpixel_upsampling_rejects_bad_channels():
    with pytest.raises(ValueError, match=r"channels divisible by 4.*Received: channels=6"):
        SubPixelUpsampling(2)(keras.Input((4, 4, 6)))
    with pytest.raises(ValueError, match=r"Received: scale=0"):
        SubPixelUpsampling(0)


@pytest.mark.parametrize("scale", [2, 4, 8])
def test_generator_output_is_exactly_scale_times_input(scale):
    gen = srgan_lib.srresnet_generator(channels=3, scale=scale, num_blocks=1, filters=4)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 5, 3, 3)).astype("float32")
    y = _np(gen(x))
    assert y.shape == (1, 5 * scale, 3 * scale, 3)
    assert srgan_lib.generator_scale(gen) == scale
    assert np.abs(y).max() <= 1.0


def _state(model, net):
    return [_np(v) for v in getattr(model, net).weights]


def test_warmup_leaves_discriminator_and_its_optimizer_untouched():
    model = _tiny(warmup_steps=100)
    lr, hr = model.example_data(8, seed=1)
    d_before = _state(model, "discriminator")  # kernels, biases and BatchNorm statistics
    d_opt_before = [_np(v) for v in model.d_optimizer.variables]
    g_before = [_np(v) for v in model.generator.trainable_variables]

    history = model.fit((lr, hr), batch_size=4, epochs=1, verbose=0)

    assert model.phase == "warmup"
    for a, b in zip(d_before, _state(model, "discriminator")):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(d_opt_before, [_np(v) for v in model.d_optimizer.variables]):
        np.testing.assert_array_equal(a, b)
    assert int(_np(model.d_optimizer.iterations)) == 0
    assert int(_np(model.g_optimizer.iterations)) == 2
    moved = [not np.allclose(a, b) for a, b in zip(g_before, [_np(v) for v in model.generator.trainable_variables])]
    assert all(moved)
    # Warm-up loss is the pixel MSE of the generator (SRResNet).
    assert history.history["g_loss"][0] == pytest.approx(history.history["content_loss"][0])
    assert history.history["d_loss"][0] == 0.0


def test_phase_switches_inside_one_fit_and_after_reload(tmp_path):
    model = _tiny(warmup_steps=3)
    data = model.example_data(8, seed=1)
    model.fit(data, batch_size=4, epochs=1, verbose=0)  # steps 1-2: warm-up
    assert model.phase == "warmup" and int(_np(model.d_optimizer.iterations)) == 0
    d_before = _state(model, "discriminator")
    model.fit(data, batch_size=4, epochs=1, verbose=0)  # step 3 warm-up, step 4 adversarial
    assert int(_np(model.g_optimizer.iterations)) == 4
    assert int(_np(model.d_optimizer.iterations)) == 1
    assert any(not np.allclose(a, b) for a, b in zip(d_before, _state(model, "discriminator")))

    path = tmp_path / "srgan.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.warmup_steps == 3 and loaded.phase == "adversarial"
    loaded.fit(data, batch_size=4, epochs=1, verbose=0)
    assert int(_np(loaded.d_optimizer.iterations)) == 3


def test_vgg_content_loss_uses_conv5_4_features_rescaled():
    # Random VGG19 weights: the real network and preprocessing, no download.
    model = _tiny(content_loss="vgg54", vgg_weights="random")
    features = model._vgg.model
    assert features.layers[-1].name == "block5_conv4"
    rng = np.random.default_rng(0)
    sr = rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    hr = rng.uniform(-1, 1, (2, 16, 16, 3)).astype("float32")
    # Reference: Keras' own caffe preprocessing of 0..255 RGB, features / 12.75.
    prep = keras.applications.vgg19.preprocess_input
    f_sr = _np(features(prep((sr + 1) * 127.5))) / 12.75
    f_hr = _np(features(prep((hr + 1) * 127.5))) / 12.75
    expected = np.mean((f_sr - f_hr) ** 2)
    got = float(_np(model.content_loss(sr, hr)))
    assert got == pytest.approx(expected, rel=1e-4)
    assert got != pytest.approx(float(np.mean((sr - hr) ** 2)), rel=1e-2)
    assert float(_np(model.content_loss(hr, hr))) == 0.0
    # And it trains: one adversarial step with the VGG content loss.
    history = model.fit(model.example_data(4, seed=1), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["content_loss"][0]) and history.history["content_loss"][0] > 0


def _no_download(*args, **kwargs):
    raise Exception("URL fetch failure: no network in tests")


def test_missing_vgg_weights_raise_and_name_the_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty cache
    monkeypatch.setattr(keras.src.utils.file_utils, "get_file", _no_download)  # offline: never download
    with pytest.raises(ValueError, match=r"content_loss='mse'.*Received: vgg_weights=None"):
        _tiny(content_loss="vgg54")
    with pytest.raises(ValueError, match=r"Received: vgg_weights='/nope.h5'"):
        _tiny(content_loss="vgg54", vgg_weights="/nope.h5")
    with pytest.raises(ValueError, match=r"Received: content_loss='l1'"):
        _tiny(content_loss="l1")


def test_builder_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"Received: scale=3"):
        _tiny(scale=3)
    with pytest.raises(ValueError, match=r"Received: lr_size=4, scale=2"):
        _tiny(lr_size=4)
    model = _tiny()
    lr, hr = model.example_data(4)
    with pytest.raises(ValueError, match=r"Received: hr with shape \(4, 8, 8, 3\)"):
        model.fit((lr, hr[:, :8, :8]), batch_size=4, epochs=1, verbose=0)


def test_upscale_tiled_equals_untiled():
    model = _tiny(num_blocks=2)
    model.fit(model.example_data(4), batch_size=4, epochs=1, verbose=0)  # non-trivial BN stats
    x = np.random.default_rng(3).uniform(-1, 1, (2, 13, 11, 3)).astype("float32")
    whole = model.upscale(x)
    assert whole.shape == (2, 26, 22, 3)
    tiled = model.upscale(x, tile=4)
    np.testing.assert_allclose(tiled, whole, atol=1e-5)
    single = model.upscale(x[0], tile=5)
    np.testing.assert_allclose(single, whole[0], atol=1e-5)
    # Without context the tile borders differ: the overlap is what makes them equal.
    assert np.abs(model.upscale(x, tile=4, overlap=0) - whole).max() > 1e-3
    with pytest.raises(ValueError, match=r"Received: images.shape=\(13, 11\)"):
        model.upscale(x[0, ..., 0])


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


def test_paired_random_crop_is_aligned():
    tf = pytest.importorskip("tensorflow")
    hr = np.arange(40 * 48 * 3, dtype="float32").reshape(40, 48, 3)
    lr = hr[::4, ::4]  # the LR pixel (y, x) is the HR pixel (4y, 4x)
    for s in range(5):
        lc, hc = sr_data.paired_random_crop(tf.constant(lr), tf.constant(hr), lr_size=3, scale=4,
                                            seed=tf.constant([0, s], tf.int64))
        np.testing.assert_array_equal(hc.numpy()[::4, ::4], lc.numpy())


def test_cli_upscale_writes_scaled_pngs(tmp_path):
    from PIL import Image

    from ganzoo import cli

    model = _tiny()
    model.save(tmp_path / "srgan.keras")
    model.generator.save(tmp_path / "generator.keras")
    src = tmp_path / "in"
    src.mkdir()
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (9, 14, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(src / "a.png")
    Image.fromarray(rng.integers(0, 256, (7, 5), dtype=np.uint8)).save(src / "b.jpg")  # gray: read as RGB
    for saved in ("srgan.keras", "generator.keras"):
        out = tmp_path / f"out_{saved}"
        assert cli.main(["upscale", str(tmp_path / saved), "--input", str(src), "--out", str(out), "--tile", "4"]) == 0
        a = np.asarray(Image.open(out / "a.png"))
        assert a.shape == (18, 28, 3) and np.asarray(Image.open(out / "b.png")).shape == (14, 10, 3)
        expected = model.upscale(rgb.astype("float32") / 127.5 - 1.0)
        expected = np.clip(np.round((expected + 1) * 127.5), 0, 255)
        assert np.abs(a.astype("float32") - expected).max() <= 1.0
    assert cli.main(["upscale", str(tmp_path / "srgan.keras"), "--input", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2


def test_srgan_example_runs(tmp_path):
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, KERAS_BACKEND=keras.config.backend(), PYTHONPATH=root)
    proc = subprocess.run(
        [sys.executable, os.path.join(root, "examples", "srgan_photos.py"), "--epochs", "3", "--steps", "1",
         "--blocks", "1", "--filters", "8", "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "SRGAN    RGB PSNR on astronaut" in proc.stdout
    assert (tmp_path / "srgan_astronaut.png").exists()


# ------------------------------------------------------------------ precise BatchNorm
def _population_moments(chunks):
    allx = np.concatenate([c.reshape(-1, c.shape[-1]) for c in chunks]).astype("float64")
    return allx.mean(0), allx.var(0)


def test_precise_batch_norm_writes_population_statistics():
    from ganzoo.layers import precise_batch_norm

    rng = np.random.default_rng(0)
    inp = keras.Input((3,))
    bn1 = keras.layers.BatchNormalization(epsilon=1e-3)
    bn2 = keras.layers.BatchNormalization(epsilon=1e-3)
    d1, d2 = keras.layers.Dense(4), keras.layers.Dense(5)
    out = bn2(d2(keras.layers.ReLU()(bn1(d1(inp)))))
    model = keras.Model(inp, out)
    for bn in (bn1, bn2):  # non-trivial affine parameters, so the second BN's input depends on them
        bn.gamma.assign(rng.uniform(0.5, 2.0, bn.gamma.shape).astype("float32"))
        bn.beta.assign(rng.normal(0, 1, bn.beta.shape).astype("float32"))
    # Batches with different means and spreads: their population differs from any one batch.
    batches = [(rng.normal(k, 1 + k, (7, 3)).astype("float32"), None) for k in range(5)]

    assert precise_batch_norm(model, batches) == 5

    # Reference in numpy: each BatchNorm normalises with its own batch's statistics (training
    # mode), and the population statistics pool every row of every batch.
    w1, b1 = (_np(v).astype("float64") for v in d1.weights)
    w2, b2 = (_np(v).astype("float64") for v in d2.weights)
    g1, be1 = _np(bn1.gamma).astype("float64"), _np(bn1.beta).astype("float64")
    h1s, h2s = [], []
    for x, _ in batches:
        h1 = x.astype("float64") @ w1 + b1
        z = (h1 - h1.mean(0)) / np.sqrt(h1.var(0) + 1e-3) * g1 + be1
        h1s.append(h1)
        h2s.append(np.maximum(z, 0) @ w2 + b2)
    for bn, chunks in ((bn1, h1s), (bn2, h2s)):
        mean, var = _population_moments(chunks)
        np.testing.assert_allclose(_np(bn.moving_mean), mean, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(_np(bn.moving_variance), var, rtol=1e-4, atol=1e-5)
    # Inference now normalises the population to zero mean and unit variance (before gamma/beta).
    y1 = _np(bn1(np.concatenate(h1s).astype("float32"), training=False))
    np.testing.assert_allclose(((y1 - _np(bn1.beta)) / _np(bn1.gamma)).mean(0), 0, atol=1e-4)


def test_precise_batch_norm_on_the_srresnet_generator():
    from ganzoo.layers import precise_batch_norm

    model = _tiny(num_blocks=2)
    gen = model.generator
    lr, hr = model.example_data(12, seed=1)
    batches = [(lr[i : i + 4] * (1 + i / 4), hr[i : i + 4]) for i in range(0, 12, 4)]
    # Only `steps` batches are used; the first BatchNorm's input is a conv output, known exactly.
    assert precise_batch_norm(gen, batches, steps=2) == 2
    bns = [l for l in gen.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert len(bns) == 2 * 2 + 1
    first_input = keras.Model(gen.input, bns[0].input)
    chunks = [_np(first_input(x, training=True)) for x, _ in batches[:2]]
    mean, var = _population_moments(chunks)
    np.testing.assert_allclose(_np(bns[0].moving_mean), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_np(bns[0].moving_variance), var, rtol=1e-4, atol=1e-5)
    for bn in bns:
        assert np.all(np.isfinite(_np(bn.moving_variance))) and np.all(_np(bn.moving_variance) >= 0)
    assert model.upscale(lr[:1]).shape == (1,) + model.hr_shape


def test_precise_batch_norm_rejects_nested_batch_norm_and_empty_input():
    from ganzoo.layers import precise_batch_norm

    inner = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.BatchNormalization()])
    inp = keras.Input((3,))
    outer = keras.Model(inp, inner(inp))
    with pytest.raises(ValueError, match="nested"):
        precise_batch_norm(outer, [np.zeros((2, 3), "float32")])
    flat = keras.Model(inp, keras.layers.BatchNormalization()(inp))
    with pytest.raises(ValueError, match="at least one batch"):
        precise_batch_norm(flat, [])


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


def test_tfds_loaders_say_when_a_dataset_is_not_prepared(tmp_path):
    # No network is needed: with download=False tfds only looks in `data_dir`, finds nothing
    # and raises AssertionError, which every ganzoo loader turns into the same ValueError.
    pytest.importorskip("tensorflow_datasets")
    pytest.importorskip("tensorflow")
    import ganzoo
    from ganzoo.data.image2image import load_cycle_gan

    calls = {
        "div2k/bicubic_x4": lambda: sr_data.load_div2k("train", data_dir=str(tmp_path)),
        "cycle_gan/horse2zebra": lambda: load_cycle_gan("horse2zebra", data_dir=str(tmp_path)),
        "mnist": lambda: ganzoo.data.load("mnist", data_dir=str(tmp_path)),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match=rf"Dataset '{name}' \(split='train[AB]?'\) is not prepared in "
                                             rf"data_dir='{tmp_path}' and download=False"):
            call()
