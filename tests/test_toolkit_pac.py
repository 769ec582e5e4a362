"""PacGAN packing (Lin et al. 2018): ganzoo/gan.py `pack`, builders' `pac`."""
import keras
import numpy as np
import pytest

import ganzoo
from tests.harness import numpy, steps_taken


def test_pack_concatenates_groups_along_the_last_axis():
    model = ganzoo.get("dcgan", image_shape=(8, 8, 3), latent_dim=4, filters=4, pac=2)
    images = np.random.default_rng(0).uniform(-1, 1, (4, 8, 8, 3)).astype("float32")
    packed = numpy(model.pack(keras.ops.convert_to_tensor(images)))
    assert packed.shape == (2, 8, 8, 6)
    np.testing.assert_array_equal(packed[1], np.concatenate([images[2], images[3]], axis=-1))
    labels = numpy(model.pack(keras.ops.convert_to_tensor(np.arange(4, dtype="int32"))))
    np.testing.assert_array_equal(labels, [[0, 1], [2, 3]])
    vectors = ganzoo.get("gan", data_shape=(2,), hidden_units=(4,), pac=3)
    x = np.arange(12, dtype="float32").reshape(6, 2)
    np.testing.assert_array_equal(numpy(vectors.pack(keras.ops.convert_to_tensor(x))),
                                  x.reshape(2, 6))


@pytest.mark.parametrize("name, kwargs, d_input", [
    ("gan", {"data_shape": (2,), "hidden_units": (4,)}, (6,)),
    ("dcgan", {"image_shape": (8, 8, 1), "latent_dim": 4, "filters": 4}, (8, 8, 3)),
    ("cgan", {"image_shape": (8, 8, 1), "num_classes": 2, "latent_dim": 4, "filters": 4, "embed_dim": 2},
     (8, 8, 3)),
    ("wgan_gp", {"data_shape": (2,), "hidden_units": (4,), "d_steps": 2}, (6,)),
])
def test_discriminator_judges_pac_samples_at_once(name, kwargs, d_input):
    keras.utils.set_random_seed(0)
    model = ganzoo.get(name, pac=3, seed=0, **kwargs)
    assert tuple(model.discriminator.inputs[0].shape[1:]) == d_input
    assert model.get_config()["pac"] == 3
    data = model.example_data(12, seed=1)
    x = data[0] if isinstance(data, tuple) else data
    if name == "cgan":
        logits = model.discriminate([keras.ops.convert_to_tensor(x), keras.ops.convert_to_tensor(data[1])])
    else:
        logits = model.discriminate(keras.ops.convert_to_tensor(x))
    assert tuple(logits.shape) == (4, 1)  # one judgement per group of 3
    batch = 12 if name == "wgan_gp" else 6  # wgan_gp: 6 per critic update
    history = model.fit(data, batch_size=batch, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])


def test_batch_not_a_multiple_of_pac_is_refused_before_training():
    model = ganzoo.get("gan", data_shape=(2,), hidden_units=(4,), pac=2)
    x = np.zeros((12, 2), "float32")
    with pytest.raises(ValueError, match="Received: batch_size=5"):
        model.fit(x, batch_size=5, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"last batch.*Received: .*=1"):
        model.fit(np.zeros((9, 2), "float32"), batch_size=4, epochs=1, verbose=0)
    assert set(steps_taken(model).values()) == {0}
    wgan = ganzoo.get("wgan_gp", data_shape=(2,), hidden_units=(4,), d_steps=2, pac=2)
    with pytest.raises(ValueError, match="Received: batch_size=6"):  # 3 per critic update
        wgan.fit(np.zeros((12, 2), "float32"), batch_size=6, epochs=1, verbose=0)


@pytest.mark.parametrize("value", [0, -1, 1.5, True])
def test_bad_pac_is_refused(value):
    with pytest.raises(ValueError, match=f"Received: pac={value!r}"):
        ganzoo.get("dcgan", image_shape=(8, 8, 1), pac=value)


def test_a_discriminator_of_the_wrong_width_is_refused():
    g = ganzoo.models.vanilla.mlp_generator((2,), 2, (4,))
    d = ganzoo.models.vanilla.mlp_discriminator((2,), (4,))
    with pytest.raises(ValueError, match=r"input shape \(2,\)"):
        ganzoo.GAN(g, d, pac=2)
