"""Keras conventions: stock callbacks, loading after `import ganzoo`, generators alone,
SRGAN's VGG19 weights through keras.applications, `export` (issue 14; docs/index.md).

TensorBoard is in tests/test_tensorboard.py.
"""
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.models import srgan as srgan_lib
from ganzoo.registry import get_test_config
from ganzoo.schedules import LinearDecay

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _np(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


# Built once per module (a build is the slow part on JAX): key -> (registry name, overrides).
_BUILDS = {
    "dcgan": ("dcgan", {}), "cgan": ("cgan", {}), "pix2pix_instance": ("pix2pix", {"norm": "instance"}),
    "cyclegan": ("cyclegan", {}), "srgan": ("srgan", {}),
}


@pytest.fixture(scope="module")
def zoo():
    """`zoo(key)`: the tiny model of `_BUILDS[key]`, built on first use."""
    cache = {}

    def get(key):
        if key not in cache:
            name, extra = _BUILDS[key]
            cache[key] = ganzoo.get(name, **{**get_test_config(name), **extra})
        return cache[key]

    return get


@pytest.fixture(scope="module")
def saved(zoo, tmp_path_factory):
    """A folder with `<key>.keras` (whole model), `<key>_generator.keras` and
    `<key>.npz` (generator inputs and outputs) for every model of `_BUILDS`."""
    folder = tmp_path_factory.mktemp("saved")
    for key in _BUILDS:
        model = zoo(key)
        model.save(str(folder / f"{key}.keras"))
        generator = model.generator_ab if key == "cyclegan" else model.generator
        generator.save(str(folder / f"{key}_generator.keras"))
        inputs = model.example_inputs(2, seed=0)
        inputs = list(inputs) if isinstance(inputs, (tuple, list)) else [inputs]
        out = _np(generator(inputs if len(inputs) > 1 else inputs[0]))
        np.savez(str(folder / f"{key}.npz"), *inputs, out=out)
    return str(folder)


def _rates(model):
    return {name: float(_np(opt.learning_rate)) for name, opt in model.optimizer.members.items()}


def _tiny_gan():
    return ganzoo.get("gan", **get_test_config("gan"))


def _decaying_gan(steps_per_epoch=2):
    # The mechanism of CycleGAN's default optimizers, on the cheapest model.
    model = _tiny_gan()
    model.compile(**{
        name: keras.optimizers.Adam(LinearDecay(1e-3, 1, 2, steps_per_epoch=steps_per_epoch), beta_1=0.5)
        for name in model.optimizer_networks
    })
    return model


# ------------------------------------------------------------ 1. learning-rate callbacks
def test_learning_rate_scheduler_sets_every_optimizer_and_logs_each():
    model = _tiny_gan()
    model.compile(d_optimizer=keras.optimizers.Adam(4e-4), g_optimizer=keras.optimizers.Adam(1e-4))
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    history = model.fit(model.example_data(8, seed=1), batch_size=4, epochs=2, verbose=0, callbacks=[schedule])
    # Each optimizer follows the rule from its own rate: their ratio is kept.
    assert _rates(model) == pytest.approx({"d_optimizer": 1e-4, "g_optimizer": 2.5e-5})
    assert history.history["learning_rate_d_optimizer"] == pytest.approx([2e-4, 1e-4])
    assert history.history["learning_rate_g_optimizer"] == pytest.approx([5e-5, 2.5e-5])


def test_reduce_lr_on_plateau_monitors_a_loss_without_mode_and_scales_every_optimizer():
    model = _tiny_gan()
    # min_delta larger than any change: every epoch after the first is a plateau.
    reduce = keras.callbacks.ReduceLROnPlateau("g_loss", factor=0.1, patience=0, min_delta=1e9)
    model.fit(model.example_data(8, seed=1), batch_size=4, epochs=3, verbose=0, callbacks=[reduce])
    assert reduce.monitor_op is keras.ops.less  # "auto" found that a loss is minimised
    assert _rates(model) == pytest.approx({"d_optimizer": 2e-6, "g_optimizer": 2e-6})


def test_a_rate_set_by_a_callback_is_the_rate_the_compiled_step_uses():
    # Epoch 0 traces the step at the schedule's rate; a callback then sets rate 0. If the
    # step had baked the rate in (a constant under jit), epoch 1 would still move weights.
    model = _decaying_gan()
    frozen = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else 0.0)
    snapshots = []

    class Snapshot(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            snapshots.append([_np(v).copy() for v in self.model.generator.trainable_variables])

        def on_epoch_end(self, epoch, logs=None):
            snapshots.append([_np(v).copy() for v in self.model.generator.trainable_variables])

    model.fit(model.example_data(8, seed=1), batch_size=4, epochs=2, verbose=0, callbacks=[frozen, Snapshot()])
    start0, end0, start1, end1 = snapshots
    assert any(not np.array_equal(a, b) for a, b in zip(start0, end0))  # epoch 0 trained
    for a, b in zip(start1, end1):
        np.testing.assert_array_equal(a, b)  # epoch 1 at rate 0: nothing moved


def test_callbacks_rescale_a_linear_decay_which_still_ends_at_zero(tmp_path):
    model = _decaying_gan(steps_per_epoch=2)  # 1 constant epoch, 2 decaying: 0 at step 6
    reduce = keras.callbacks.ReduceLROnPlateau("d_loss", factor=0.5, patience=0, min_delta=1e9)
    model.fit(model.example_data(8, seed=1), batch_size=4, epochs=2, verbose=0, callbacks=[reduce])
    opt = model.d_optimizer
    schedule = opt._learning_rate
    assert isinstance(schedule, LinearDecay)  # still the schedule, not replaced by a float
    step = int(_np(opt.iterations))
    assert step == 4
    # Halved once (after epoch 2): the rate is half the paper's schedule at this step...
    assert _rates(model)["d_optimizer"] == pytest.approx(0.5 * float(_np(schedule.unscaled(step))))
    assert float(_np(schedule.unscaled(step))) == pytest.approx(1e-3 * (1 - 2 / 4))
    # ...and the decay goes on to exactly 0 at its last step.
    assert float(_np(schedule(schedule.total_steps))) == 0.0
    # The scale is model state: saved and restored with the model.
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = ganzoo.load_model(path)
    assert _rates(loaded) == pytest.approx(_rates(model))


def test_cyclegan_default_schedule_is_rescaled_by_a_callback_rule(zoo, saved):
    model = zoo("cyclegan")  # (after `saved`, which saves it as built)
    before = _rates(model)
    for rate in model.optimizer.optimizers:  # what Keras' callbacks iterate
        rate.learning_rate = float(_np(rate.learning_rate)) * 0.25
    assert [r.name for r in model.optimizer.optimizers] == ["d_optimizer", "g_optimizer"]
    assert _rates(model) == pytest.approx({k: v * 0.25 for k, v in before.items()})


def test_a_schedule_that_cannot_be_scaled_is_refused_by_name():
    model = _tiny_gan()
    decay = keras.optimizers.schedules.ExponentialDecay(1e-3, 10, 0.5)
    model.compile(d_optimizer=keras.optimizers.Adam(decay))
    [d_rate, _] = model.optimizer.optimizers
    with pytest.raises(ValueError, match=r"`d_optimizer` follows a ExponentialDecay.*Received: learning_rate=0.1"):
        d_rate.learning_rate = 0.1


# ------------------------------------------------------------ 2. monitors without mode=
def test_monitoring_callbacks_know_that_losses_are_minimised(tmp_path):
    model = _tiny_gan()
    path = str(tmp_path / "best.keras")
    stop = keras.callbacks.EarlyStopping(monitor="g_loss", patience=10)
    best = keras.callbacks.ModelCheckpoint(path, monitor="d_loss", save_best_only=True)
    history = model.fit(model.example_data(8, seed=1), batch_size=4, epochs=2, verbose=0, callbacks=[stop, best])
    assert stop.monitor_op is keras.ops.less and best.monitor_op is keras.ops.less
    assert best.best == pytest.approx(min(history.history["d_loss"]))
    assert os.path.exists(path)


# ------------------------------------------------- 3. keras.saving.load_model after import ganzoo
def _run(code, **env):
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": REPO, "KERAS_BACKEND": keras.config.backend(), **env},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_keras_load_model_works_after_import_ganzoo_in_a_fresh_process(zoo, saved):
    # A fresh JAX process pays a compile per new op: three models keep this cheap while
    # covering the base class, custom layers, a schedule and the optimizer group.
    keys = ["dcgan", "cyclegan", "srgan"]
    expected = sorted(f"{key} {type(zoo(key)).__name__}" for key in keys)
    out = _run(f"""
        import sys
        import ganzoo
        assert "keras" not in sys.modules  # import ganzoo stays light (the CLI picks the backend first)
        import keras
        for key in {keys!r}:
            model = keras.saving.load_model({saved!r} + "/" + key + ".keras")
            print(key, type(model).__name__)
    """)
    assert sorted(out.split("\n")[:-1]) == expected


# ------------------------------------------------------------ 4. a generator saved alone
def test_generators_saved_alone_load_with_keras_only_or_name_what_to_import(saved):
    out = _run(f"""
        import sys
        import keras
        import numpy as np
        folder = {saved!r}
        for key in {[k for k in _BUILDS if k != "cgan"]!r}:
            data = np.load(folder + "/" + key + ".npz")
            inputs = [data["arr_%d" % i] for i in range(len(data.files) - 1)]
            try:
                generator = keras.saving.load_model(folder + "/" + key + "_generator.keras")
            except Exception as e:  # the message must say what to import
                print(key, "needs", "ganzoo" if "ganzoo.layers" in str(e) else str(e)[:200])
                continue
            got = keras.ops.convert_to_numpy(generator(inputs if len(inputs) > 1 else inputs[0]))
            print(key, "loads", bool(np.allclose(got, data["out"], atol=1e-5)))
        assert "ganzoo" not in sys.modules
        import ganzoo
        for key in ("cyclegan", "srgan"):
            keras.saving.load_model(folder + "/" + key + "_generator.keras")
            print(key, "loads after import ganzoo")
    """)
    lines = set(out.split("\n"))
    # Keras has every layer of these (instance norm is GroupNormalization(groups=-1)).
    for key in ("dcgan", "pix2pix_instance"):
        assert f"{key} loads True" in lines, out
    # Reflection padding and pixel shuffle have no Keras layer: Keras' error names the
    # module `ganzoo.layers`, and after `import ganzoo` they load.
    for key in ("cyclegan", "srgan"):
        assert f"{key} needs ganzoo" in lines, out
        assert f"{key} loads after import ganzoo" in lines, out


# ------------------------------------------------------- 6. SRGAN's VGG19 from keras.applications
def test_srgan_default_vgg54_takes_imagenet_weights_through_keras_applications(tmp_path, monkeypatch):
    # Stand-in for the download: a random VGG19's weights where Keras' get_file would
    # put the ImageNet file. Nothing is downloaded.
    reference = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    weights = str(tmp_path / "vgg19_notop.weights.h5")
    reference.save_weights(weights)
    asked = []

    def fake_get_file(fname=None, origin=None, cache_subdir="datasets", **kwargs):
        asked.append((fname, cache_subdir))
        return weights

    monkeypatch.setattr(keras.src.utils.file_utils, "get_file", fake_get_file)
    model = ganzoo.get("srgan", **{**get_test_config("srgan"), "content_loss": "vgg54"})
    assert asked == [(srgan_lib.VGG19_NOTOP_FILE, "models")]  # keras.applications' own cache
    features = model._vgg.model
    x = np.random.default_rng(0).uniform(-50, 50, (1, 16, 16, 3)).astype("float32")
    expected = keras.Model(reference.input, reference.get_layer("block5_conv4").output)(x)
    np.testing.assert_allclose(_np(features(x)), _np(expected), rtol=1e-5, atol=1e-5)


def test_srgan_without_vgg_weights_names_the_mse_variant(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: offline")

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras.src.utils.file_utils, "get_file", offline)
    with pytest.raises(ValueError, match=r"could not be downloaded.*content_loss='mse'.*Received: vgg_weights=None"):
        ganzoo.get("srgan", **{**get_test_config("srgan"), "content_loss": "vgg54"})


# ------------------------------------------------------------------------ 7. export
def _keras_export_works_here(tmp_path):
    inp = keras.Input((2,))
    try:
        keras.Model(inp, keras.layers.Dense(1)(inp)).export(str(tmp_path / "probe"), verbose=False)
    except Exception as e:  # noqa: BLE001 - any failure of Keras' own export
        return f"{type(e).__name__}: {str(e)[:120]}"
    return None


def test_export_of_a_gan_exports_its_generator(tmp_path):
    tf = pytest.importorskip("tensorflow")
    broken = _keras_export_works_here(tmp_path)
    if broken:
        pytest.xfail(f"keras.Model.export fails for any model on this backend/torch version: {broken}")
    model = _tiny_gan()
    model.export(str(tmp_path / "gan"), verbose=False)
    artifact = tf.saved_model.load(str(tmp_path / "gan"))
    z = model.example_inputs(3, seed=0)
    np.testing.assert_allclose(np.asarray(artifact.serve(tf.constant(z))),
                               _np(model.generator.predict(z, verbose=0)), rtol=1e-5, atol=1e-6)


def test_export_of_a_model_with_two_generators_names_them(zoo, tmp_path):
    model = zoo("cyclegan")
    with pytest.raises(ValueError, match=r"model\.generator_ab\.export\(path\)` or `model\.generator_ba\.export"):
        model.export(str(tmp_path / "cyclegan"))


# ------------------------------------------- what already held: inputs, evaluate, loggers
class _Batches(keras.utils.PyDataset):
    def __init__(self, x, batch_size):
        super().__init__()
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, i):
        return self.x[i * self.batch_size:(i + 1) * self.batch_size]


