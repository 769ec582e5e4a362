"""pix2pix and cyclegan beyond the registry sweep: pool, LR decay, losses, shapes, data."""
import os

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.layers import ImagePool, patchgan_discriminator
from ganzoo.models.cyclegan import CycleGAN, default_residual_blocks
from ganzoo.models.pix2pix import unet_depth
from ganzoo.schedules import LinearDecay


def _np(v):
    return np.array(keras.ops.convert_to_numpy(v))


def _tiny_cyclegan(**kw):
    config = dict(image_shape=(16, 16, 1), channels_b=3, filters=4, disc_filters=4,
                  num_residual_blocks=1, seed=0)
    config.update(kw)
    return ganzoo.get("cyclegan", **config)


# ------------------------------------------------------------------ image pool
def test_image_pool_fills_then_swaps_with_probability_half():
    pool = ImagePool(4, (2, 2, 1))
    seeds = keras.random.SeedGenerator(0)
    first = np.arange(1, 5, dtype="float32").reshape(4, 1, 1, 1) * np.ones((4, 2, 2, 1), "float32")
    out = _np(pool.query(first, seeds))
    # While filling, every image is stored and returned as it is.
    np.testing.assert_array_equal(out, first)
    assert int(_np(pool.count)) == 4
    np.testing.assert_array_equal(_np(pool.buffer)[:4], first)

    seen = set(range(1, 5))
    swapped = total = 0
    for step in range(150):
        new = (100 + step * 8 + np.arange(8, dtype="float32")).reshape(8, 1, 1, 1) * np.ones((8, 2, 2, 1), "float32")
        out = _np(pool.query(new, seeds))
        values = out[:, 0, 0, 0]
        from_pool = values != new[:, 0, 0, 0]
        # A returned image is either the new one or one that was stored before.
        assert all(v in seen for v in values[from_pool])
        swapped += int(from_pool.sum())
        total += len(values)
        seen.update(new[:, 0, 0, 0].tolist())
        assert int(_np(pool.count)) == 4
    rate = swapped / total
    # 1200 Bernoulli(0.5) draws: std 0.014; a few draws per batch can pick the same
    # slot, which does not change the rate at which stored images are returned.
    assert 0.44 < rate < 0.56, rate


def test_image_pool_of_size_zero_passes_images_through():
    pool = ImagePool(0, (2, 2, 1))
    x = np.random.default_rng(0).normal(size=(3, 2, 2, 1)).astype("float32")
    np.testing.assert_array_equal(_np(pool.query(x, keras.random.SeedGenerator(1))), x)


# ------------------------------------------------------------------ LR decay
def test_linear_decay_is_constant_then_reaches_zero():
    s = LinearDecay(2e-4, constant_epochs=3, decay_epochs=2, steps_per_epoch=10)
    lr = [float(_np(s(step))) for step in range(0, 61)]
    np.testing.assert_allclose(lr[:31], 2e-4, rtol=1e-6)  # the first 3 epochs
    assert all(a >= b for a, b in zip(lr, lr[1:]))
    np.testing.assert_allclose(lr[40], 1e-4, rtol=1e-5)  # halfway through the decay
    # The last update (step 49) uses 2e-4 / 20; the rate is 0 when the last epoch ends.
    np.testing.assert_allclose(lr[49], 1e-5, rtol=1e-4)
    assert lr[50] == 0.0 and lr[60] == 0.0
    assert LinearDecay.from_config(s.get_config()).get_config() == s.get_config()
    with pytest.raises(ValueError, match="decay_epochs=-1"):
        LinearDecay(2e-4, 1, -1)


