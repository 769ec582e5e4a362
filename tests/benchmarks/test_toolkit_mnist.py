"""benchmarks/toolkit_mnist.py without training: its arguments, rows, subset, class KL and output file.

The training runs are the benchmark itself (docs/stability.md, "Measured on MNIST").
"""
import importlib.util
import json
import math
import os

import numpy as np
import pytest

_PATH = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks", "toolkit_mnist.py")
_spec = importlib.util.spec_from_file_location("toolkit_mnist", _PATH)
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_defaults_and_row_settings():
    args = bench.parse_args(["dcgan_400_da"])
    assert args.steps == 1250 and args.score_every == 1250 and args.ema_decay == 0.995
    cfg = bench.row_config(args)
    assert cfg["model"] == "dcgan" and cfg["train"] == 400 and cfg["lr"] == 1e-3
    assert cfg["augment"] == "color,translation,cutout" and cfg["spectral_norm"] is False
    cfg = bench.row_config(bench.parse_args(["wgan_gp_sn", "--steps", "500", "--score-every", "250"]))
    assert cfg["model"] == "wgan_gp" and cfg["spectral_norm"] is True and cfg["augment"] is None
    assert (cfg["lr"], cfg["d_steps"], cfg["gp_weight"], cfg["steps"]) == (1e-4, 5, 10.0, 500)
    assert bench.row_config(bench.parse_args(["wgan_gp_1000"]))["train"] == 1000
    assert bench.parse_args(["--list"]).list


@pytest.mark.parametrize("argv, message", [
    (["nope"], "row='nope'"),
    ([], "row=None"),
    (["dcgan", "--steps", "0"], "steps=0"),
    (["dcgan", "--steps", "1000", "--score-every", "300"], "score_every=300"),
    (["dcgan", "--ema-decay", "1.0"], "ema_decay=1.0"),
    (["dcgan", "--lr", "0"], "lr=0.0"),
])
def test_bad_arguments_are_named(argv, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.").replace("(", r"\(")):
        bench.parse_args(argv)


def test_stratified_subset_takes_the_first_digits_of_every_class():
    y = np.tile(np.arange(10), 50)[::-1].copy()  # 50 per class, classes interleaved
    x = np.arange(len(y), dtype="float32")[:, None]
    xs, ys = bench.stratified_subset(x, y, 400)
    assert len(xs) == 400 and np.bincount(ys).tolist() == [40] * 10
    for k in range(10):  # the first 40 of class k in the given order, in ascending index order
        assert xs[ys == k, 0].tolist() == np.flatnonzero(y == k)[:40].astype("float32").tolist()
    with pytest.raises(ValueError, match="total=405"):
        bench.stratified_subset(x, y, 405)
    with pytest.raises(ValueError, match="total=600"):
        bench.stratified_subset(x, y, 600)


def test_class_kl():
    assert bench.class_kl([7] * 10) == pytest.approx(0.0, abs=1e-12)
    assert bench.class_kl([0, 0, 9, 0, 0, 0, 0, 0, 0, 0]) == pytest.approx(math.log(10))
    assert bench.class_kl([1, 1] + [0] * 8) == pytest.approx(math.log(5))
    assert math.isnan(bench.class_kl([0] * 10))


def test_append_line_keeps_old_lines_and_leaves_no_temp_file(tmp_path):
    out = tmp_path / "sub" / "rows.jsonl"
    bench.append_line(str(out), {"row": "dcgan", "updates": 1})
    bench.append_line(str(out), {"row": "wgan_gp", "updates": 2})
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == [{"row": "dcgan", "updates": 1}, {"row": "wgan_gp", "updates": 2}]
    assert os.listdir(out.parent) == ["rows.jsonl"]
