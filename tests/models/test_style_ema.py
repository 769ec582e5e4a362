"""stylegan2 on the toolkit's generator EMA; progan's backend hook for its phase dispatch.

The EMA's update rule through `fit` is checked by tests/models/test_stylegan2.py (the EMA
copies the generator up to `ema_start`, then averages) and tests/test_toolkit_ema.py; here:
the one mechanism (names, config, sampling choice), `.keras` files old and new, and the
argument errors. No training: each test changes weights by hand.
"""
import copy
import io
import json
import zipfile

import h5py
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.backend import value_at_train_call
from ganzoo.registry import get_test_config

pytestmark = pytest.mark.xdist_group("stylegan2")


def _np(v):
    return np.asarray(keras.ops.convert_to_numpy(v), "float64")


def _perturb(net, seed):
    rng = np.random.default_rng(seed)
    for v in net.weights:  # the average is not trainable: all of its weights
        v.assign(_np(v) + rng.normal(0, 0.3, tuple(v.shape)))


@pytest.fixture(scope="module")
def model():
    """The registry's tiny stylegan2 with a toolkit EMA; its average made to differ from the generator."""
    keras.utils.set_random_seed(0)
    m = ganzoo.get("stylegan2", **get_test_config("stylegan2"), ema_decay=0.5, ema_start=3)
    _perturb(m.generator_ema, seed=1)
    return m


def test_the_average_is_the_toolkits_generator_ema(model):
    assert model.ema_model is model.generator_ema
    assert model.ema_generator is model.generator_ema  # the earlier name, an alias
    assert model.sampling_network() is model.generator_ema
    assert (model.ema_decay, model.ema_start) == (0.5, 3)
    assert not model.generator_ema.trainable_weights
    assert "ema_generator" not in model.network_names
    config = model.get_config()
    assert (config["ema_decay"], config["ema_start"]) == (0.5, 3)
    assert "ema_start_step" not in config and "ema_generator" not in config
    # The paper's default stays the default.
    assert ganzoo.get("stylegan2", image_shape=(8, 8, 1), channel_base=32, channel_max=4,
                      latent_dim=8, mapping_layers=1).ema_decay == 0.999


def test_generate_uses_the_average_unless_told(model):
    z = model.example_inputs(3, seed=5)

    def through(net):
        w = net.get_layer("mapping").predict(z, verbose=0)
        ws = np.repeat(w[:, None, :], model.num_ws, axis=1)
        return np.clip(net.get_layer("synthesis").predict(ws, verbose=0), -1, 1)

    average, live = through(model.generator_ema), through(model.generator)
    assert not np.allclose(average, live, atol=1e-3)
    np.testing.assert_allclose(model.generate(3, seed=5), average, atol=1e-5)
    np.testing.assert_allclose(model.generate(3, seed=5, use_ema=True), average, atol=1e-5)
    np.testing.assert_allclose(model.generate(3, seed=5, use_ema=False), live, atol=1e-5)


def test_without_ema_decay_there_is_no_average():
    keras.utils.set_random_seed(0)
    plain = ganzoo.get("stylegan2", **get_test_config("stylegan2"), ema_decay=None)
    assert plain.ema_model is None and plain.ema_generator is None
    assert plain.sampling_network() is plain.generator
    assert plain.get_config()["ema_decay"] is None  # saved as None: not the class default 0.999
    assert plain.generate(2, seed=0).shape == (2, 8, 8, 1)
    with pytest.raises(ValueError, match="Received: use_ema=True"):
        plain.generate(2, use_ema=True)


def _weights_h5_groups(path):
    with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
        return sorted(f.keys())


def test_keras_files_new_and_earlier_format_keep_the_average(model, tmp_path):
    """A round trip; then the earlier format (a third network `ema_generator`, `ema_start_step`) loads too."""
    new, old = str(tmp_path / "new.keras"), str(tmp_path / "old.keras")
    model.save(new)
    # The average is kept where files written before the toolkit EMA kept it.
    groups = _weights_h5_groups(new)
    assert "ema_generator" in groups and "generator_ema" not in groups
    with zipfile.ZipFile(new) as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "config.json":
                cfg = json.loads(data)
                inner = cfg["config"]
                ema = copy.deepcopy(inner["generator"])
                ema["config"]["name"] = "ema_generator"
                inner["ema_generator"] = ema
                inner["ema_start_step"] = inner.pop("ema_start")
                data = json.dumps(cfg).encode()
            dst.writestr(item, data)
    for path in (new, old):
        loaded = ganzoo.load_model(path)
        assert (loaded.ema_decay, loaded.ema_start) == (0.5, 3)
        assert loaded.ema_generator is loaded.generator_ema
        for a, b in zip(model.generator_ema.weights + model.generator.weights,
                        loaded.generator_ema.weights + loaded.generator.weights):
            np.testing.assert_array_equal(_np(a), _np(b))


@pytest.mark.parametrize("kwargs, needle", [
    ({"ema_decay": 1.0}, "Received: ema_decay=1.0"),
    ({"ema_decay": 1.0, "image_shape": None}, "Received: ema_decay=1.0"),  # deferred: before fit
    ({"ema_start": -1}, "Received: ema_start=-1"),
])
def test_bad_ema_arguments_are_refused_before_building(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        ganzoo.get("stylegan2", **{**get_test_config("stylegan2"), **kwargs})


def test_the_earlier_argument_name_is_refused():
    with pytest.raises((TypeError, ValueError), match="ema_start_step"):
        ganzoo.get("stylegan2", **get_test_config("stylegan2"), ema_start_step=1)


# ------------------------------------------------------------------ progan's hook
def test_value_at_train_call_reads_the_state_the_call_starts_from():
    keras.utils.set_random_seed(0)
    gan = ganzoo.get("progan", **get_test_config("progan"))
    gan.growth_step.assign(7)
    if keras.config.backend() == "jax":
        # Keras' JAX fit passes (trainable, non_trainable, optimizer, metrics) values first.
        non_trainable = [np.asarray(_np(v)) for v in gan.non_trainable_variables]
        index = next(i for i, v in enumerate(gan.non_trainable_variables) if v is gan.growth_step)
        non_trainable[index] = np.asarray(11, "int64")
        args = (([], non_trainable, [], []), None)
        assert int(value_at_train_call(gan, gan.growth_step, args)) == 11
    else:  # the variables are current during fit
        assert int(value_at_train_call(gan, gan.growth_step, (None,))) == 7
    assert gan._growth_step_at_call((([], [np.asarray(_np(v)) for v in gan.non_trainable_variables], [], []),
                                      None)) == 7