def test_cyclegan_fit_decays_to_zero_survives_resume_and_keeps_pool(tmp_path):
    # A (1 channel) and B (3 channels) differ in channels; identity loss is then off.
    model = _tiny_cyclegan(constant_epochs=1, decay_epochs=2, pool_size=3)
    assert model.identity_weight == 0.0
    a, b = model.example_data(8, seed=0)
    assert a.shape[-1] == 1 and b.shape[-1] == 3
    model.fit(a, b, batch_size=4, epochs=1, verbose=0)  # fit counts 2 steps per epoch
    assert model.g_optimizer._learning_rate.steps_per_epoch == 2
    np.testing.assert_allclose(_np(model.g_optimizer.learning_rate), 2e-4, rtol=1e-6)
    # The pool ran inside the compiled step: full after 8 images, and saved.
    assert int(_np(model.pool_a.count)) == 3 and int(_np(model.pool_b.count)) == 3
    assert np.abs(_np(model.pool_b.buffer)[:3]).sum() > 0
    path = tmp_path / "cg.keras"
    model.save(path)

    loaded = keras.saving.load_model(path)
    np.testing.assert_array_equal(_np(loaded.pool_b.buffer), _np(model.pool_b.buffer))
    assert int(_np(loaded.pool_a.count)) == 3
    loaded.fit(a, b, batch_size=4, epochs=3, initial_epoch=1, verbose=0)
    for opt in (loaded.g_optimizer, loaded.d_optimizer):
        assert int(_np(opt.iterations)) == 6
        assert float(_np(opt.learning_rate)) == 0.0  # zero at the end of the last epoch
    out = loaded.translate(a[:2], "a_to_b")
    assert out.shape == (2, 16, 16, 3) and np.all(np.abs(out) <= 1)
    assert loaded.translate(b[:2], "b_to_a").shape == (2, 16, 16, 1)


# ------------------------------------------------------------------ losses
def _identity_net(shape, name):
    inp = keras.Input(shape)
    return keras.Model(inp, keras.layers.Identity()(inp), name=name)


def test_identity_and_cycle_losses_are_zero_for_identity_generators():
    shape = (16, 16, 3)
    model = CycleGAN(
        _identity_net(shape, "generator_ab"), _identity_net(shape, "generator_ba"),
        patchgan_discriminator(shape, 4, 2, "instance", name="discriminator_a"),
        patchgan_discriminator(shape, 4, 2, "instance", name="discriminator_b"),
    )
    a, b = model.example_data(4, seed=0)
    out = model.generator_losses(a, b, training=False)
    assert float(_np(out["identity"])) == 0.0
    assert float(_np(out["cycle"])) == 0.0

    real = ganzoo.get("cyclegan", image_shape=shape, filters=4, disc_filters=4, num_residual_blocks=1)
    out = real.generator_losses(a, b, training=False)
    expected = (np.mean(np.abs(real.translate(b, "a_to_b") - b)) + np.mean(np.abs(real.translate(a, "b_to_a") - a)))
    np.testing.assert_allclose(float(_np(out["identity"])), expected, rtol=1e-4)
    assert real.identity_weight == 0.5


def test_identity_weight_needs_equal_channels():
    with pytest.raises(ValueError, match="identity_weight=0.5"):
        _tiny_cyclegan(identity_weight=0.5)


# ------------------------------------------------------------------ networks / checks
def test_network_sizes_follow_the_papers():
    assert unet_depth((256, 256, 3)) == 8 and unet_depth((16, 16, 3)) == 4
    d = patchgan_discriminator((256, 256, 3), filters=2, num_layers=3)
    assert tuple(d.outputs[0].shape[1:]) == (30, 30, 1)  # 70x70 patches
    assert default_residual_blocks((256, 256, 3)) == 9 and default_residual_blocks((128, 128, 3)) == 6
    blocks = sum(isinstance(l, keras.layers.Add) for l in _tiny_cyclegan().generator_ab.layers)
    assert blocks == 1
    p = ganzoo.get("pix2pix", image_shape=(16, 16, 3), channels_b=1, filters=4, disc_filters=4)
    assert p.translate(p.example_inputs(2), "a_to_b").shape == (2, 16, 16, 1)
    drops = [l for l in p.generator.layers if isinstance(l, keras.layers.Dropout)]
    assert len(drops) == 3 and all(l.rate == 0.5 for l in drops)


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match=r"Received: image_shape=\(30, 30, 3\)"):
        ganzoo.get("pix2pix", image_shape=(30, 30, 3))
    with pytest.raises(ValueError, match=r"Received: image_shape=\(18, 18, 3\)"):
        ganzoo.get("cyclegan", image_shape=(18, 18, 3))
    with pytest.raises(ValueError, match="norm='group'"):
        ganzoo.get("pix2pix", image_shape=(16, 16, 3), norm="group")
    p = ganzoo.get("pix2pix", image_shape=(16, 16, 3), filters=4, disc_filters=4)
    with pytest.raises(ValueError, match="direction='b_to_a'"):
        p.translate(p.example_inputs(1), direction="b_to_a")
    with pytest.raises(ValueError, match=r"shape \(2, 8, 8, 3\)"):
        p.translate(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"Received: B batch of shape \(4, 16, 16, 1\)"):
        p.fit(np.zeros((4, 16, 16, 3)), np.zeros((4, 16, 16, 1)), batch_size=4, verbose=0)


