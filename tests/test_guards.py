"""A non-finite loss stops training, naming the network and the step; no NaN is backed up."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.guards import NonFiniteLossError, TerminateOnNaN
from ganzoo.registry import get_test_config
from ganzoo.resume import BackupAndRestore


class _Poison(keras.callbacks.Callback):
    """After batch `after` (1-based), before the next batch trains, set one weight of `network` to NaN.

    Done when the next batch begins, so that every callback (backups run last) has seen
    batch `after` whole and good, as when a step itself goes wrong.
    """

    def __init__(self, network, after):
        super().__init__()
        self.network, self.after, self.seen = network, after, 0

    def on_train_batch_begin(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.after + 1:
            v = getattr(self.model, self.network).trainable_variables[0]  # self.model syncs JAX state
            value = np.array(keras.ops.convert_to_numpy(v))
            value.flat[0] = np.nan
            v.assign(value)


def _model():
    keras.utils.set_random_seed(0)
    return ganzoo.get("dcgan", **get_test_config("dcgan"))


def _fit(model, callbacks, epochs=2):
    data = model.example_data(16, seed=1)  # 4 batches per epoch
    model.fit(data, batch_size=4, epochs=epochs, shuffle=False, verbose=0, callbacks=callbacks)


def test_nan_stops_training_naming_network_and_step(tmp_path):
    model = _model()
    backup = BackupAndRestore(tmp_path, save_freq=1)
    with pytest.raises(NonFiniteLossError) as info:
        # Batch 6 (epoch 2, batch 2) is the first to train with a NaN discriminator weight.
        _fit(model, [backup, _Poison("discriminator", after=5)])
    message = str(info.value)
    assert "the discriminator loss or gradients became NaN/Inf at update 6 of `d_optimizer`" in message
    assert "epoch 2, batch 2" in message
    # The last backup is the good state after batch 5, and nothing non-finite was written.
    with np.load(tmp_path / "state.npz") as f:
        import json

        assert json.loads(str(f["__meta__"]))["global_step"] == 5
        for key in f.files:
            if key != "__meta__" and f[key].dtype.kind == "f":
                assert np.all(np.isfinite(f[key])), key


def test_guard_is_added_by_fit_and_can_be_turned_off():
    model = _model()
    with pytest.raises(NonFiniteLossError):
        _fit(model, [_Poison("discriminator", after=1)], epochs=1)
    model = _model()
    model.terminate_on_nan = False
    history = model.fit(model.example_data(16, seed=1), batch_size=4, epochs=1, shuffle=False, verbose=0,
                        callbacks=[_Poison("discriminator", after=1)])
    assert np.isnan(history.history["d_loss"][0])  # without the guard: silent NaN
    # The in-graph flag recorded the first bad update anyway.
    assert keras.ops.convert_to_numpy(model.nonfinite_state).tolist() == [1, 2]


def test_check_every_still_names_the_first_bad_step():
    model = _model()
    with pytest.raises(NonFiniteLossError, match=r"update 2 of `d_optimizer`.*detected at epoch 1, batch 4"):
        _fit(model, [TerminateOnNaN(check_every=4), _Poison("discriminator", after=1)], epochs=1)


def test_backup_refuses_a_non_finite_state(tmp_path):
    model = _model()
    model.terminate_on_nan = False
    with pytest.raises(NonFiniteLossError, match=r"Refusing to back up.*last good backup"):
        _fit(model, [BackupAndRestore(tmp_path, save_freq=1), _Poison("generator", after=2)], epochs=1)
    with np.load(tmp_path / "state.npz") as f:
        import json

        assert json.loads(str(f["__meta__"]))["global_step"] == 2


def test_finite_training_is_untouched():
    model = _model()
    history = model.fit(model.example_data(16, seed=1), batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["d_loss"][0])
    assert keras.ops.convert_to_numpy(model.nonfinite_state).tolist() == [0, 0]
