#!/usr/bin/env bash
# Run the test suite once under each Keras backend (tensorflow, jax, torch).
# Fails if any backend fails, and if pytest collected no test (exit code 5).
# Extra arguments go to pytest, e.g.: bash tests/run-all-backends.sh -x -k dcgan
set -uo pipefail
cd "$(dirname "$0")/.."
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1
backends="${GANZOO_TEST_BACKENDS:-tensorflow jax torch}"
status=0
total_passed=0
total_failed=0
for b in $backends; do
  echo "=== KERAS_BACKEND=$b"
  start=$(date +%s)
  log=$(mktemp)
  KERAS_BACKEND=$b python -m pytest -p no:cacheprovider --timeout=900 "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  echo "=== KERAS_BACKEND=$b exit=$rc in $(( $(date +%s) - start )) s"
  if [ "$rc" -eq 5 ]; then
    echo "=== KERAS_BACKEND=$b collected no tests: that is a failure, not a pass"
    status=1
  elif [ "$rc" -ne 0 ]; then
    status=1
  fi
  last=$(grep -E '(passed|failed|error|no tests ran).* in [0-9.]+s' "$log" | tail -n 1)
  p=$(echo "$last" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
  f=$(echo "$last" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s+=$1} END {print s+0}')
  total_passed=$(( total_passed + ${p:-0} ))
  total_failed=$(( total_failed + ${f:-0} ))
  rm -f "$log"
done
if [ "$status" -ne 0 ] && [ "$total_failed" -eq 0 ]; then total_failed=1; fi
echo "all backends: $total_passed passed, $total_failed failed"
exit $status