# ------------------------------------------------------------------ data
def test_digit_domains_are_unpaired_and_restyled():
    from ganzoo.data.embedded_pairs import load_digit_domains

    a, b, ya, yb = load_digit_domains("train", image_size=16, labels=True)
    assert a.shape == (750, 16, 16, 1) and b.shape == (750, 16, 16, 3)
    assert a.min() >= -1 and a.max() <= 1 and b.min() >= -1 and b.max() <= 1
    assert np.mean(a) < -0.3 and np.mean(b) > 0.0  # dark paper vs cream paper
    at, bt, yt, ybt = load_digit_domains("test", image_size=16, labels=True)
    assert len(at) == len(bt) == 297 and np.array_equal(yt, ybt)
    assert not any(np.allclose(x, y) for x in a[:50] for y in at[:50])  # held out


def test_photo_pairs_hold_out_test_photos():
    from ganzoo.data.embedded_pairs import load_photo_pairs

    a, b = load_photo_pairs("deblur", "train", image_size=16, num_crops=32)
    assert a.shape == b.shape == (32, 16, 16, 3)
    # Blurred input has less high-frequency energy than the sharp target.
    grad = lambda x: np.mean(np.abs(np.diff(x, axis=2)))  # noqa: E731
    assert grad(a) < grad(b)
    ga, gb = load_photo_pairs("colorize", "test", image_size=16, num_crops=8)
    assert ga.shape == (8, 16, 16, 1) and gb.shape == (8, 16, 16, 3)
    with pytest.raises(ValueError, match="task='sketch'"):
        load_photo_pairs("sketch")


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


def _write_png(path, array):
    from PIL import Image

    Image.fromarray(array).save(path)


