#!/usr/bin/env bash
# Runs every benchmark under tests/bench/ (each is a script that prints its own table of
# ours-vs-peers ratios at several sizes and its targets as PASS/FAIL lines), then writes
# them all as one markdown page, docs/benchmarks.md (tests/bench/bench_report.py).
# Slow by design: kept out of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
load_before=$(awk '{print $1" / "$2" / "$3}' /proc/loadavg)
status=0
for bench in tests/bench/bench_*.py; do
  [ -e "$bench" ] || { echo "no benchmarks under tests/bench/"; exit 0; }
  [ "$bench" = tests/bench/bench_report.py ] && continue
  name=$(basename "$bench" .py)
  echo "=== $bench"
  .venv/bin/python "$bench" | tee "$logs/$name.log" || {
    echo "benchmark failed: $bench" >&2
    echo "FAIL $name: the benchmark itself failed (exit status non-zero)" >>"$logs/$name.log"
    status=1
  }
done
.venv/bin/python tests/bench/bench_report.py "$logs" --load-before "$load_before" --out docs/benchmarks.md
exit $status
