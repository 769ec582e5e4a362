"""One prepared GPU check: install from local wheels, DCGAN throughput rows, dcgan fast tests.

Run it through `bash benchmarks/gpu_check.sh` (which sets the environment), on a bare
H100/H200 machine that has Python, PyTorch and JAX but no network and no keras. It:

1. installs every wheel of `--wheels` (keras, its missing dependencies, ganzoo) with
   `pip install --no-index --no-deps --target WORK`, into a fresh work folder WORK that
   also gets copies of tests/, benchmarks/ and examples/, so every command below (and
   every subprocess the tests start, which set PYTHONPATH to WORK) imports keras and
   ganzoo from the wheels, never from the source tree;
2. runs `benchmarks/dcgan_throughput.py` once per batch size (128 and 2048 by default):
   ganzoo on JAX in float32 and mixed_bfloat16 and on torch in float32, the native
   PyTorch peer in float32 and bf16 autocast, all alive together in one round-robin;
3. runs the fast test tier for `dcgan` (`pytest -k dcgan -m "not slow"`) on JAX and torch;
4. writes ONE JSON file (atomically): machine, versions, every throughput row, the
   performance targets with the measured values, the test counts and failures, and each
   phase's time and status.

Every phase has a time cap and the whole run a budget (`--budget`, 480 s), so it ends
inside 8 minutes and always writes its file; a phase that runs out is recorded as
`timed_out`. `--dry-run` does the same on the CPU at tiny shapes in about a minute
(ganzoo's wheel is built here from the checkout; keras comes from the environment unless
`--wheels` is given), so the script is exercised by the slow test tier without a GPU.

Example:
    bash benchmarks/gpu_check.sh --wheels .whl --out "$OUT/gpu_check.json"
    bash benchmarks/gpu_check.sh --dry-run --out /tmp/gpu_check.json
"""
import argparse
import glob
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COPIED = ("tests", "benchmarks", "examples", "docs", "README.md", "pyproject.toml")  # tests read the docs

# The earlier performance targets (docs/benchmarks.md), all against the float32 peer.
# "small" is the first batch size of the mode (128 on the GPU), "large" the last (2048).
TARGETS = (
    ("jax mixed_bfloat16 >= 2.5x the float32 peer", "jax", "mixed_bfloat16", "small", "ratio_to_peer", 2.5),
    ("jax float32 >= 1.25x the float32 peer", "jax", "float32", "small", "ratio_to_peer", 1.25),
    ("torch backend float32 >= 0.5x the float32 peer", "torch", "float32", "small", "ratio_to_peer", 0.5),
    ("jax mixed_bfloat16 >= 25 % MFU", "jax", "mixed_bfloat16", "large", "mfu", 0.25),
)

# Shapes and lengths of each mode. The GPU numbers keep the whole run near 6 minutes on
# an H100/H200 (each runner's start, JAX compilation, 5 runners per batch size).
MODES = {
    "gpu": dict(device="cuda", image_size=64, batches=[(128, 50, 10, 5), (2048, 10, 3, 3)],
                peer_threads="default", tests=["tests", "-k", "dcgan", "-m", "not slow"],
                caps=dict(install=90, bench=170, tests=110)),
    "dry-run": dict(device="cpu", image_size=8, batches=[(2, 1, 1, 1)], peer_threads="1",
                    tests=["tests", "-k", "throughput", "-m", "not slow"],  # collects every module, as on the GPU
                    caps=dict(install=120, bench=240, tests=120)),
}


class Clock:
    """The run's budget: each phase gets its cap, or what is left after the later phases' floors."""

    def __init__(self, budget):
        self.start = time.monotonic()
        self.end = self.start + budget

    def timeout(self, cap, reserve=0.0):
        return max(1.0, min(cap, self.end - time.monotonic() - reserve))

    def elapsed(self):
        return round(time.monotonic() - self.start, 1)


