"""`ganzoo train` resumes after a SIGKILL from OUT/backup, by default."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import pytest

REPO = Path(__file__).resolve().parent.parent
EPOCHS, BATCH = 2, 1024  # ring: 100,000 points -> 98 batches per epoch
TOTAL_BATCHES = EPOCHS * 98


def _cmd(out, *extra):
    return [sys.executable, "-m", "ganzoo.cli", "train", "gan", "--dataset", "ring", "--epochs", str(EPOCHS),
            "--batch-size", str(BATCH), "--out", str(out), "--verbose", "0", "--every", "100",
            "--set", "hidden_units=(16,)", "--backup-every", "20", *extra]


def _env():
    env = dict(os.environ, KERAS_BACKEND=keras.config.backend(), TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    if keras.config.backend() == "torch":
        env["OMP_NUM_THREADS"] = "1"  # tiny model on a busy machine (see conftest.py)
    return env


def test_cli_killed_then_rerun_resumes(tmp_path):
    out = tmp_path / "run"
    state = out / "backup" / "state.npz"
    with open(tmp_path / "first.txt", "w") as log:
        proc = subprocess.Popen(_cmd(out), env=_env(), stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        deadline = time.time() + 180
        while not state.exists():
            assert proc.poll() is None, (tmp_path / "first.txt").read_text()[-3000:]
            assert time.time() < deadline, "no backup written"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    assert not (out / "model.keras").exists()

    second = subprocess.run(_cmd(out), env=_env(), capture_output=True, text=True, cwd=REPO, timeout=300)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-3000:]
    assert "ganzoo: resuming from the backup" in second.stdout
    assert not state.exists()  # removed once training completed

    import ganzoo

    model = ganzoo.load_model(out / "model.keras")
    # Every batch of both epochs trained exactly once across the two processes.
    for opt in model.optimizer_networks:
        assert int(keras.ops.convert_to_numpy(getattr(model, opt).iterations)) == TOTAL_BATCHES


def test_cli_no_resume_starts_over(tmp_path):
    out = tmp_path / "run"
    # A stale backup from some earlier run of another model: --no-resume ignores and deletes it.
    (out / "backup").mkdir(parents=True)
    (out / "backup" / "state.npz").write_bytes(b"stale")
    result = subprocess.run(_cmd(out, "--no-resume", "--epochs", "1"), env=_env(), capture_output=True,
                            text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "--no-resume: deleted the backup" in result.stdout
    assert "resuming" not in result.stdout


@pytest.mark.parametrize("flag", ["--backup-every=0"])
def test_cli_bad_backup_every(tmp_path, flag):
    cmd = [a for a in _cmd(tmp_path / "run") if a not in ("--backup-every", "20")] + [flag]
    result = subprocess.run(cmd, env=_env(), capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2
    assert "Received: --backup-every 0" in result.stderr
