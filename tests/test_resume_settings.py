"""Resume (ganzoo/resume.py): other settings refused, damaged backups and `.keras` files.

One backup is written per module (gan test config, 12 examples in batches of 4: 3 batches
an epoch; a crash after batch 9 leaves the backup of batch 8: epoch index 2, 2 batches in);
each case resumes a copy of it with one setting changed and must get a ValueError naming
the setting with the backup's value and the current one, before any training.
"""
import json
import shutil
import zipfile

import keras
import numpy as np
import pytest

import ganzoo
from ganzoo.resume import BackupAndRestore
from tests import harness
from tests.harness import Crash

NUM, BATCH, EPOCHS = 12, 4, 4
RESTORED = {"epoch": 2, "step": 2, "global_step": 8}


def _fit(model, backup, num=NUM, batch_size=BATCH, epochs=EPOCHS, callbacks=()):
    model.fit(model.example_data(num, seed=1), batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0,
              callbacks=[backup, *callbacks])


@pytest.fixture(scope="module")
def written_backup(tmp_path_factory):
    """A folder holding state.npz (batch 8) and state.prev.npz (batch 7)."""
    folder = tmp_path_factory.mktemp("backup")
    with pytest.raises(KeyboardInterrupt):
        _fit(harness.build("gan"), BackupAndRestore(folder, save_freq=1, double_checkpoint=True),
             callbacks=[Crash(9)])
    return folder


@pytest.fixture
def backup_dir(written_backup, tmp_path):
    folder = tmp_path / "backup"
    shutil.copytree(written_backup, folder)
    return folder


def _compiled_with_lr(lr):
    model = harness.build("gan")
    model.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5))
    return model


# case: (model factory, fit overrides, fragments the message must hold)
SETTINGS = {
    "batch_size": (lambda: harness.build("gan"), {"batch_size": 6},
                   ["batch_size is 4 in the backup, 6 now", "Received: batch_size=6"]),
    "g_loss": (lambda: harness.build("gan", g_loss="minimax"), {},
               ["model.g_loss is 'non_saturating' in the backup, 'minimax' now"]),
    "learning_rate": (lambda: _compiled_with_lr(1e-3), {},
                      ["d_optimizer.learning_rate is 0.0002", "0.001", "now"]),
    "fewer_epochs": (lambda: harness.build("gan"), {"epochs": 2},
                     ["is at epoch 3 (after batch 2", "Received: epochs=2"]),
    "step_beyond_the_epoch": (lambda: harness.build("gan"), {"num": 4},
                              ["2 batches into epoch 3", "an epoch has 1 batches now", "Received: steps=1"]),
}


@pytest.mark.parametrize("case", sorted(SETTINGS))
def test_resume_with_other_settings_is_refused(case, backup_dir):
    make, overrides, fragments = SETTINGS[case]
    model = make()
    before = harness.steps_taken(model)
    state = (backup_dir / "state.npz").read_bytes()
    with pytest.raises(ValueError) as info:
        _fit(model, BackupAndRestore(backup_dir, save_freq=1), **overrides)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    assert str(backup_dir / "state.npz") in message
    assert harness.steps_taken(model) == before  # refused before any training
    assert (backup_dir / "state.npz").read_bytes() == state  # the backup is kept as it was


def test_extra_settings_are_checked(backup_dir, tmp_path):
    model = harness.build("gan")
    folder = tmp_path / "with_settings"
    with pytest.raises(KeyboardInterrupt):
        _fit(model, BackupAndRestore(folder, save_freq=1, settings={"dataset": "ring"}), callbacks=[Crash(2)])
    with pytest.raises(ValueError, match=r"dataset is 'ring' in the backup, 'grid' now.*Received: dataset='grid'"):
        _fit(harness.build("gan"), BackupAndRestore(folder, save_freq=1, settings={"dataset": "grid"}))


def test_same_settings_resume(backup_dir):
    model = harness.build("gan")
    backup = BackupAndRestore(backup_dir, save_freq=1)
    _fit(model, backup)
    assert {k: backup.restored[k] for k in RESTORED} == RESTORED
    for opt in model.optimizer_networks:  # 12 batches in all, each once
        assert harness.iterations(getattr(model, opt)) == EPOCHS * NUM // BATCH