def _inputs(kind, x):
    if kind == "numpy":
        return {"x": x, "batch_size": 4}
    if kind == "tf_data":
        tf = pytest.importorskip("tensorflow")
        return {"x": tf.data.Dataset.from_tensor_slices(x).batch(4)}
    if kind == "py_dataset":
        return {"x": _Batches(x, 4)}

    def batches():  # a Python generator: infinite, so fit needs steps_per_epoch
        while True:
            for i in range(0, len(x), 4):
                yield (x[i:i + 4],)  # Keras' rule: a generator yields tuples

    return {"x": batches(), "steps_per_epoch": 2}


@pytest.mark.parametrize("kind", ["numpy", "tf_data", "py_dataset", "python_generator"])
def test_fit_and_evaluate_take_every_keras_input_kind(kind):
    model = _tiny_gan()
    x = model.example_data(8, seed=1)
    before = [_np(v).copy() for v in model.generator.trainable_variables]
    history = model.fit(**_inputs(kind, x), epochs=1, verbose=0)
    assert sorted(history.history) == ["d_loss", "g_loss"]
    assert all(not np.array_equal(a, _np(b)) for a, b in zip(before, model.generator.trainable_variables))
    scores = model.evaluate(x, batch_size=4, verbose=0, return_dict=True)
    assert sorted(scores) == ["d_loss", "g_loss"] and all(np.isfinite(v) for v in scores.values())


