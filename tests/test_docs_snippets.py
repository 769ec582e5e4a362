"""Every ```python and ```bash snippet of README.md and docs/ runs as written (issue 21).

A snippet is a fenced block; an HTML comment on the line before it may mark it:

- `<!-- snippet: fast -->`: run in the fast tier (it trains nothing);
- `<!-- snippet: not run: REASON -->`: not run (needs prepared tfds data, is a measurement
  taking minutes, a signature, ...), the reason shown in the page's source;
- `<!-- snippet: quick start ... -->`: docs/index.md's quick start, run by its own tests.

Any other snippet trains, so it runs in the slow tier (`@pytest.mark.slow`): python blocks
in a fresh interpreter in an empty folder, bash blocks line by line, where each `ganzoo ...`
command runs as `python -m ganzoo.cli ...` (the `ganzoo` script's entry point) and
`pip install` steps are skipped (the test environment is installed).

The snippets that train, and the quick start as written, run once per installed backend
(parametrised by `backend`, the child's `KERAS_BACKEND`, whatever backend pytest itself
runs under): `pytest --run-slow -m docs_as_written tests/test_docs_snippets.py` checks them
on tensorflow, jax and torch in one go. The fast-tier tests run on pytest's backend only.
"""
import glob
import importlib.util
import os
import re
import runpy
import shlex
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FENCE = re.compile(r"(?:<!-- snippet: (?P<mark>[^>]*?) -->\n)?```(?P<lang>python|bash)\n(?P<code>.*?)```", re.S)


def snippets():
    files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"),
                                                                 recursive=True))
    out = []
    for path in files:
        text = open(path, encoding="utf-8").read()
        for m in FENCE.finditer(text):
            line = text.count("\n", 0, m.start("lang")) + 1
            out.append({"id": f"{os.path.relpath(path, ROOT)}:{line}", "lang": m.group("lang"),
                        "mark": m.group("mark") or "", "code": m.group("code")})
    return out


SNIPPETS = snippets()


BACKENDS = ("tensorflow", "jax", "torch")


def installed(backend):
    modules = ("jax", "jaxlib") if backend == "jax" else (backend,)
    return all(importlib.util.find_spec(m) is not None for m in modules)


# The slow tests' backends: every one, each skipped where it is not installed.
PER_BACKEND = pytest.mark.parametrize("backend", [
    pytest.param(b, marks=pytest.mark.skipif(not installed(b), reason=f"{b} is not installed")) for b in BACKENDS])


def _env(backend=None):
    return dict(os.environ, KERAS_BACKEND=backend or keras.config.backend(), PYTHONPATH=ROOT,
                TF_CPP_MIN_LOG_LEVEL="3")


def _run(argv, cwd, timeout=1800, backend=None):
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(backend), cwd=cwd, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(argv)[:200]}\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc


