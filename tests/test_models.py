"""The registry sweep: every registered model trains, generates and round-trips."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.registry import get_test_config

MODELS = ganzoo.list_models()


def _numpy(v):
    return np.array(keras.ops.convert_to_numpy(v))


def _build(name):
    return ganzoo.get(name, **get_test_config(name))


def _moving_stats(model):
    return [v for v in model.non_trainable_variables if "moving" in v.path]


def test_registry_is_not_empty():
    assert {"gan", "dcgan"} <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_one_fit_step_moves_every_network(name):
    model = _build(name)
    data = model.example_data(8, seed=1)
    before = {n: [_numpy(v) for v in getattr(model, n).trainable_variables] for n in model.network_names}
    stats_before = [_numpy(v) for v in _moving_stats(model)]
    iters_before = {o: int(_numpy(getattr(model, o).iterations)) for o in model.optimizer_networks}

    history = model.fit(data, batch_size=4, epochs=1, verbose=0, shuffle=False)

    for loss_name in model.loss_names:
        values = history.history[loss_name]
        assert len(values) == 1 and np.isfinite(values[0]), (loss_name, values)
    for opt_name in model.optimizer_networks:
        # 8 examples / batch 4 = 2 steps; each optimizer steps at least once per step.
        assert int(_numpy(getattr(model, opt_name).iterations)) >= iters_before[opt_name] + 2, opt_name
    trained = {n for nets in model.optimizer_networks.values() for n in nets}
    for net_name in trained:
        after = [_numpy(v) for v in getattr(model, net_name).trainable_variables]
        moved = [not np.allclose(a, b) for a, b in zip(before[net_name], after)]
        assert all(moved), f"{name}.{net_name}: {moved.count(False)} of {len(moved)} variables did not move"
    stats_after = [_numpy(v) for v in _moving_stats(model)]
    if stats_before:
        assert any(not np.allclose(a, b) for a, b in zip(stats_before, stats_after)), "BatchNorm statistics unchanged"


@pytest.mark.parametrize("name", MODELS)
def test_generate_shape_and_range(name):
    model = _build(name)
    if not hasattr(model, "generate"):
        pytest.skip(f"{name} has no generate()")
    images = model.generate(5, seed=0)
    assert images.shape[0] == 5
    assert images.dtype == np.float32
    assert np.all(np.isfinite(images))
    if images.ndim == 4:  # images come from tanh
        assert images.min() >= -1.0 and images.max() <= 1.0
    again = model.generate(5, seed=0)
    np.testing.assert_allclose(images, again, atol=1e-6)


@pytest.mark.parametrize("name", MODELS)
def test_keras_round_trip(name, tmp_path):
    model = _build(name)
    model.fit(model.example_data(8, seed=1), batch_size=4, epochs=1, verbose=0)
    inputs = model.example_inputs(3, seed=2)
    expected = model.predict(inputs, verbose=0)
    path = tmp_path / f"{name}.keras"
    model.save(path)

    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    assert loaded.compiled
    keras.tree.map_structure(
        lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5),
        expected,
        loaded.predict(inputs, verbose=0),
    )
    for opt_name in model.optimizer_networks:
        a, b = getattr(model, opt_name), getattr(loaded, opt_name)
        assert int(_numpy(a.iterations)) == int(_numpy(b.iterations)) > 0
        assert len(a.variables) == len(b.variables)
        for va, vb in zip(a.variables, b.variables):
            np.testing.assert_array_equal(_numpy(va), _numpy(vb))
    # The loaded model keeps training from the restored state.
    loaded.fit(loaded.example_data(4, seed=3), batch_size=4, epochs=1, verbose=0)
    for opt_name in model.optimizer_networks:
        assert int(_numpy(getattr(loaded, opt_name).iterations)) > int(_numpy(getattr(model, opt_name).iterations))


@pytest.mark.parametrize("name", MODELS)
def test_generator_saves_alone(name, tmp_path):
    model = _build(name)
    net = getattr(model, model.network_names[0])
    path = tmp_path / "net.keras"
    net.save(path)
    loaded = keras.saving.load_model(path)
    x = model.example_inputs(2, seed=0)
    if isinstance(x, (tuple, list)) and len(net.inputs) == 1:
        x = x[0]
    np.testing.assert_allclose(net.predict(x, verbose=0), loaded.predict(x, verbose=0), atol=1e-5)


def test_unknown_model_lists_close_matches():
    with pytest.raises(ValueError, match=r"Did you mean: 'dcgan'.*Received: name='dcgna'"):
        ganzoo.get("dcgna")


def test_duplicate_registration_raises():
    with pytest.raises(ValueError, match="already registered.*'dcgan'"):
        ganzoo.register("dcgan")(lambda: None)


def test_list_models_filters():
    assert ganzoo.list_models(include="dc*") == ["dcgan"]
    assert "dcgan" not in ganzoo.list_models(exclude="dc*")
    assert ganzoo.get_builder("gan") is ganzoo.registry.get_builder("gan")


def test_models_doc_table_is_in_sync():
    import os

    path = os.path.join(os.path.dirname(__file__), "..", "docs", "models.md")
    with open(path) as f:
        text = f.read()
    assert ganzoo.registry.models_table() in text, "docs/models.md is stale: run `python -m ganzoo.registry`"