def run(cmd, timeout, **kwargs):
    """Run `cmd` in its own process group; on timeout kill the whole group (runners included)."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
        status = "ok" if proc.returncode == 0 else "failed"
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        status = "timed_out"
    return dict(status=status, returncode=proc.returncode, seconds=round(time.monotonic() - start, 1),
                timeout_s=round(timeout, 1), stdout=out, stderr_tail=err[-4000:])


def machine_info():
    info = dict(python=sys.version.split()[0], executable=sys.executable, platform=platform.platform(),
                cpu_count=os.cpu_count(), load_1min=round(os.getloadavg()[0], 2))
    if shutil.which("nvidia-smi"):
        q = "name,driver_version,memory.total,clocks.sm,clocks.max.sm,temperature.gpu,power.draw"
        r = subprocess.run(["nvidia-smi", f"--query-gpu={q}", "--format=csv,noheader"],
                           capture_output=True, text=True)
        info["nvidia_smi"] = r.stdout.strip() or r.stderr.strip()
    return info


def build_ganzoo_wheel(dest, timeout):
    """Build ganzoo's wheel from a copy of the checkout (no network, no build isolation)."""
    src = os.path.join(dest, "src")
    os.makedirs(src)
    for name in ("ganzoo", "pyproject.toml", "README.md"):
        path = os.path.join(REPO, name)
        (shutil.copytree if os.path.isdir(path) else shutil.copy2)(
            path, os.path.join(src, name), **({"ignore": shutil.ignore_patterns("__pycache__")}
                                              if os.path.isdir(path) else {}))
    return run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                "--no-index", "-w", dest, src], timeout)


def install(args, work, clock, cap, reserve, tempdirs):
    """Install the wheels into `work`; in a dry run, build ganzoo's wheel first."""
    phase = dict(wheels=args.wheels)
    wheels_dir = args.wheels
    if args.dry_run:
        wheels_dir = tempfile.mkdtemp(prefix="ganzoo-wheels-")
        tempdirs.append(wheels_dir)
        for whl in glob.glob(os.path.join(args.wheels, "*.whl")) if args.wheels else []:
            shutil.copy2(whl, wheels_dir)
        built = build_ganzoo_wheel(wheels_dir, clock.timeout(cap, reserve))
        phase["build"] = {k: built[k] for k in ("status", "seconds", "stderr_tail")}
        if built["status"] != "ok":
            return dict(phase, status="failed")
    wheels = sorted(glob.glob(os.path.join(wheels_dir or "", "*.whl")))
    phase["installed"] = [os.path.basename(w) for w in wheels]
    names = [os.path.basename(w).split("-")[0].lower() for w in wheels]
    if "keras_ganzoo" not in names or (not args.dry_run and "keras" not in names):
        return dict(phase, status="failed",
                    error=f"--wheels must hold the keras and keras_ganzoo wheels. Received: wheels={args.wheels!r} "
                          f"with {phase['installed']}")
    r = run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
             "--no-cache-dir", "--target", work, *wheels], clock.timeout(cap, reserve))
    return dict(phase, status=r["status"], seconds=r["seconds"], stderr_tail=r["stderr_tail"])


def check_imports(env, work, timeout):
    """Versions and devices; ganzoo (and keras, when its wheel was given) come from `work`."""
    code = ("import json, jax, torch, keras, ganzoo; print(json.dumps(dict(keras=keras.__version__, "
            "keras_file=keras.__file__, ganzoo=ganzoo.__version__, ganzoo_file=ganzoo.__file__, "
            "jax=jax.__version__, jax_devices=[str(d) for d in jax.devices()], torch=torch.__version__, "
            "torch_cuda=torch.version.cuda, torch_devices=torch.cuda.device_count())))")
    r = run([sys.executable, "-c", code], timeout, env=dict(env, KERAS_BACKEND="jax"), cwd=work)
    out = dict(status=r["status"], seconds=r["seconds"])
    if r["status"] != "ok":
        return dict(out, stderr_tail=r["stderr_tail"])
    out.update(json.loads(r["stdout"].strip().splitlines()[-1]))
    inside = lambda f: os.path.realpath(f).startswith(os.path.realpath(work) + os.sep)  # noqa: E731
    installed = {w.split("-")[0].lower() for w in os.listdir(work) if w.endswith(".dist-info")}
    for name in ("ganzoo", "keras"):
        if (name == "ganzoo" or "keras" in installed) and not inside(out[f"{name}_file"]):
            out.update(status="failed", error=f"{name} was not imported from the installed wheel")
    return out