def _rewrite(path, change):
    """Rewrite the backup file `path` with `change(meta, arrays)` applied."""
    with np.load(path, allow_pickle=False) as f:
        meta = json.loads(str(f["__meta__"]))
        arrays = {k: f[k] for k in f.files if k != "__meta__"}
    change(meta, arrays)
    np.savez(path, __meta__=np.asarray(json.dumps(meta)), **arrays)


def test_backup_of_another_backend_is_refused_naming_it(backup_dir):
    other = "torch" if keras.config.backend() != "torch" else "jax"
    _rewrite(backup_dir / "state.npz", lambda meta, arrays: meta.update(backend=other))
    with pytest.raises(ValueError) as info:
        _fit(harness.build("gan"), BackupAndRestore(backup_dir))
    message = str(info.value)
    assert f"written on the {other} backend; this run uses {keras.config.backend()}" in message
    assert f"Received: backend={keras.config.backend()!r}" in message


def _flip_last_data_byte(path, member):
    """Damage one byte of `member`'s data inside the zip `path` (its CRC no longer matches)."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    data = bytearray(path.read_bytes())
    name_len = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size - 1] ^= 0xFF
    path.write_bytes(bytes(data))


def _drop_array(path, key="v3"):
    _rewrite(path, lambda meta, arrays: arrays.pop(key))


DAMAGE = {"bad_crc": lambda p: _flip_last_data_byte(p, "v3.npy"), "missing_array": _drop_array}
DAMAGE_MESSAGE = {"bad_crc": "Bad CRC", "missing_array": "array 'v3' is missing"}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_backup_is_one_clear_error_naming_the_file(damage, backup_dir):
    DAMAGE[damage](backup_dir / "state.npz")
    model = harness.build("gan")
    with pytest.raises(ValueError) as info:
        _fit(model, BackupAndRestore(backup_dir, save_freq=1))
    message = str(info.value)
    assert f"{backup_dir / 'state.npz'}: " in message and DAMAGE_MESSAGE[damage] in message, message
    assert "\n" not in message and "Received: backup_dir=" in message
    assert harness.steps_taken(model) == {o: 0 for o in model.optimizer_networks}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_backup_falls_back_to_the_previous_one(damage, backup_dir):
    DAMAGE[damage](backup_dir / "state.npz")
    backup = BackupAndRestore(backup_dir, save_freq=1, double_checkpoint=True)
    _fit(harness.build("gan"), backup)
    assert backup.restored["global_step"] == RESTORED["global_step"] - 1


def test_backup_dir_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "backup"
    path.write_text("not a folder")
    with pytest.raises(ValueError, match=r"must be a folder.*not an existing file.*Received: backup_dir="):
        BackupAndRestore(path)


# ------------------------------------------------------------------ damaged .keras files
@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("keras") / "model.keras"
    harness.build("gan").save(path)
    return path


def _garble(kind, src, dst):
    if kind == "truncated":
        dst.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    elif kind == "bad_crc":
        shutil.copy(src, dst)
        _flip_last_data_byte(dst, "model.weights.h5")
    elif kind == "bad_config":
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
            for item in zin.infolist():
                zout.writestr(item, b"{not json" if item.filename == "config.json" else zin.read(item.filename))
    elif kind == "no_weights":
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
            for item in zin.infolist():
                if item.filename != "model.weights.h5":
                    zout.writestr(item, zin.read(item.filename))


GARBLED = ["bad_config", "bad_crc", "no_weights", "truncated"]


@pytest.mark.parametrize("kind", GARBLED)
def test_garbled_keras_file_is_one_line_error(kind, saved_model, tmp_path):
    path = tmp_path / "garbled.keras"
    _garble(kind, saved_model, path)
    with pytest.raises(ValueError) as info:
        ganzoo.load_model(path)
    message = str(info.value)
    assert "\n" not in message and f"Received: path={str(path)!r}" in message, message
