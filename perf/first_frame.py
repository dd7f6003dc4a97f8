#!/usr/bin/env python3
"""Time to first frame: the release dashboard on its embedded sandbox with 1,000
subscriptions, in a 200×50 pseudo-terminal.

For each run it records, from the moment of the spawn:
  - first byte:    the first output of any kind (terminal setup sequences),
  - loading frame: the first frame (the "Loading subscriptions …" state),
  - rows frame:    the first frame that shows subscriptions (a fixture URL appears),
then sends `q` and waits for the exit (quit time).

    python3 perf/first_frame.py [--runs 10] [--count 1000] [--json]

Goal (issue): rows frame ≤ 60 ms. A measurement, not a test: it never fails on a number.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit as pk  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--count", type=int, default=1000, help="subscriptions in the fixture")
    parser.add_argument("--cols", type=int, default=200)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--db", type=Path, help="reuse/keep the fixture database here")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    pk.check_binary()

    with tempfile.TemporaryDirectory(prefix="linq-hooks-perf-") as tmp:
        tmp_path = Path(tmp)
        home = tmp_path / "home"
        db = args.db or tmp_path / "perf.db"
        pk.reuse_or_prepare(db, args.count, home)

        runs = []
        for n in range(1, args.runs + 1):
            app = pk.PtyApp(
                ["--sandbox", "--sandbox-db", str(db), "--refresh", "0"],
                pk.isolated_env(home),
                cols=args.cols,
                rows=args.rows,
            )
            try:
                loading = app.wait_for(pk.LOADING)
                rows = app.wait_for(pk.MARKER)
                first_byte = app.t_first_byte
                # Let the catalogue answer land too, so quitting measures an idle app.
                app.drain(0.2)
            finally:
                quit_s = app.quit()
            run = {
                "run": n,
                "first_byte_ms": round((first_byte or 0) * 1000, 2),
                "loading_frame_ms": round(loading * 1000, 2),
                "rows_frame_ms": round(rows * 1000, 2),
                "quit_ms": round(quit_s * 1000, 2),
                "exit_code": app.proc.returncode,
            }
            runs.append(run)
            pk.log(
                f"run {n:2}: first byte {run['first_byte_ms']:7.1f} ms   "
                f"loading frame {run['loading_frame_ms']:7.1f} ms   "
                f"rows frame {run['rows_frame_ms']:7.1f} ms   "
                f"quit {run['quit_ms']:6.1f} ms   exit {run['exit_code']}"
            )
            time.sleep(0.1)

    summary = {
        key: round(pk.median([r[key] for r in runs]), 2)
        for key in ("first_byte_ms", "loading_frame_ms", "rows_frame_ms", "quit_ms")
    }
    summary |= {
        "rows_frame_min_ms": min(r["rows_frame_ms"] for r in runs),
        "rows_frame_max_ms": max(r["rows_frame_ms"] for r in runs),
    }
    result = {
        "subscriptions": args.count,
        "size": f"{args.cols}x{args.rows}",
        "runs": runs,
        "median": summary,
        "goal_rows_frame_ms": 60,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"first frame, {args.count} subscriptions, {args.cols}x{args.rows}, "
            f"{len(runs)} runs (median): "
            f"first byte {summary['first_byte_ms']:.1f} ms, "
            f"loading frame {summary['loading_frame_ms']:.1f} ms, "
            f"rows frame {summary['rows_frame_ms']:.1f} ms "
            f"(min {summary['rows_frame_min_ms']:.1f}, max {summary['rows_frame_max_ms']:.1f}; "
            f"goal ≤ 60 ms), quit {summary['quit_ms']:.1f} ms"
        )


if __name__ == "__main__":
    main()