def test_folder_loaders(tmp_path):
    from ganzoo.data.image2image import load_paired_folder, load_paired_folders, load_unpaired_folders

    rng = np.random.default_rng(0)
    for d in ("a", "b", "pairs", "b_bad"):
        os.makedirs(tmp_path / d)
    for i in range(4):
        _write_png(tmp_path / "a" / f"{i}.png", rng.integers(0, 256, (20, 20, 3), dtype=np.uint8))
        _write_png(tmp_path / "b" / f"{i}.png", rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
        _write_png(tmp_path / "b_bad" / f"x{i}.png", rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
        side = np.concatenate([np.zeros((16, 16, 3), np.uint8), np.full((16, 16, 3), 255, np.uint8)], axis=1)
        _write_png(tmp_path / "pairs" / f"{i}.png", side)

    a, b = next(iter(load_unpaired_folders(tmp_path / "a", tmp_path / "b", image_size=16, channels_b=1,
                                           batch_size=2)))
    assert tuple(a.shape) == (2, 16, 16, 3) and tuple(b.shape) == (2, 16, 16, 1)
    # Side by side: A is the black left half, B the white right half, after jitter too.
    a, b = next(iter(load_paired_folder(tmp_path / "pairs", image_size=8, batch_size=4)))
    np.testing.assert_allclose(np.asarray(a), -1.0, atol=1e-5)
    np.testing.assert_allclose(np.asarray(b), 1.0, atol=1e-5)
    a, b = next(iter(load_paired_folders(tmp_path / "a", tmp_path / "b", image_size=16, jitter=False,
                                         shuffle=False, batch_size=4)))
    assert tuple(a.shape) == tuple(b.shape) == (4, 16, 16, 3)
    with pytest.raises(ValueError, match="same image names"):
        load_paired_folders(tmp_path / "a", tmp_path / "b_bad")
    with pytest.raises(ValueError, match="Received: directory="):
        load_paired_folder(tmp_path / "missing")


def test_data_loaders_check_arguments_before_tensorflow(tmp_path):
    """Bad arguments fail before TensorFlow is imported; without TensorFlow, the error names the loader."""
    import subprocess
    import sys

    os.makedirs(tmp_path / "a")
    _write_png(tmp_path / "a" / "0.png", np.zeros((8, 8, 3), np.uint8))
    code = f"""
import sys
sys.modules["tensorflow"] = None  # as if not installed: `import tensorflow` raises ImportError
import ganzoo.data as d
a = {str(tmp_path / "a")!r}
for call, needle in [
    (lambda: d.load_unpaired_folders(a, a, channels_b=2), "channels_b=2"),
    (lambda: d.load_unpaired_folders(a, a + "/missing"), "dir_b="),
    (lambda: d.load_paired_folder(a, channels=2), "channels=2"),
    (lambda: d.load_image_folder(a, channels=True), "channels=True"),
    (lambda: d.load_paired_folders(a, a, batch_size=0), "batch_size=0"),
    (lambda: d.load_image_folder(a, image_size=4), "image_size=4"),
    (lambda: d.load_cycle_gan(split="val"), "split='val'"),
    (lambda: d.load_div2k(scale=8), "scale=8"),
]:
    try:
        call()
    except ValueError as e:
        assert needle in str(e), (needle, e)
    else:
        raise AssertionError(needle)
try:
    d.load_image_folder(a)
except ImportError as e:
    assert "load_image_folder" in str(e) and "pip install tensorflow-cpu" in str(e), e
else:
    raise AssertionError("no ImportError")
"""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=root)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_cli_translate_writes_one_png_per_input(tmp_path, capsys):
    from PIL import Image

    from ganzoo import cli

    model = ganzoo.get("pix2pix", image_shape=(16, 16, 3), channels_b=1, filters=4, disc_filters=4)
    path = str(tmp_path / "p2p.keras")
    model.save(path)
    os.makedirs(tmp_path / "in")
    rng = np.random.default_rng(0)
    for i in range(3):  # other sizes and grayscale inputs are converted
        _write_png(tmp_path / "in" / f"im{i}.png", rng.integers(0, 256, (20, 24) if i else (16, 16, 3), dtype=np.uint8))
    code = cli.main(["translate", path, "--input", str(tmp_path / "in"), "--out", str(tmp_path / "out"),
                     "--batch-size", "2"])
    assert code == 0
    outs = sorted(os.listdir(tmp_path / "out"))
    assert outs == ["im0.png", "im1.png", "im2.png"]
    with Image.open(tmp_path / "out" / "im1.png") as img:
        assert img.size == (16, 16) and img.mode == "L"
    # pix2pix has only the A -> B generator: a clear error, exit code 2.
    code = cli.main(["translate", path, "--input", str(tmp_path / "in"), "--out", str(tmp_path / "o2"),
                     "--direction", "b_to_a"])
    assert code == 2 and "direction='b_to_a'" in capsys.readouterr().err


def test_zip_unpaired_shuffles_sides_independently_and_repeats_the_shorter():
    import tensorflow as tf

    from ganzoo.data.image2image import zip_unpaired

    ds = zip_unpaired(tf.data.Dataset.range(10), tf.data.Dataset.range(4), seed=3)
    pairs = [(int(a), int(b)) for a, b in ds]
    assert len(pairs) == 10  # one epoch covers the longer side
    assert sorted(a for a, _ in pairs) == list(range(10))
    assert set(b for _, b in pairs) == set(range(4))
    assert [a for a, _ in pairs] != list(range(10))  # shuffled


def test_cyclegan_digits_example_runs(tmp_path):
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, KERAS_BACKEND=keras.config.backend(), PYTHONPATH=root)
    proc = subprocess.run(
        [sys.executable, os.path.join(root, "examples", "cyclegan_digits.py"), "--epochs", "1",
         "--image-size", "16", "--filters", "4", "--blocks", "1", "--num-train", "8",
         "--out", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "label preservation B->A:" in proc.stdout
    assert (tmp_path / "cyclegan_digits.png").exists() and (tmp_path / "cyclegan.keras").exists()
