"""benchmarks/cli_random_kill.py, short: a few random SIGKILLs of `ganzoo train` for two models.

The full run (20 kills for every registered model on each backend) is the benchmark itself;
its figures are in docs/reliability.md. Here: 3 kills each for `gan` and `dcgan` on the
current backend; every finished trial must equal the uninterrupted run bitwise, with every
output file complete.
"""
import importlib.util
import json
import os

import keras
import pytest

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "cli_random_kill.py")
_spec = importlib.util.spec_from_file_location("cli_random_kill", _PATH)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


@pytest.mark.slow
def test_random_sigkills_of_ganzoo_train_end_like_an_uninterrupted_run(tmp_path, capsys):
    code = bench.main(["--backend", keras.config.backend(), "--models", "gan,dcgan", "--kills", "3",
                       "--workdir", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    for name, result in report["models"].items():
        assert "error" not in result, (name, result)
        assert result["kills"] >= 3 and result["problems"] == [], (name, result)
    assert code == 0 and report["all_ok"]
