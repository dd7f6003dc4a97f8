#!/usr/bin/env python3
"""Idle cost: the release dashboard on its embedded sandbox with 1,000 subscriptions and
auto-refresh off (--refresh 0), in a 200×50 pseudo-terminal, left alone after the list is
drawn.

Reports, over the idle window (30 s by default, no input at all):
  - CPU time of the whole process (utime + stime of all threads, /proc/PID/stat),
  - bytes the app wrote to the pty (redraws; should be 0),
  - context switches of all its threads (wake-ups).
A short settle period right after the list appears (the event catalogue's answer may
still cause one redraw) is reported separately.

    python3 perf/idle_cpu.py [--seconds 30] [--settle 1] [--json]

Goal (issue): ~0 CPU and no redraws while idle. A measurement, never a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit as pk  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="idle window")
    parser.add_argument("--settle", type=float, default=1.0,
                        help="seconds between the list appearing and the idle window")
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--db", type=Path, help="reuse/keep the fixture database here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pk.check_binary()

    with tempfile.TemporaryDirectory(prefix="linq-hooks-perf-") as tmp:
        tmp_path = Path(tmp)
        home = tmp_path / "home"
        db = args.db or tmp_path / "perf.db"
        pk.reuse_or_prepare(db, args.count, home)

        app = pk.PtyApp(["--sandbox", "--sandbox-db", str(db), "--refresh", "0"],
                        pk.isolated_env(home))
        try:
            drawn = app.wait_for(pk.MARKER)
            cpu_startup = pk.cpu_seconds(app.pid)
            settle_bytes = app.drain(args.settle)
            cpu0 = pk.cpu_seconds(app.pid)
            switches0 = pk.context_switches(app.pid)
            threads = pk.thread_count(app.pid)
            pk.log(f"list drawn after {pk.ms(drawn)}; idling {args.seconds:.0f} s "
                   f"({threads} threads) …")
            idle_bytes = app.drain(args.seconds)
            cpu1 = pk.cpu_seconds(app.pid)
            switches1 = pk.context_switches(app.pid)
        finally:
            app.quit()

    idle_cpu = cpu1 - cpu0
    result = {
        "subscriptions": args.count,
        "idle_seconds": args.seconds,
        "list_drawn_ms": round(drawn * 1000, 1),
        "cpu_until_drawn_s": round(cpu_startup, 3),
        "settle_seconds": args.settle,
        "settle_bytes_written": settle_bytes,
        "idle_cpu_s": round(idle_cpu, 3),
        "idle_cpu_percent": round(100 * idle_cpu / args.seconds, 3),
        "idle_bytes_written": idle_bytes,
        "idle_context_switches": switches1 - switches0,
        "threads": threads,
        "clock_tick_s": 1 / pk.CLK_TCK,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"idle {args.seconds:.0f} s with {args.count} subscriptions: "
            f"CPU {idle_cpu:.2f} s ({result['idle_cpu_percent']:.2f} %, resolution "
            f"{1 / pk.CLK_TCK:.2f} s), {idle_bytes} bytes written to the terminal, "
            f"{result['idle_context_switches']} context switches over {threads} threads; "
            f"settle {args.settle:.1f} s: {settle_bytes} bytes; "
            f"CPU until the list was drawn {cpu_startup:.2f} s"
        )


if __name__ == "__main__":
    main()