def bash_commands(code):
    """The commands of a bash snippet, as argv lists; `pip install` steps are dropped."""
    commands = []
    for line in code.splitlines():
        line = line.split("  #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        for part in line.split("&&"):
            argv = shlex.split(part)
            if argv[:4] == ["python", "-m", "pip", "install"]:
                continue
            commands.append(argv)
    return commands


def run_snippet(snippet, cwd, backend=None):
    """Run `snippet` in `cwd` under `backend` (`KERAS_BACKEND`; pytest's own when `None`)."""
    if snippet["lang"] == "python":
        script = cwd / "snippet.py"
        script.write_text(snippet["code"])
        return _run([sys.executable, str(script)], cwd, backend=backend)
    for argv in bash_commands(snippet["code"]):
        assert argv[0] == "ganzoo", f"{snippet['id']}: mark it `not run` or use a ganzoo command: {argv}"
        _run([sys.executable, "-m", "ganzoo.cli", *argv[1:]], cwd, backend=backend)


def run_snippet_in_process(snippet, cwd, monkeypatch):
    """Run `snippet` like `run_snippet`, in this process; returns what the CLI commands printed."""
    from ganzoo import cli

    monkeypatch.chdir(cwd)
    if snippet["lang"] == "python":
        script = cwd / "snippet.py"
        script.write_text(snippet["code"])
        runpy.run_path(str(script), run_name="__main__")
        return
    for argv in bash_commands(snippet["code"]):
        assert argv[0] == "ganzoo", f"{snippet['id']}: mark it `not run` or use a ganzoo command: {argv}"
        assert cli.main(argv[1:]) == 0, f"{snippet['id']}: {argv}"


def test_every_snippet_is_marked_or_runnable():
    assert len(SNIPPETS) > 10
    for s in SNIPPETS:
        mark = s["mark"]
        assert mark in ("", "fast") or mark.startswith("not run: ") or mark.startswith("quick start"), s["id"]
        if s["lang"] == "bash" and not mark:
            for argv in bash_commands(s["code"]):
                assert argv[0] == "ganzoo", f"{s['id']} runs {argv[0]}: mark it `not run: REASON`"


@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s["mark"] == "fast"], ids=lambda s: s["id"])
def test_fast_snippet_runs(snippet, tmp_path, monkeypatch):
    run_snippet_in_process(snippet, tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.docs_as_written  # minutes each: CI's slow tier leaves them out (docs/development.md)
@PER_BACKEND
@pytest.mark.parametrize("snippet", [s for s in SNIPPETS if s["mark"] == ""], ids=lambda s: s["id"])
def test_training_snippet_runs(snippet, backend, tmp_path):
    run_snippet(snippet, tmp_path, backend)


# ----------------------------------------------------------- docs/index.md's quick start
QUICK_START = next(s for s in SNIPPETS if s["id"].startswith("docs/index.md") and s["mark"].startswith("quick start"))


def _check_quick_start_outputs(cwd, image_side):
    run = cwd / "runs" / "dcgan-digits"
    for name in ("model.keras", "generator.keras", "history.csv", "samples"):
        assert (run / name).exists(), name
    for png in (cwd / "samples.png", run / "generator_samples.png"):
        pixels = np.asarray(Image.open(png))
        assert pixels.std() > 0 and pixels.shape[0] > 8 * image_side, png  # an 8x8 grid, not blank


def test_quick_start_sequence_tiny(tmp_path, monkeypatch, capsys):
    """The quick start's commands in order, with a tiny network and one epoch appended.

    In this process through `ganzoo.cli.main` (the `ganzoo` script's entry point); the
    fresh-interpreter runs are `test_quick_start_as_written` (slow tier) and test_cli's
    subprocess tests.
    """
    from ganzoo import cli

    commands = bash_commands(QUICK_START["code"])
    assert [argv[:2] for argv in commands] == [["ganzoo", "list"], ["ganzoo", "train"], ["ganzoo", "sample"],
                                               ["ganzoo", "sample"]]
    monkeypatch.chdir(tmp_path)
    for argv in commands:
        if argv[1] == "train":  # later options override earlier ones
            argv = argv + ["--epochs", "1", "--image-size", "8", "--set", "filters=4", "--verbose", "0"]
        capsys.readouterr()
        assert cli.main(argv[1:]) == 0, argv
        if argv[1] == "list":
            assert f"on the {keras.config.backend()} backend" in capsys.readouterr().out
    _check_quick_start_outputs(tmp_path, 8)


@pytest.mark.slow
@pytest.mark.docs_as_written
@PER_BACKEND
def test_quick_start_as_written(backend, tmp_path):
    run_snippet(QUICK_START, tmp_path, backend)
    _check_quick_start_outputs(tmp_path, 16)


def test_training_snippets_run_once_per_backend():
    # The slow tests above take the backend as a parameter that becomes the child's
    # KERAS_BACKEND (not pytest's own), so one `pytest --run-slow -m docs_as_written` covers
    # the three; the fast tier runs no snippet for it.
    for b in BACKENDS:
        assert _env(b)["KERAS_BACKEND"] == b
    assert _env()["KERAS_BACKEND"] == keras.config.backend()
    for test in (test_training_snippet_runs, test_quick_start_as_written):
        marks = {m.name for m in test.pytestmark}
        assert {"slow", "docs_as_written", "parametrize"} <= marks, test.__name__
        backends = [m for m in test.pytestmark if m.name == "parametrize" and m.args[0] == "backend"]
        assert [p.values[0] for p in backends[0].args[1]] == list(BACKENDS), test.__name__
