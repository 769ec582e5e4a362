"""The whole stability toolkit at once on gan / dcgan / cgan / wgan_gp: trains, saves, resumes bitwise."""
import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.resume import BackupAndRestore
from ganzoo.spectral import spectral_layers
from tests.harness import (
    BATCH_SIZE,
    EXPECTED_RESTORE,
    KILL_AFTER,
    NUM_EXAMPLES,
    SAVE_FREQ,
    Crash,
    assert_same_state,
    numpy,
    state_arrays,
)

ALL = dict(loss="hinge", spectral_norm=True, r1_gamma=1.0, r1_interval=2, ema_decay=0.9, ema_start=1, pac=2)
IMAGES = dict(ALL, augment="color,translation,cutout")
CONFIGS = {
    "gan": {"data_shape": (8, 8, 1), "latent_dim": 4, "hidden_units": (8,), **IMAGES},
    "dcgan": {"image_shape": (8, 8, 1), "latent_dim": 4, "filters": 4, **IMAGES},
    "cgan": {"image_shape": (8, 8, 1), "num_classes": 2, "latent_dim": 4, "filters": 4, "embed_dim": 2,
             "discriminator": "projection", **IMAGES},
    "wgan_gp": {"data_shape": (2,), "hidden_units": (8,), "d_steps": 2, **ALL},
}


def _build(name):
    keras.utils.set_random_seed(0)
    return ganzoo.get(name, seed=0, **CONFIGS[name])


# The fast tier runs dcgan and cgan (images: every option, DiffAugment included); gan and
# wgan_gp, the same code on other networks, run in the slow tier (a compile each costs seconds).
@pytest.mark.parametrize("name", ["cgan", "dcgan", pytest.param("gan", marks=pytest.mark.slow),
                                  pytest.param("wgan_gp", marks=pytest.mark.slow)])
def test_every_option_together_trains_and_saves(name, tmp_path):
    model = _build(name)
    d_before = [numpy(v) for v in model.discriminator.trainable_variables]
    history = model.fit(model.example_data(8, seed=1), batch_size=BATCH_SIZE, epochs=1, verbose=0)
    for key in ("d_loss", "g_loss"):
        assert np.isfinite(history.history[key][0])
    assert any(not np.array_equal(a, numpy(b)) for a, b in zip(d_before, model.discriminator.trainable_variables))
    config = model.get_config()
    for key in ("r1_gamma", "r1_interval", "pac", "ema_decay", "ema_start"):
        assert config[key] == CONFIGS[name][key]
    assert (config["d_loss"], config["g_loss"]) == ("hinge", "hinge")
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    own = {k: v for k, v in config.items() if k not in model.network_names}
    assert {k: v for k, v in loaded.get_config().items() if k in own} == own
    assert len(spectral_layers(loaded.discriminator)) == len(spectral_layers(model.discriminator)) > 0
    np.testing.assert_allclose(loaded.generate(4, seed=0), model.generate(4, seed=0), rtol=1e-5, atol=1e-6)
    loaded.fit(loaded.example_data(4, seed=2), batch_size=BATCH_SIZE, epochs=1, verbose=0)


def _train(name, backup_dir, callbacks=()):
    model = _build(name)
    data = model.example_data(NUM_EXAMPLES, seed=1)
    backup = BackupAndRestore(backup_dir, save_freq=SAVE_FREQ)
    model.fit(data, batch_size=BATCH_SIZE, epochs=3, shuffle=False, verbose=0, callbacks=[backup, *callbacks])
    return model, backup


@pytest.mark.parametrize("name", ["dcgan", pytest.param("cgan", marks=pytest.mark.slow)])
def test_resumed_run_is_bitwise_the_uninterrupted_one(name, tmp_path):
    # The state compared holds the EMA copy, every u of spectral normalisation, the seed
    # generator (DiffAugment's and R1-schedule's inputs) and both optimizers.
    with pytest.raises(KeyboardInterrupt):
        _train(name, str(tmp_path / "backup"), callbacks=[Crash(KILL_AFTER)])
    resumed, backup = _train(name, str(tmp_path / "backup"))
    assert {k: backup.restored[k] for k in EXPECTED_RESTORE} == EXPECTED_RESTORE
    reference, _ = _train(name, str(tmp_path / "reference"))
    expected = state_arrays(reference)
    assert_same_state(expected, state_arrays(resumed))
    ema = [numpy(v) for v in reference.generator_ema.weights]
    assert any(np.array_equal(e, v) for v in expected.values() for e in ema[:1])