def bench(mode, env, work, batch, steps, warmup, repeats, timeout):
    cmd = [sys.executable, os.path.join(work, "benchmarks", "dcgan_throughput.py"), "--device", mode["device"],
           "--runners", "jax:float32,jax:mixed_bfloat16,torch:float32", "--peer-dtype", "float32,mixed_bfloat16",
           "--peer-threads", mode["peer_threads"], "--block", "batch", "--image-size", str(mode["image_size"]),
           "--batch-size", str(batch), "--steps", str(steps), "--warmup", str(warmup), "--repeats", str(repeats)]
    r = run(cmd, timeout, env=env, cwd=work)
    rows = [json.loads(line) for line in r["stdout"].splitlines() if line.startswith("{")]
    phase = dict(status=r["status"] if rows or r["status"] != "ok" else "failed", seconds=r["seconds"],
                 timeout_s=r["timeout_s"], command=" ".join(cmd[1:]), rows=len(rows), stderr_tail=r["stderr_tail"])
    return phase, rows


def junit_summary(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    counts = {k: sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")}
    problems = []
    for case in root.iter("testcase"):
        for child in case:
            if child.tag in ("failure", "error"):
                problems.append(dict(test=f"{case.get('classname')}::{case.get('name')}", kind=child.tag,
                                     message=(child.get("message") or "")[:500]))
    return dict(counts, passed=counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"],
                problems=problems)


def tests(mode, env, work, backend, timeout):
    xml = os.path.join(work, f"junit_{backend}.xml")
    cmd = [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", f"--junitxml={xml}", *mode["tests"]]
    r = run(cmd, timeout, env=dict(env, KERAS_BACKEND=backend), cwd=work)
    phase = dict(status=r["status"], returncode=r["returncode"], seconds=r["seconds"], timeout_s=r["timeout_s"],
                 command=f"KERAS_BACKEND={backend} " + " ".join(cmd[1:]),
                 summary=(r["stdout"].strip().splitlines() or [""])[-1])
    if os.path.exists(xml):
        phase.update(junit_summary(xml))
    if r["status"] != "ok":
        phase["stdout_tail"] = r["stdout"][-4000:]
        phase["stderr_tail"] = r["stderr_tail"]
    return phase


def targets(rows, small, large):
    out = []
    for name, backend, dtype, which, field, goal in TARGETS:
        batch = small if which == "small" else large
        row = next((r for r in rows if r["runner"] == f"ganzoo_{backend}" and r["dtype"] == dtype
                    and r["batch_size"] == batch), None)
        value = row.get(field) if row else None
        out.append(dict(target=name, batch_size=batch, field=field, goal=goal, value=value,
                        met=None if value is None else value >= goal))
    return out


def write_json(path, doc):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, path)


def print_table(doc):
    print("\nrunner            dtype           batch  steps/s   ratio  cpu-ratio  mfu     load>cores")
    for r in doc["rows"]:
        print(f"{r['runner']:<17} {r['dtype']:<15} {r['batch_size']:>5}  {r['steps_per_s']:>8.4g}  "
              f"{r['ratio_to_peer'] or 0:>6.3g}  {r['cpu_work_ratio_to_peer'] or 0:>9.3g}  "
              f"{r['mfu'] if r['mfu'] is not None else '-':<7}{' yes' if r['load_warning'] else ''}")
    for t in doc["targets"]:
        print(f"target: {t['target']}: {t['value']} -> {'met' if t['met'] else 'MISSED' if t['met'] is False else '?'}")
    for b, t in doc["tests"].items():
        print(f"tests {b}: {t['status']}: {t.get('summary')}")
    print(f"status: {doc['status']} in {doc['elapsed_s']} s; wrote {doc['out']}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--dry-run", action="store_true", help="CPU, tiny shapes: checks the script itself")
    p.add_argument("--wheels", default=None,
                   help="folder of wheels to install (keras, namex, optree, keras_ganzoo); "
                        "default .whl in the checkout (a dry run needs none)")
    p.add_argument("--out", default=None, help="the JSON file; default $OUT/gpu_check.json, else ./gpu_check.json")
    p.add_argument("--budget", type=float, default=480.0, help="seconds for the whole run (default 480)")
    args = p.parse_args(argv)
    if args.wheels is None and not args.dry_run:
        args.wheels = os.path.join(REPO, ".whl")
    if args.wheels is not None and not os.path.isdir(args.wheels):
        p.error(f"--wheels must be a folder of wheels. Received: wheels={args.wheels!r}")
    out = args.out or os.path.join(os.environ.get("OUT") or os.getcwd(), "gpu_check.json")
    mode_name = "dry-run" if args.dry_run else "gpu"
    mode = MODES[mode_name]
    caps = mode["caps"]
    clock = Clock(args.budget)

    work = tempfile.mkdtemp(prefix="ganzoo-check-")
    tempdirs = []  # the dry run's wheel build folders, removed at the end with `work`
    for name in COPIED:
        src = os.path.join(REPO, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(work, name), ignore=shutil.ignore_patterns("__pycache__", "results"))
        else:
            shutil.copy2(src, os.path.join(work, name))
    env = dict(os.environ, PYTHONPATH=work, PYTHONUNBUFFERED="1", TF_CPP_MIN_LOG_LEVEL="2",
               XLA_PYTHON_CLIENT_PREALLOCATE="false")  # several runners share the GPU
    doc = dict(mode=mode_name, out=out, budget_s=args.budget, machine=machine_info(), work=work,
               started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), phases={}, rows=[], tests={})

    def save(status):
        doc.update(status=status, elapsed_s=clock.elapsed())
        write_json(out, doc)

    n_bench = len(mode["batches"])
    floor = 30.0  # the least each later phase is left
    doc["phases"]["install"] = install(args, work, clock, caps["install"], floor * (n_bench + 2), tempdirs)
    ok = doc["phases"]["install"]["status"] == "ok"
    if ok:
        doc["versions"] = check_imports(env, work, clock.timeout(120, floor * (n_bench + 2)))
        ok = doc["versions"]["status"] == "ok"
    save("running")
    failed = not ok
    if ok:
        for i, (batch, steps, warmup, repeats) in enumerate(mode["batches"]):
            phase, rows = bench(mode, env, work, batch, steps, warmup, repeats,
                                clock.timeout(caps["bench"], floor * (n_bench - i - 1 + 2)))
            doc["phases"][f"bench_{batch}"] = phase
            doc["rows"] += rows
            failed |= phase["status"] != "ok"
            save("running")
        for i, backend in enumerate(("jax", "torch")):
            doc["tests"][backend] = tests(mode, env, work, backend, clock.timeout(caps["tests"], floor * (1 - i)))
            failed |= doc["tests"][backend]["status"] != "ok"
            save("running")
    batches = [b[0] for b in mode["batches"]]
    doc["targets"] = targets(doc["rows"], batches[0], batches[-1])
    warned = sorted({r["batch_size"] for r in doc["rows"] if r["load_warning"]})
    doc["load_warning_batches"] = warned
    save("failed" if failed else "ok")
    print_table(doc)
    for folder in tempdirs + [work]:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
