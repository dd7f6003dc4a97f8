#!/usr/bin/env bash
# Builds the release binary, runs the three process measurements and the criterion bench.
# Usage: perf/run_all.sh            (from anywhere; results print to stdout)
# The 10,000-subscription fixture for rss.py is kept in $LINQ_HOOKS_PERF_DIR
# (default: ${TMPDIR:-/tmp}/linq-hooks-perf) and reused while it still holds 10,000 rows.
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${LINQ_HOOKS_PERF_DIR:-${TMPDIR:-/tmp}/linq-hooks-perf}"
mkdir -p "$cache"

echo "== build (release)"
cargo build --release --bin linq-hooks

echo "== first frame (1,000 subscriptions, 10 runs)"
python3 perf/first_frame.py

echo "== idle CPU (1,000 subscriptions, 30 s)"
python3 perf/idle_cpu.py

echo "== memory (10,000 subscriptions)"
python3 perf/rss.py --db "$cache/rss-10k.db"

echo "== criterion: render and update with 10,000 subscriptions"
cargo bench --bench render

echo "== issue 16: single-row commands, first frame and quit at 10,000, list --json at 10,000"
python3 perf/cli_single.py --db "$cache/single-10k.db"
python3 perf/first_frame_vs_curl.py --count 10000 --size 100x30 --db "$cache/rss-10k.db"
python3 perf/first_frame_vs_curl.py --count 1000 --size 100x30
python3 perf/cli_list.py --count 10000 --db "$cache/rss-10k.db"

echo "== allocations per row while loading a list"
cargo bench --bench list_load
