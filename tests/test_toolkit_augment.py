"""DiffAugment (ganzoo/augment.py; builders' `augment`)."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo import augment
from tests.harness import numpy


def _images(n=6, size=8, channels=1, seed=0):
    # Strictly positive pixels, so that a zeroed pixel is one the augmentation zeroed.
    return np.random.default_rng(seed).uniform(0.2, 1.0, (n, size, size, channels)).astype("float32")


def _shifted(img, dy, dx):
    out = np.zeros_like(img)
    h, w = img.shape[:2]
    ys, xs = slice(max(dy, 0), h + min(dy, 0)), slice(max(dx, 0), w + min(dx, 0))
    yo, xo = slice(max(-dy, 0), h + min(-dy, 0)), slice(max(-dx, 0), w + min(-dx, 0))
    out[ys, xs] = img[yo, xo]
    return out


def test_translation_shifts_each_image_by_at_most_an_eighth_with_zeros_in():
    x = _images(8, size=16)
    out = numpy(augment.translation(keras.ops.convert_to_tensor(x), keras.random.SeedGenerator(1)))
    shifts = []
    for img, got in zip(x, out):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3) if np.allclose(got, _shifted(img, dy, dx))]
        assert found, "not a shift of at most 2 pixels"
        shifts.append(found[0])
    assert len(set(shifts)) > 1  # drawn per image


def test_cutout_zeros_one_square_of_half_the_size():
    x = _images(8, size=8, channels=2)
    out = numpy(augment.cutout(keras.ops.convert_to_tensor(x), keras.random.SeedGenerator(2)))
    for img, got in zip(x, out):
        cut = got[..., 0] == 0
        np.testing.assert_array_equal(got[~cut], img[~cut])
        assert np.all(got[cut] == 0)
        rows, cols = np.nonzero(cut.any(axis=1))[0], np.nonzero(cut.any(axis=0))[0]
        assert cut.sum() == len(rows) * len(cols) and len(rows) <= 4 and len(cols) <= 4  # a (clipped) square
        assert cut.sum() > 0


def test_color_is_an_affine_map_per_image_in_one_channel():
    # One channel: saturation leaves it alone, brightness and contrast make a·x + b with a in [0.5, 1.5].
    x = _images(6)
    out = numpy(augment.color(keras.ops.convert_to_tensor(x), keras.random.SeedGenerator(3)))
    for img, got in zip(x, out):
        a, b = np.polyfit(img.ravel(), got.ravel(), 1)
        np.testing.assert_allclose(got, a * img + b, atol=1e-5)
        assert 0.5 <= a <= 1.5
    assert not np.allclose(out, x)


def test_policy_is_differentiable_and_drawn_from_the_seed_generator():
    model = ganzoo.get("dcgan", image_shape=(8, 8, 1), latent_dim=4, filters=4, seed=7,
                       augment="color,translation,cutout")
    twin = ganzoo.get("dcgan", image_shape=(8, 8, 1), latent_dim=4, filters=4, seed=7,
                      augment="color,translation,cutout")
    x = keras.ops.convert_to_tensor(_images(4))
    state = numpy(model.seed_generator.state)
    first = numpy(model.d_input(x))
    assert not np.array_equal(numpy(model.seed_generator.state), state)  # the model's generator advanced
    np.testing.assert_array_equal(numpy(twin.d_input(x)), first)  # same seed, same draws
    assert not np.allclose(numpy(model.d_input(x)), first)  # fresh draws each batch
    np.testing.assert_array_equal(numpy(model.d_input(x, training=False)), numpy(x))  # none at inference
    _, grads = model.input_gradients(lambda t: model.d_input(t), x)
    assert np.all(np.isfinite(numpy(grads))) and np.abs(numpy(grads)).sum() > 0


def test_bad_policies_are_refused():
    with pytest.raises(ValueError, match="Received: augment='color,colour'"):
        ganzoo.get("dcgan", image_shape=(8, 8, 1), augment="color,colour")
    with pytest.raises(ValueError, match="Received: augment='cutout,cutout'"):
        augment.check_policy("cutout,cutout")
    with pytest.raises(ValueError, match="Received: augment='color'"):
        ganzoo.get("gan", data_shape=(2,), augment="color")  # vectors: nothing to augment
    assert augment.check_policy(" color , cutout") == "color,cutout"
