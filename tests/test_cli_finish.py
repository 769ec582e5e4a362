"""`ganzoo train`'s end of a run and the commands that load a file (ganzoo/cli.py).

A finished run is never lost: the final files are written whole before the backup goes, a
rerun of a finished command says so and trains nothing, and history.csv holds each epoch
once. A damaged `.keras` file is one `ganzoo: error:` line from every command that loads one.
In-process through `ganzoo.cli.main` (tests/test_cli.py's `run`); a kill is simulated by a
`KeyboardInterrupt` raised where the process would die (benchmarks/cli_random_kill.py and
its slow test use real SIGKILLs).
"""
import json
import shutil

import keras
import numpy as np
import pytest
from PIL import Image

import ganzoo
from ganzoo.callbacks import CSVHistory
from tests.harness import iterations
from tests.test_cli import run
from tests.test_resume_settings import _flip_last_data_byte

EPOCHS, STEPS = 2, 3


def _train_args(out, *extra, epochs=EPOCHS):
    return ["train", "gan", "--dataset", "ring", "--epochs", str(epochs), "--batch-size", "64",
            "--steps-per-epoch", str(STEPS), "--out", str(out), "--verbose", "0", "--every", "100",
            "--set", "hidden_units=(8,)", *extra]


def _epochs_in(csv_path):
    return [row["epoch"] for row in CSVHistory.read(csv_path)]


def _check_complete(out, epochs=EPOCHS):
    model = ganzoo.load_model(out / "model.keras")
    for opt in model.optimizer_networks:  # every batch trained exactly once
        assert iterations(getattr(model, opt)) == epochs * STEPS
    assert _epochs_in(out / "history.csv") == list(range(epochs))
    history = json.loads((out / "history.json").read_text())
    assert sorted(history) == sorted(model.loss_names)
    assert all(len(v) == epochs for v in history.values())
    assert json.loads((out / "done.json").read_text())["settings"]["--epochs"] == epochs
    assert not (out / "backup").exists()
    return model


def test_rerun_of_a_finished_command_trains_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert run(*_train_args(out)) == 0
    _check_complete(out)
    files = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    capsys.readouterr()

    assert run(*_train_args(out)) == 0
    assert "already holds the finished run of this command" in capsys.readouterr().out
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == files  # nothing rewritten

    # Other settings: refused, naming the setting with both values.
    assert run(*_train_args(out, epochs=EPOCHS + 1)) == 2
    err = capsys.readouterr().err
    assert f"--epochs: {EPOCHS} there, {EPOCHS + 1} now" in err and err.count("\n") == 1


@pytest.mark.parametrize("when", ["saving_model", "writing_done"])
def test_kill_after_training_keeps_the_run(when, tmp_path, capsys, monkeypatch):
    # The process dies once `fit` has returned: while model.keras is being written, or just
    # before the record that the run finished. The backup must still be there, and the rerun
    # must finish the run from it without training again.
    out = tmp_path / "run"
    import ganzoo.cli as cli

    if when == "saving_model":
        real = keras.Model.save

        def dying_save(self, *args, **kwargs):
            raise KeyboardInterrupt("killed while writing model.keras")

        monkeypatch.setattr(keras.Model, "save", dying_save)
    else:
        real = cli._write_json_atomic

        def dying_write(path, value):
            if path.endswith("done.json"):
                raise KeyboardInterrupt("killed before done.json")
            return real(path, value)

        monkeypatch.setattr(cli, "_write_json_atomic", dying_write)
    with pytest.raises(KeyboardInterrupt):
        run(*_train_args(out))
    monkeypatch.undo()
    assert (out / "backup" / "state.npz").exists()
    assert not (out / "done.json").exists()
    capsys.readouterr()

    assert run(*_train_args(out)) == 0
    assert f"resuming from the backup in {out / 'backup'} (epoch {EPOCHS + 1}" in capsys.readouterr().out
    _check_complete(out)


def test_history_csv_rows_of_a_killed_attempt_are_replaced(tmp_path):
    # A kill after history.csv got epoch 1's row but before epoch 1's backup: the rerun
    # trains epoch 1 again from epoch 0's backup and must not add a second row for it.
    out = tmp_path / "run"
    assert run(*_train_args(out, "--backup-every", "1000")) == 0
    done_csv = (out / "history.csv").read_text()
    # Recreate the state of that kill: epoch 0's backup, rows for epochs 0 and 1.
    shutil.rmtree(out)
    assert run(*_train_args(out, epochs=1)) == 0  # epoch 0 (same seed: the same epoch 0)
    csv_epoch0 = (out / "history.csv").read_text()
    assert _epochs_in(out / "history.csv") == [0]
    shutil.rmtree(out)

    class KillAtEpochEnd(keras.callbacks.Callback):  # dies right after epoch 1's row
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    # The first attempt: killed between epoch 1's history row and epoch 1's backup.
    real_fit = ganzoo.AdversarialModel.fit

    def fit_then_die(self, *args, callbacks=None, **kwargs):
        callbacks = list(callbacks)
        callbacks.insert(-1, KillAtEpochEnd())  # after CSVHistory, before the backup
        return real_fit(self, *args, callbacks=callbacks, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ganzoo.AdversarialModel, "fit", fit_then_die)
        with pytest.raises(KeyboardInterrupt):
            run(*_train_args(out))
    assert _epochs_in(out / "history.csv") == [0, 1]
    assert (out / "history.csv").read_text().startswith(csv_epoch0.strip())
    assert run(*_train_args(out)) == 0
    _check_complete(out)
    assert (out / "history.csv").read_text() == done_csv  # each epoch once, as the run never killed


# ----------------------------------------------------------------- damaged .keras files
@pytest.fixture(scope="module")
def garbled_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("garbled")
    keras.utils.set_random_seed(0)
    ganzoo.get("gan", data_shape=(2,), hidden_units=(8,)).save(folder / "good.keras")
    shutil.copy(folder / "good.keras", folder / "model.keras")
    _flip_last_data_byte(folder / "model.keras", "model.weights.h5")
    Image.fromarray(np.zeros((8, 8, 3), "uint8")).save(folder / "input.png")
    return folder


@pytest.mark.parametrize("command", ["sample", "translate", "upscale"])
def test_garbled_keras_file_is_one_error_line_from_every_command(command, garbled_file, tmp_path, capsys):
    path = garbled_file / "model.keras"
    extra = {"sample": ["--out", tmp_path / "s.png"],
             "translate": ["--input", garbled_file, "--out", tmp_path / "t"],
             "upscale": ["--input", garbled_file, "--out", tmp_path / "u"]}[command]
    assert run(command, path, *extra) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("ganzoo: error: Cannot load") and captured.err.count("\n") == 1, captured.err
    assert f"Received: path={str(path)!r}" in captured.err
    assert "Traceback" not in captured.err + captured.out
