"""tfds datasets that are not prepared (issue 21): one clear ValueError, no absl warning
first, and from the command line before any model is built."""
import logging

import pytest

import ganzoo
from ganzoo import cli

LOADERS = {
    "load": lambda d: ganzoo.data.load("tfds:mnist", data_dir=d),
    "load_cycle_gan": lambda d: ganzoo.data.load_cycle_gan("horse2zebra", data_dir=d),
    "load_div2k": lambda d: ganzoo.data.load_div2k(data_dir=d),
}


@pytest.mark.parametrize("loader", sorted(LOADERS))
def test_not_prepared_is_one_value_error_without_absl_warning(loader, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with pytest.raises(ValueError, match="is not prepared in data_dir="):
        LOADERS[loader](str(tmp_path / "tfds"))
    noisy = [r for r in caplog.records if r.name == "absl" and r.levelno >= logging.WARNING]
    assert not noisy, [r.getMessage() for r in noisy]
    assert logging.getLogger("absl").level != logging.ERROR  # the silencing is undone afterwards


def test_cli_reports_not_prepared_before_building_a_model(tmp_path, capsys, monkeypatch):
    built = []
    monkeypatch.setattr(ganzoo, "get", lambda *a, **k: built.append(a))  # what cli.train builds with
    rc = cli.main(["train", "cyclegan", "--dataset", "cycle_gan/horse2zebra", "--data-dir", str(tmp_path / "tfds"),
                   "--out", str(tmp_path / "run"), "--verbose", "0"])
    assert rc == 2 and not built
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ganzoo: error: Dataset 'cycle_gan/horse2zebra'"), err
