#!/usr/bin/env bash
# The test suite as CI runs it: the fast tier once under each Keras backend (tensorflow,
# jax, torch), then the slow tier (`--run-slow -m slow`) once, under one backend.
# Fails if any run fails, and if a pytest run collected no test (exit code 5).
#
# Extra arguments go to every pytest run, e.g.: bash tests/run-all-backends.sh -x -k dcgan
# GANZOO_TEST_BACKENDS  backends of the fast tier (default: "tensorflow jax torch")
# GANZOO_SLOW_BACKEND   backend of the slow tier (default: jax); "none" skips the slow tier
# GANZOO_TEST_WORKERS   pytest-xdist workers per run (default: 2, one per core here; 0: none)
# Each run prints its wall time; the last line is "all backends: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
backends="${GANZOO_TEST_BACKENDS:-tensorflow jax torch}"
slow_backend="${GANZOO_SLOW_BACKEND:-jax}"
workers="${GANZOO_TEST_WORKERS:-2}"
status=0
total_passed=0
total_failed=0
suite_start=$(date +%s)
summary=""

run_tier() {  # run_tier LABEL BACKEND PYTEST_ARGS...
  local label=$1 b=$2
  shift 2
  echo "=== $label: KERAS_BACKEND=$b"
  local start log rc last p f
  start=$(date +%s)
  log=$(mktemp)
  KERAS_BACKEND=$b python -m pytest -p no:cacheprovider --timeout=900 -n "$workers" --dist loadgroup "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  local seconds=$(( $(date +%s) - start ))
  echo "=== $label: KERAS_BACKEND=$b exit=$rc in $seconds s"
  if [ "$rc" -eq 5 ]; then
    echo "=== $label: KERAS_BACKEND=$b collected no tests: that is a failure, not a pass"
    status=1
  elif [ "$rc" -ne 0 ]; then
    status=1
  fi
  last=$(grep -E '(passed|failed|error|no tests ran).* in [0-9.]+s' "$log" | tail -n 1)
  p=$(echo "$last" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
  f=$(echo "$last" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s+=$1} END {print s+0}')
  total_passed=$(( total_passed + ${p:-0} ))
  total_failed=$(( total_failed + ${f:-0} ))
  summary="$summary$label $b: $seconds s, exit $rc, ${last:-no summary line}"$'\n'
  rm -f "$log"
}

for b in $backends; do
  run_tier "fast tier" "$b" "$@"
done
if [ "$slow_backend" != "none" ]; then
  # The docs snippets that train as written (minutes each) are left to a manual
  # `pytest --run-slow -m docs_as_written`: with them the slow tier alone passes 30 min.
  # Likewise the `long` checks (minutes each: `pytest --run-slow -m long`).
  run_tier "slow tier" "$slow_backend" --run-slow -m "slow and not docs_as_written and not long" "$@"
fi
echo "=== times"
printf '%s' "$summary"
echo "=== whole suite: $(( $(date +%s) - suite_start )) s"
if [ "$status" -ne 0 ] && [ "$total_failed" -eq 0 ]; then total_failed=1; fi
echo "all backends: $total_passed passed, $total_failed failed"
exit $status
