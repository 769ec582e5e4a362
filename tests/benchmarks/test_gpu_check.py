"""benchmarks/gpu_check.sh --dry-run: the prepared GPU check runs end to end on the CPU."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.slow
def test_gpu_check_dry_run_writes_one_complete_json(tmp_path):
    out = tmp_path / "check" / "gpu_check.json"
    env = dict(os.environ, PYTHON=sys.executable)
    env.pop("OUT", None)
    proc = subprocess.run(["bash", os.path.join(ROOT, "benchmarks", "gpu_check.sh"), "--dry-run", "--out", str(out)],
                          capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    doc = json.loads(out.read_text())
    assert doc["status"] == "ok" and doc["mode"] == "dry-run"
    # ganzoo was built into a wheel and imported from the install, not from the checkout.
    assert any(w.startswith("keras_ganzoo-") for w in doc["phases"]["install"]["installed"])
    assert doc["versions"]["status"] == "ok"
    assert not doc["versions"]["ganzoo_file"].startswith(os.path.join(ROOT, "ganzoo"))
    # One round-robin per batch: JAX float32 + bf16 and torch through fit, the peer in float32 + bf16.
    got = {(r["runner"], r["dtype"]) for r in doc["rows"]}
    assert got == {("ganzoo_jax", "float32"), ("ganzoo_jax", "mixed_bfloat16"), ("ganzoo_torch", "float32"),
                   ("native_torch", "float32"), ("native_torch", "mixed_bfloat16")}
    for r in doc["rows"]:
        assert r["steps_per_s"] > 0 and r["cpu_s_per_step"] > 0 and r["wall_s_per_step"] > 0
        assert r["ratio_to_peer"] > 0 and r["cpu_work_ratio_to_peer"] > 0
        assert r["threads"]["cpu_count"] == os.cpu_count()
        assert (r["load_warning"] is not None) == (r["load_max"] > os.cpu_count())
    # The ratios are taken against the float32 peer.
    peer = [r for r in doc["rows"] if r["runner"] == "native_torch" and r["dtype"] == "float32"]
    assert [r["ratio_to_peer"] for r in peer] == [1.0] and peer[0]["peer_chosen"]
    assert [t["goal"] for t in doc["targets"]] == [2.5, 1.25, 0.5, 0.25]
    assert all(t["value"] is not None for t in doc["targets"] if t["field"] == "ratio_to_peer")
    for backend in ("jax", "torch"):
        tests = doc["tests"][backend]
        assert tests["status"] == "ok" and tests["tests"] >= 1 and tests["failures"] == tests["errors"] == 0
    assert doc["elapsed_s"] <= doc["budget_s"]
