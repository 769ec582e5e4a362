"""The trainer hooks resume uses (ganzoo/backend/common.py `TrainFunction`, each backend's
`skip_train_step`): `ganzoo/resume.py` and the other training-path modules name no backend.

A mid-epoch resume skips the batches its backup covers through the model's
`skip_train_batches`: those calls draw their batch and return the given logs without
training, on every backend, and stay outside whatever train function the model made.
"""
import ast
import os

import keras
import numpy as np
import pytest

from tests import harness
from tests.test_import_graph import TRAINING_PATH, modules

BACKEND_NAMES = {"tensorflow", "jax", "torch", "numpy", "openvino"}


def backend_branches(source, filename="<source>"):
    """`[(line, what)]` where `source` imports a backend package or compares with a backend's name."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, f"import {a.name}") for a in node.names
                      if a.name.split(".")[0] in BACKEND_NAMES - {"numpy"}]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] in BACKEND_NAMES - {"numpy"}:
                found.append((node.lineno, f"from {node.module} import ..."))
        elif isinstance(node, ast.Compare):
            for operand in [node.left, *node.comparators]:
                items = operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]
                names = [i.value for i in items if isinstance(i, ast.Constant) and i.value in BACKEND_NAMES]
                if names:
                    found.append((node.lineno, f"compares with {names[0]!r}"))
    return found


def test_the_training_path_names_no_backend():
    # resume.py branched on `keras.config.backend()` to skip a batch; that is each backend
    # Trainer's `skip_train_step` now. The models and training code name no backend.
    paths = modules()
    assert "ganzoo.resume" in TRAINING_PATH
    for name in TRAINING_PATH:
        source = open(paths[name], encoding="utf-8").read()
        assert backend_branches(source, paths[name]) == [], name


def test_the_backend_check_finds_a_planted_branch():
    # The check above must be able to fail: the branch resume.py had, and an import.
    planted = (
        "import keras\nimport torch\n"
        "def skip(args):\n"
        "    backend = keras.config.backend()\n"
        "    if backend == 'jax':\n        return 1\n"
        "    elif backend in ('tensorflow',):\n        return 2\n"
    )
    assert [what for _, what in backend_branches(planted)] == [
        "import torch", "compares with 'jax'", "compares with 'tensorflow'"]


class BatchLogs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.logs = []

    def on_train_batch_end(self, batch, logs=None):
        self.logs.append({k: float(v) for k, v in (logs or {}).items()})


def test_skipped_batches_draw_their_data_without_training():
    # 4 batches of 2; the first 2 skipped: the model ends as one trained on the last 2 alone,
    # and each skipped call reports the logs it was given.
    skipping = harness.build("gan")
    data = skipping.example_data(8, seed=1)
    given = {"d_loss": 0.25, "g_loss": 0.5}
    skipping.skip_train_batches(2, given)
    logs = BatchLogs()
    skipping.fit(data, batch_size=2, epochs=1, shuffle=False, verbose=0, callbacks=[logs])

    reference = harness.build("gan")
    reference.fit(data[4:], batch_size=2, epochs=1, shuffle=False, verbose=0)
    assert harness.iterations(skipping.d_optimizer) == harness.iterations(skipping.g_optimizer) == 2
    harness.assert_same_state(harness.state_arrays(reference), harness.state_arrays(skipping))
    assert [{k: d[k] for k in given} for d in logs.logs[:2]] == [given, given]
    assert logs.logs[2] != logs.logs[0]  # trained batches report their own losses
    # Once spent, the skip is gone: the next fit trains every batch.
    skipping.fit(data, batch_size=2, epochs=1, shuffle=False, verbose=0)
    assert harness.iterations(skipping.d_optimizer) == 6


def test_skip_is_outside_a_train_function_the_model_sets():
    # Whatever the model (or Keras) sets `train_function` to, a skipped call does not reach it.
    model = harness.build("gan")
    calls = []
    model.train_function = lambda *args: calls.append(args)
    model.skip_train_batches(1, {"d_loss": 1.0})
    assert model.train_function is not None and len(calls) == 0
    model.skip_train_batches(0)
    model.train_function(1)
    assert calls == [(1,)]


def test_skipping_needs_one_step_per_execution():
    model = harness.build("gan")
    model.compile(steps_per_execution=2)
    with pytest.raises(ValueError, match="steps_per_execution=2"):
        model.skip_train_batches(1)
    model.skip_train_batches(0)  # cancelling is always fine
