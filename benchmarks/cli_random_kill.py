"""SIGKILL `ganzoo train` at random moments, rerun the same command, check the finished run.

python benchmarks/cli_random_kill.py [--backend jax] [--models gan,dcgan] [--kills 20] [--seed 0]

For each model (default: every registered one) on the backend: one uninterrupted run of a
tiny `ganzoo train` command (the reference), then trials of the same command in another
folder, each started again and again and SIGKILLed after a random delay until it finishes
on its own: 4 kills in 5 at a uniform moment after the process wrote its first backup
(0 to 1.1x the reference's time from its first backup to its exit: training, the final
files, the exit), 1 in 5 at a uniform moment of the whole process (0 to 1.1x the
reference's wall time, imports and compilation included; both spans are re-measured by
any trial whose first start outlives its kill moment, so they follow the machine's load:
`span_updates` counts those); trials go on until `--kills` kills were made. Trials alternate the CLI's default
epoch-end backups and `--backup-every 2` (mid-epoch backups, skipped batches on resume).
Each finished trial must hold:

- `model.keras` whose every variable (weights, optimizer moments and iterations, the noise
  generator's state) equals the reference's bitwise, and the generator file equal too;
- `history.csv` with each epoch once and the reference's values bitwise, `history.json`
  with one value per epoch, `done.json`, one loadable PNG per epoch, and no backup left.

The kill's moment is classified from what was on disk: `before_first_backup` (imports, compilation, first batches), `training`
(a backup, no model.keras), `final_files` (model.keras or a backup of the last epoch, no
done.json) or `done` (the rerun of a finished command). Prints one JSON object.

Equality needs the same arithmetic in every process: each child runs with one thread
(OMP_NUM_THREADS, TF_NUM_INTRAOP_THREADS, XLA's intra-op parallelism), as the reference does.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Tiny commands: test-config sizes, 3 batches an epoch, 4 epochs (12 batches).
COMMON = ["--epochs", "4", "--steps-per-epoch", "3", "--verbose", "0", "--every", "1", "--seed", "3"]
CONFIGS = {
    "gan": ["--dataset", "ring", "--batch-size", "64", "--set", "hidden_units=(16,)", "--set", "latent_dim=4"],
    "dcgan": ["--dataset", "digits", "--image-size", "8", "--batch-size", "16", "--set", "filters=4",
              "--set", "latent_dim=8"],
    "cgan": ["--dataset", "digits", "--image-size", "8", "--batch-size", "16", "--set", "filters=4",
             "--set", "latent_dim=8", "--set", "embed_dim=4"],
    "pix2pix": ["--dataset", "photo_deblur", "--image-size", "16", "--batch-size", "2", "--set", "filters=4",
                "--set", "disc_filters=4"],
    "cyclegan": ["--dataset", "digit_domains", "--image-size", "16", "--batch-size", "2", "--set", "filters=4",
                 "--set", "disc_filters=4", "--set", "num_residual_blocks=1"],
    "wgan_gp": ["--dataset", "digits", "--image-size", "8", "--batch-size", "16", "--set", "filters=4",
                "--set", "latent_dim=8", "--set", "d_steps=2"],
    "progan": ["--dataset", "digits", "--image-size", "8", "--batch-size", "8", "--set", "filters=4",
               "--set", "latent_dim=8", "--set", "stable_steps=2", "--set", "fade_steps=3"],  # a kill mid-fade too
    "srgan": ["--dataset", "photos", "--image-size", "16", "--batch-size", "2", "--set", "scale=2",
              "--set", "num_blocks=1", "--set", "filters=8", "--set", "d_filters=4", "--set", "dense_units=8",
              "--set", "content_loss=mse", "--set", "warmup_steps=0"],
    "stylegan2": ["--dataset", "digits", "--image-size", "8", "--batch-size", "8", "--set", "latent_dim=8",
                  "--set", "w_dim=8", "--set", "mapping_layers=2", "--set", "channel_base=32",
                  "--set", "channel_max=4", "--set", "r1_interval=2"],  # a lazy-R1 step every other batch
}
EPOCHS = 4


def child_env(backend):
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="1",
               TF_NUM_INTEROP_THREADS="1",
               XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return env


def command(name, out, backup_every=None):
    cmd = [sys.executable, "-m", "ganzoo.cli", "train", name, "--out", str(out), *COMMON, *CONFIGS[name]]
    return cmd + (["--backup-every", str(backup_every)] if backup_every else [])


def phase(out):
    out = Path(out)
    if (out / "done.json").exists():
        return "done"
    if (out / "model.keras").exists():
        return "final_files"
    backup = out / "backup"
    if not backup.exists() or not any(backup.iterdir()):
        return "before_first_backup"
    try:
        from ganzoo.resume import read_backup

        meta = read_backup(backup)
        if meta is not None and meta["epoch"] >= EPOCHS:
            return "final_files"
    except Exception:
        pass
    return "training"


def _backed_up_since(out, start):
    """True once this process wrote a backup (a state file newer than its start)."""
    for name in ("state.npz", "state.prev.npz"):
        try:
            if os.path.getmtime(Path(out) / "backup" / name) >= start:
                return True
        except OSError:
            pass
    return False


def run_once(cmd, env, log, kill_after=None, after_marker=False, out=None):
    """Run `cmd`; SIGKILL it `kill_after` s after its start (or after its first backup).

    With `out`, the moment this process first writes a backup in `out/backup` is the
    origin of `after_marker` kills. Returns `(returncode, killed, seconds, seconds after
    that moment or None)`.
    """
    start = time.time()
    marked = None
    with open(log, "a") as f:
        proc = subprocess.Popen(cmd, env=env, stdout=f, stderr=subprocess.STDOUT, cwd=REPO,
                                start_new_session=True)
        while proc.poll() is None:
            now = time.time()
            if marked is None and out is not None and _backed_up_since(out, start - 1):
                marked = now
            if kill_after is not None:
                origin = marked if after_marker else start
                if origin is not None and now - origin >= kill_after:
                    os.kill(proc.pid, signal.SIGKILL)  # no handler, no cleanup: a real kill
                    proc.wait()
                    return proc.returncode, True, time.time() - start, None
            time.sleep(0.02)
    return proc.returncode, False, time.time() - start, (time.time() - marked if marked else None)


def model_state(path):
    import keras

    import ganzoo

    model = ganzoo.load_model(path)
    return [keras.ops.convert_to_numpy(v) for v in model.variables] + [
        keras.ops.convert_to_numpy(v) for v in model.optimizer.variables]


def net_state(path):
    import keras

    net = keras.saving.load_model(path, compile=False)
    return [keras.ops.convert_to_numpy(v) for v in net.variables]


def same_arrays(a, b):
    import numpy as np

    return len(a) == len(b) and all(x.shape == y.shape and x.dtype == y.dtype and np.array_equal(x, y)
                                    for x, y in zip(a, b))


def check_trial(out, reference):
    """The list of problems of the finished run in `out` compared to `reference` (empty: all good)."""
    from PIL import Image

    from ganzoo.callbacks import CSVHistory

    out, problems = Path(out), []
    try:
        if not same_arrays(model_state(out / "model.keras"), model_state(reference / "model.keras")):
            problems.append("model.keras differs from the uninterrupted run")
    except Exception as e:
        problems.append(f"model.keras does not load: {e}")
    nets = [p.name for p in reference.glob("*.keras") if p.name != "model.keras"]
    for name in nets:
        try:
            if not same_arrays(net_state(out / name), net_state(reference / name)):
                problems.append(f"{name} differs")
        except Exception as e:
            problems.append(f"{name} does not load: {e}")
    epochs = [r["epoch"] for r in CSVHistory.read(out / "history.csv")]
    if epochs != list(range(EPOCHS)):
        problems.append(f"history.csv epochs {epochs}")
    if (out / "history.csv").read_bytes() != (reference / "history.csv").read_bytes():
        problems.append("history.csv values differ from the uninterrupted run")
    try:
        history = json.loads((out / "history.json").read_text())
        if not history or any(len(v) != EPOCHS for v in history.values()):
            problems.append("history.json incomplete")
    except Exception as e:
        problems.append(f"history.json: {e}")
    if not (out / "done.json").exists():
        problems.append("no done.json")
    if (out / "backup").exists():
        problems.append("backup left behind")
    pngs = sorted((out / "samples").glob("*.png"))
    if len(pngs) != EPOCHS:
        problems.append(f"{len(pngs)} sample grids")
    for p in pngs:
        try:
            with Image.open(p) as img:
                img.load()
        except Exception as e:
            problems.append(f"{p.name}: {e}")
    return problems


def bench_model(name, backend, kills, rng, workdir):
    env = child_env(backend)
    ref = workdir / f"{name}_reference"
    t0 = time.time()
    code, _, ref_seconds, train_seconds = run_once(command(name, ref), env, workdir / f"{name}_reference.log",
                                                   out=ref)
    if code != 0:
        return {"error": f"reference run failed ({code}): {(workdir / f'{name}_reference.log').read_text()[-2000:]}"}
    result = {"kills": 0, "trials": 0, "starts": 0, "kill_phases": {}, "problems": [],
              "reference_seconds": round(ref_seconds, 1), "reference_seconds_after_first_backup": round(train_seconds, 1)}
    while result["kills"] < kills:
        trial = result["trials"]
        result["trials"] += 1
        backup_every = None if trial % 2 == 0 else 2
        out = workdir / f"{name}_trial{trial}"
        log = workdir / f"{name}_trial{trial}.log"
        first_start = True
        while True:
            result["starts"] += 1
            # 4 kills in 5 land once the process has written its first backup (while it trains,
            # writes its final files or exits), 1 in 5 at any moment of the process (mostly
            # while Python imports and the step compiles).
            after_marker = rng.random() < 0.8
            span = train_seconds if after_marker else ref_seconds
            delay = rng.uniform(0, 1.1 * span) if result["kills"] < kills else None
            code, killed, seconds, after = run_once(command(name, out, backup_every), env, log, kill_after=delay,
                                                    after_marker=after_marker, out=out)
            if first_start and not killed and code == 0 and after:
                # A whole run that outlived its kill moment measures the machine's speed now:
                # the spans follow it, so kills keep landing inside runs when the load changes
                # (a reference timed under load and trials on a quiet machine gave ~1 kill in 2 trials).
                ref_seconds, train_seconds = seconds, after
                result["span_updates"] = result.get("span_updates", 0) + 1
            first_start = False
            if killed:
                result["kills"] += 1
                where = phase(out)
                result["kill_phases"][where] = result["kill_phases"].get(where, 0) + 1
                continue
            if code != 0:
                result["problems"].append(f"trial {trial}: exit {code}: {log.read_text()[-1500:]}")
            break
        if code == 0:
            if result["kills"] >= kills:  # also the rerun of the finished command: nothing to train
                code, _, _, _ = run_once(command(name, out, backup_every), env, log)
                if code != 0 or "already holds the finished run" not in log.read_text():
                    result["problems"].append(f"trial {trial}: the rerun of the finished command did not say so")
            result["problems"] += [f"trial {trial}: {p}" for p in check_trial(out, ref)]
    result["seconds"] = round(time.time() - t0, 1)
    result["ok"] = not result["problems"]
    return result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "jax"),
                   choices=("tensorflow", "jax", "torch"))
    p.add_argument("--models", default=None, help="Comma-separated; default: every registered model.")
    p.add_argument("--kills", type=int, default=20, help="SIGKILLs per model. Default: 20.")
    p.add_argument("--seed", type=int, default=0, help="Seed of the kill delays.")
    p.add_argument("--workdir", default=None, help="Keep the runs here (default: a temporary folder).")
    p.add_argument("--json", default=None, help="Also write the report here, updated after each model.")
    args = p.parse_args(argv)
    os.environ["KERAS_BACKEND"] = args.backend  # this process loads the files to compare them
    import ganzoo

    names = args.models.split(",") if args.models else ganzoo.list_models()
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        raise SystemExit(f"cli_random_kill: no tiny command for {unknown}; add one to CONFIGS")
    rng = random.Random(args.seed)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="cli_random_kill_"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.time()
    results = {}

    def report_now():
        return {
            "backend": args.backend,
            "kills_per_model": args.kills,
            "seed": args.seed,
            "epochs": EPOCHS,
            "batches_per_epoch": 3,
            "models": results,
            "all_ok": all(r.get("ok", False) for r in results.values()),
            "seconds": round(time.time() - started, 1),
            "load_average": os.getloadavg(),
            "workdir": str(workdir),
            "command": " ".join(["python benchmarks/cli_random_kill.py",
                                 *(argv if argv is not None else sys.argv[1:])]),
        }

    for name in names:
        results[name] = bench_model(name, args.backend, args.kills, rng, workdir)
        if args.json:
            with open(args.json + ".tmp", "w") as f:
                json.dump(report_now(), f, indent=1)
            os.replace(args.json + ".tmp", args.json)
    report = report_now()
    report["all_ok"] = report["all_ok"] and len(results) == len(names)
    print(json.dumps(report, indent=1))
    return 0 if report["all_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
