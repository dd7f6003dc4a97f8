#!/usr/bin/env python3
"""Memory with 10,000 subscriptions, in a 200×50 pseudo-terminal, auto-refresh off.

Two set-ups, because the embedded sandbox (axum + SQLite) runs inside the dashboard's
process and its memory counts there:
  1. embedded:  `linq-hooks --sandbox --sandbox-db DB --refresh 0`
  2. separate:  `linq-hooks sandbox --db DB …` as its own process, and the dashboard alone
                with `--base-url URL` and LINQ_API_V3_API_KEY=sandbox.
For each: VmRSS and VmHWM (peak) from /proc/PID/status once the list is drawn (after a
short settle), and again after each of `--refreshes` manual refreshes (`r`, which lists all
10,000 again; default 5): the steady state is the last.
Sizes are MiB (1 MiB = 1,048,576 bytes).

    python3 perf/rss.py [--count 10000] [--db PATH] [--json]

`--db PATH` keeps the fixture there and reuses it on the next run when it holds exactly
`--count` subscriptions (creating 10,000 over loopback takes a while).

Goal (issue): ≤ 25 MB. A measurement, never a test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit as pk  # noqa: E402


def measure(
    app: pk.PtyApp, settle: float, refresh_wait: float, refreshes: int
) -> dict[str, object]:
    drawn = app.wait_for(pk.MARKER, timeout=60)
    app.drain(settle)
    loaded = pk.memory(app.pid)
    # `r` re-lists everything: the new list and the old one coexist for a moment; the
    # steady state is what stays after several.
    per_refresh = []
    for _ in range(refreshes):
        app.buf.clear()
        os.write(app.master, b"r")
        app.drain(refresh_wait)
        per_refresh.append(round(pk.memory(app.pid)["VmRSS"], 1))
    refreshed = pk.memory(app.pid)
    return {
        "list_drawn_ms": round(drawn * 1000, 1),
        "loaded": {k: round(v, 1) for k, v in loaded.items()},
        "after_refresh": {k: round(v, 1) for k, v in refreshed.items()},
        "rss_after_each_refresh": per_refresh,
        "threads": pk.thread_count(app.pid),
    }


def show(name: str, m: dict[str, object]) -> str:
    loaded = m["loaded"]
    after = m["after_refresh"]
    assert isinstance(loaded, dict) and isinstance(after, dict)
    return (
        f"{name}: VmRSS {loaded['VmRSS']:.1f} MiB (anon {loaded['RssAnon']:.1f}, "
        f"file {loaded['RssFile']:.1f}), VmHWM {loaded['VmHWM']:.1f} MiB; after "
        f"{len(m['rss_after_each_refresh'])} refreshes VmRSS {after['VmRSS']:.1f} "
        f"(each: {m['rss_after_each_refresh']}), VmHWM {after['VmHWM']:.1f} MiB "
        f"(list drawn after {m['list_drawn_ms']} ms, {m['threads']} threads)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--db", type=Path, help="keep/reuse the fixture database here")
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("--refresh-wait", type=float, default=3.0)
    parser.add_argument("--refreshes", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pk.check_binary()

    with tempfile.TemporaryDirectory(prefix="linq-hooks-perf-") as tmp:
        tmp_path = Path(tmp)
        home = tmp_path / "home"
        db = args.db or tmp_path / "rss.db"
        db.parent.mkdir(parents=True, exist_ok=True)
        pk.reuse_or_prepare(db, args.count, home)

        # 1. Dashboard + embedded sandbox in one process.
        app = pk.PtyApp(["--sandbox", "--sandbox-db", str(db), "--refresh", "0"],
                        pk.isolated_env(home))
        try:
            embedded = measure(app, args.settle, args.refresh_wait, args.refreshes)
        finally:
            app.quit()
        pk.log(show("embedded", embedded))

        # 2. The sandbox in its own process; the dashboard alone.
        with pk.Sandbox(db, home) as sandbox:
            env = pk.isolated_env(home, {"LINQ_API_V3_API_KEY": pk.API_KEY})
            app = pk.PtyApp(["--base-url", sandbox.base_url, "--refresh", "0"], env)
            try:
                alone = measure(app, args.settle, args.refresh_wait, args.refreshes)
            finally:
                app.quit()
            server = {k: round(v, 1) for k, v in pk.memory(sandbox.pid).items()}
        pk.log(show("dashboard alone", alone))
        pk.log(f"separate sandbox process: VmRSS {server['VmRSS']:.1f} MiB, "
               f"VmHWM {server['VmHWM']:.1f} MiB")

    result = {
        "subscriptions": args.count,
        "unit": "MiB",
        "embedded": embedded,
        "dashboard_alone": alone,
        "separate_sandbox": server,
        "goal_mb": 25,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"memory with {args.count} subscriptions (MiB; goal ≤ 25 MB):")
        print("  " + show("embedded sandbox (one process)", embedded))
        print("  " + show("dashboard alone (--base-url)", alone))
        print(f"  separate sandbox process: VmRSS {server['VmRSS']:.1f}, "
              f"VmHWM {server['VmHWM']:.1f}")


if __name__ == "__main__":
    main()