def test_csv_logger_writes_every_loss(tmp_path):
    model = _tiny_gan()
    path = tmp_path / "log.csv"
    history = model.fit(model.example_data(8, seed=1), batch_size=4, epochs=2, verbose=0,
                        callbacks=[keras.callbacks.CSVLogger(str(path))])
    header, *rows = [line.split(",") for line in path.read_text().strip().split("\n")]
    assert header[:3] == ["epoch", "d_loss", "g_loss"] and len(rows) == 2
    for column in ("d_loss", "g_loss"):
        logged = [float(r[header.index(column)]) for r in rows]
        np.testing.assert_allclose(logged, history.history[column], rtol=1e-6)


def test_keras_backup_and_restore_resumes_at_the_interrupted_epoch(tmp_path):
    model = _tiny_gan()
    x = model.example_data(8, seed=1)
    backup = str(tmp_path / "backup")

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt  # killed during the second epoch

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, batch_size=4, epochs=3, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup), Crash()])
    resumed = _tiny_gan()
    history = resumed.fit(x, batch_size=4, epochs=3, verbose=0, callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert len(history.history["g_loss"]) == 2  # epochs 2 and 3 only
    assert int(_np(resumed.g_optimizer.iterations)) == 3 * 2  # 2 steps per epoch, none lost or redone
