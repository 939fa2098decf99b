#!/usr/bin/env bash
# Runs every benchmark under tests/bench/ (each is a script that prints its own table of
# ours-vs-peers ratios). Slow by design: kept out of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for bench in tests/bench/bench_*.py; do
  [ -e "$bench" ] || { echo "no benchmarks under tests/bench/"; exit 0; }
  echo "=== $bench"
  .venv/bin/python "$bench" || { echo "benchmark failed: $bench" >&2; status=1; }
done
exit $status
