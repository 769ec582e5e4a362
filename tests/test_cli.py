"""The `ganzoo` command line (ganzoo/cli.py).

Called in-process through `ganzoo.cli.main([...])`, which returns the exit code: no Python
start-up and no second compilation per test. One subprocess test per backend covers what
only a real process shows (`--backend` re-executing under another backend, exit codes);
the SIGKILL-and-rerun test is in the slow tier.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest
from PIL import Image

import ganzoo
from ganzoo import cli
from tests.harness import iterations

REPO = Path(__file__).resolve().parent.parent


def run(*argv):
    """`ganzoo ARGV...` in this process; the exit code (argparse errors included)."""
    try:
        return cli.main([str(a) for a in argv])
    except SystemExit as e:  # argparse: usage errors exit 2
        return e.code


def _child_env():
    env = dict(os.environ, KERAS_BACKEND=keras.config.backend(), TF_CPP_MIN_LOG_LEVEL="2")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    if keras.config.backend() == "torch":
        env["OMP_NUM_THREADS"] = "1"  # tiny models on a busy machine (see conftest.py)
    return env


def _png(path):
    with Image.open(path) as img:
        return np.asarray(img)


# ------------------------------------------------------------------- a real process
def test_process_backend_flag_and_exit_codes(tmp_path):
    """`--backend` re-executes under that backend; a bad model name exits 2 with one line."""
    other = "jax" if keras.config.backend() != "jax" else "tensorflow"
    proc = subprocess.run([sys.executable, "-m", "ganzoo.cli", "--backend", other, "list"], capture_output=True,
                          text=True, env=_child_env(), cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"on the {other} backend" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "ganzoo.cli", "train", "dcgna", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=_child_env(), cwd=REPO, timeout=300)
    assert proc.returncode == 2
    assert "Did you mean: 'dcgan'" in proc.stderr and "Received: name='dcgna'" in proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------------- commands
def test_list_names_every_model(capsys):
    assert run("list") == 0
    out = capsys.readouterr().out
    for name in ganzoo.list_models():
        assert name in out


def test_train_then_sample(tmp_path, capfd):
    out = tmp_path / "run"
    code = run("train", "dcgan", "--dataset", "digits", "--epochs", "2", "--image-size", "8",
               "--batch-size", "64", "--set", "filters=4", "--set", "latent_dim=8", "--out", out, "--verbose", "2")
    assert code == 0
    assert "d_loss" in capfd.readouterr().out  # Keras progress printed
    grids = sorted(os.listdir(out / "samples"))
    assert grids == ["samples_epoch0001.png", "samples_epoch0002.png"]
    png = _png(out / "samples" / grids[-1])
    assert png.ndim == 3 and png.shape[0] > 64 and png.std() > 0  # a real picture, not blank
    for name in ("model.keras", "generator.keras", "history.csv", "history.json"):
        assert (out / name).exists(), name

    model = keras.saving.load_model(out / "model.keras")
    assert model.generator.output.shape[1:] == (8, 8, 1)
    assert iterations(model.g_optimizer) == 2 * -(-1500 // 64)  # 24 batches an epoch, the last one partial

    sample_png = tmp_path / "s.png"
    assert run("sample", out / "model.keras", "-n", "9", "--out", sample_png) == 0
    assert _png(sample_png).shape[0] > 0


def test_ring_dataset_trains_vector_gan(tmp_path):
    assert run("train", "gan", "--dataset", "ring", "--epochs", "1", "--batch-size", "2000",
               "--set", "hidden_units=(8,)", "--out", tmp_path, "--verbose", "0") == 0
    assert os.listdir(tmp_path / "samples") == ["samples_epoch0001.png"]


def test_unknown_model_is_a_clear_error(tmp_path, capsys):
    assert run("train", "dcgna", "--out", tmp_path) == 2
    err = capsys.readouterr().err
    assert "Did you mean: 'dcgan'" in err and "Received: name='dcgna'" in err


def test_trains_cgan_on_digits(tmp_path):
    out = tmp_path / "run"
    assert run("train", "cgan", "--dataset", "digits", "--epochs", "1", "--image-size", "8", "--batch-size", "500",
               "--set", "filters=4", "--set", "latent_dim=8", "--out", out, "--verbose", "0") == 0
    model = keras.saving.load_model(out / "model.keras")
    assert model.num_classes == 10
    assert iterations(model.d_optimizer) == 3  # 1500 digits / batch 500
    assert model.generate(10, labels=np.arange(10), seed=0).shape == (10, 8, 8, 1)
    assert (out / "samples" / "samples_epoch0001.png").exists()


# Image-to-image and super-resolution models train from the command line on their embedded
# datasets (tiny networks); the grids show input / output rows from held-out images.
TRAIN_CASES = {
    "pix2pix": (["--image-size", "16", "--batch-size", "256", "--set", "filters=4", "--set", "disc_filters=4"],
                (16, 16, 3), 2),
    "cyclegan": (["--image-size", "8", "--batch-size", "250", "--epochs", "2", "--set", "filters=4",
                  "--set", "disc_filters=4", "--set", "num_residual_blocks=1"], (8, 8, 1), 3),
    "srgan": (["--image-size", "16", "--batch-size", "4", "--steps-per-epoch", "3", "--set", "scale=2",
               "--set", "num_blocks=1", "--set", "filters=8", "--set", "d_filters=4", "--set", "dense_units=8",
               "--set", "content_loss=mse", "--set", "warmup_steps=2"], (8, 8, 3), 2),
}


@pytest.mark.parametrize("name", sorted(TRAIN_CASES))
def test_train_image_to_image_and_super_resolution(name, tmp_path, capsys):
    extra, input_shape, columns = TRAIN_CASES[name]
    out = tmp_path / name
    args = ["train", name, "--out", out, "--verbose", "0", *extra]
    if "--epochs" not in extra:
        args += ["--epochs", "1"]
    assert run(*args) == 0
    assert f"training {name} on" in capsys.readouterr().out
    grids = sorted(os.listdir(out / "samples"))
    assert grids[-1].endswith(".png")
    png = _png(out / "samples" / grids[-1])
    # One row per held-out input: input, output (and cyclegan's reconstruction) side by side.
    assert png.shape[0] > png.shape[1] and png.std() > 0
    model = ganzoo.load_model(out / "model.keras")
    first = getattr(model, model.network_names[0])
    shape = model.lr_shape if name == "srgan" else tuple(first.inputs[0].shape[1:])  # SR: fully convolutional
    assert shape == input_shape
    assert iterations(getattr(model, next(iter(model.optimizer_networks)))) > 0
    if name == "cyclegan":
        # --epochs 2: the paper's schedule scaled to the run, constant 1 epoch then decay 1.
        assert (model.constant_epochs, model.decay_epochs) == (1, 1)
    images, ncols = model.preview(model.example_inputs(2))
    assert ncols == columns and images.shape[0] == 2 * columns


def test_train_rejects_a_dataset_the_model_cannot_use(tmp_path, capsys):
    assert run("train", "cyclegan", "--dataset", "digits", "--out", tmp_path / "x") == 2
    err = capsys.readouterr().err
    assert "Received: dataset='digits'" in err and "digit_domains" in err


def _write_png(path, array):
    Image.fromarray(array).save(path)


def test_translate_writes_one_png_per_input(tmp_path, capsys):
    model = ganzoo.get("pix2pix", image_shape=(16, 16, 3), channels_b=1, filters=4, disc_filters=4)
    path = tmp_path / "p2p.keras"
    model.save(path)
    os.makedirs(tmp_path / "in")
    rng = np.random.default_rng(0)
    for i in range(3):  # other sizes and grayscale inputs are converted
        _write_png(tmp_path / "in" / f"im{i}.png", rng.integers(0, 256, (20, 24) if i else (16, 16, 3), dtype=np.uint8))
    assert run("translate", path, "--input", tmp_path / "in", "--out", tmp_path / "out", "--batch-size", "2") == 0
    assert sorted(os.listdir(tmp_path / "out")) == ["im0.png", "im1.png", "im2.png"]
    with Image.open(tmp_path / "out" / "im1.png") as img:
        assert img.size == (16, 16) and img.mode == "L"
    # pix2pix has only the A -> B generator: a clear error, exit code 2.
    capsys.readouterr()
    assert run("translate", path, "--input", tmp_path / "in", "--out", tmp_path / "o2", "--direction", "b_to_a") == 2
    assert "direction='b_to_a'" in capsys.readouterr().err


def test_upscale_writes_scaled_pngs(tmp_path):
    model = ganzoo.get("srgan", **ganzoo.registry.get_test_config("srgan"))
    model.save(tmp_path / "srgan.keras")
    model.generator.save(tmp_path / "generator.keras")
    src = tmp_path / "in"
    src.mkdir()
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (9, 14, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(src / "a.png")
    Image.fromarray(rng.integers(0, 256, (7, 5), dtype=np.uint8)).save(src / "b.jpg")  # gray: read as RGB
    for saved in ("srgan.keras", "generator.keras"):
        out = tmp_path / f"out_{saved}"
        assert run("upscale", tmp_path / saved, "--input", src, "--out", out, "--tile", "4") == 0
        a = _png(out / "a.png")
        assert a.shape == (18, 28, 3) and _png(out / "b.png").shape == (14, 10, 3)
        expected = model.upscale(rgb.astype("float32") / 127.5 - 1.0)
        expected = np.clip(np.round((expected + 1) * 127.5), 0, 255)
        assert np.abs(a.astype("float32") - expected).max() <= 1.0
    assert run("upscale", tmp_path / "srgan.keras", "--input", tmp_path / "nope", "--out", tmp_path) == 2


# --------------------------------------------------------------------------- resume
EPOCHS, BATCH = 2, 1024  # ring: 100,000 points -> 98 batches per epoch
TOTAL_BATCHES = EPOCHS * 98


def _train_args(out, *extra):
    return ["train", "gan", "--dataset", "ring", "--epochs", str(EPOCHS), "--batch-size", str(BATCH),
            "--out", str(out), "--verbose", "0", "--every", "100", "--set", "hidden_units=(16,)",
            "--backup-every", "20", *extra]


@pytest.mark.slow
def test_killed_then_rerun_resumes(tmp_path):
    """A real SIGKILL of `ganzoo train`; the same command again resumes from OUT/backup."""
    out = tmp_path / "run"
    state = out / "backup" / "state.npz"
    cmd = [sys.executable, "-m", "ganzoo.cli", *_train_args(out)]
    with open(tmp_path / "first.txt", "w") as log:
        proc = subprocess.Popen(cmd, env=_child_env(), stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        deadline = time.time() + 180
        while not state.exists():
            assert proc.poll() is None, (tmp_path / "first.txt").read_text()[-3000:]
            assert time.time() < deadline, "no backup written"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    assert not (out / "model.keras").exists()

    second = subprocess.run(cmd, env=_child_env(), capture_output=True, text=True, cwd=REPO, timeout=300)
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-3000:]
    assert "ganzoo: resuming from the backup" in second.stdout
    assert not state.exists()  # removed once training completed

    model = ganzoo.load_model(out / "model.keras")
    # Every batch of both epochs trained exactly once across the two processes.
    for opt in model.optimizer_networks:
        assert iterations(getattr(model, opt)) == TOTAL_BATCHES


def test_no_resume_starts_over(tmp_path, capsys):
    out = tmp_path / "run"
    # A stale backup from some earlier run of another model: --no-resume ignores and deletes it.
    (out / "backup").mkdir(parents=True)
    (out / "backup" / "state.npz").write_bytes(b"stale")
    args = _train_args(out, "--no-resume")
    args[args.index("--epochs") + 1] = "1"
    assert run(*args) == 0
    stdout = capsys.readouterr().out
    assert "--no-resume: deleted the backup" in stdout
    assert "resuming" not in stdout


def test_bad_backup_every(tmp_path, capsys):
    args = [a for a in _train_args(tmp_path / "run") if a not in ("--backup-every", "20")] + ["--backup-every=0"]
    assert run(*args) == 2
    assert "Received: --backup-every 0" in capsys.readouterr().err
