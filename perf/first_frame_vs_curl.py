#!/usr/bin/env python3
"""Launch → rows on screen, side by side with `curl` of the same endpoint.

One `linq-hooks sandbox` serves 1,000 subscriptions (a separate process, so neither side
pays for the server's start). Then, interleaved, N times each:
  - curl:      `curl -s -H 'Authorization: Bearer sandbox' URL/v3/webhook-subscriptions`,
               whole process, spawn to exit (stdout to /dev/null);
  - dashboard: `linq-hooks --base-url URL --refresh 0` in a pseudo-terminal (`--size`,
               200×50 by default), spawn to the first frame that shows a subscription row;
               then, after 150 ms, `q` → the process's exit.
The order flips every round. Reports medians and the ratio (issue 16's goals: ≤ 1.2× curl
at 10,000 and ≤ 1.0× at 1,000 in 100×30; `q` → exit ≤ 5 ms at 10,000).

    python3 perf/first_frame_vs_curl.py [--runs 11] [--count 1000] [--size 100x30] [--db PATH] [--json]

Also `--stages`: the dashboard's own timeline from its debug log (LINQ_HOOKS_LOG=debug,
`startup` lines), to see where the time goes. A measurement, never a test.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit as pk  # noqa: E402


def curl_once(url: str) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-H", f"Authorization: Bearer {pk.API_KEY}", url],
        check=True,
    )
    return time.perf_counter() - t0


SIZE = (200, 50)


def dashboard_once(base_url: str, home: Path, env_extra: dict[str, str]) -> tuple[float, float]:
    """Seconds to rows on screen, and from `q` to the exit (after a short settle, so that
    the quit is not measured while the first frame is still being written)."""
    env = pk.isolated_env(home, {"LINQ_API_V3_API_KEY": pk.API_KEY, **env_extra})
    app = pk.PtyApp(["--base-url", base_url, "--refresh", "0"], env, cols=SIZE[0], rows=SIZE[1])
    try:
        rows = app.wait_for(pk.MARKER)
        app.drain(0.15)
    finally:
        quit_s = app.quit()
    return rows, quit_s


def stages(home: Path) -> list[str]:
    log = next(home.rglob("dashboard.log"), None)
    if log is None:
        return []
    lines = [l for l in log.read_text(errors="replace").splitlines() if "startup" in l]
    return lines[-12:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--stages", action="store_true", help="print the startup timeline")
    parser.add_argument("--size", default="200x50", help="pty COLSxROWS (default 200x50)")
    args = parser.parse_args()
    global SIZE
    cols, _, rows = args.size.partition("x")
    SIZE = (int(cols), int(rows))
    pk.check_binary()
    if shutil.which("curl") is None:
        sys.exit("curl is needed (apt-get install -y curl)")

    with tempfile.TemporaryDirectory(prefix="linq-hooks-perf-") as tmp:
        home = Path(tmp) / "home"
        db = args.db or Path(tmp) / "perf.db"
        pk.reuse_or_prepare(db, args.count, home)
        with pk.Sandbox(db, home) as sandbox:
            url = sandbox.base_url + "/v3/webhook-subscriptions"
            # Warm both paths (page cache, the server's first query).
            curl_once(url)
            dashboard_once(sandbox.base_url, home, {})
            curls, dashes, quits = [], [], []
            for n in range(1, args.runs + 1):
                # The order flips every round, so that load from elsewhere hits both alike.
                if n % 2:
                    c = curl_once(url)
                    d, q = dashboard_once(sandbox.base_url, home, {})
                else:
                    d, q = dashboard_once(sandbox.base_url, home, {})
                    c = curl_once(url)
                curls.append(c)
                dashes.append(d)
                quits.append(q)
                pk.log(f"run {n:2}: curl {c * 1000:6.1f} ms   dashboard rows {d * 1000:6.1f} ms"
                       f"   q → exit {q * 1000:5.1f} ms")
                time.sleep(0.05)
            timeline = []
            if args.stages:
                dashboard_once(sandbox.base_url, home, {"LINQ_HOOKS_LOG": "linq_hooks=debug"})
                timeline = stages(home)

    curl_ms = pk.median(curls) * 1000
    dash_ms = pk.median(dashes) * 1000
    quit_ms = pk.median(quits) * 1000
    result = {
        "subscriptions": args.count,
        "runs": args.runs,
        "curl_median_ms": round(curl_ms, 2),
        "dashboard_rows_median_ms": round(dash_ms, 2),
        "ratio": round(dash_ms / curl_ms, 2),
        "quit_median_ms": round(quit_ms, 2),
        "size": f"{SIZE[0]}x{SIZE[1]}",
        "curl_ms": [round(c * 1000, 2) for c in curls],
        "dashboard_ms": [round(d * 1000, 2) for d in dashes],
        "quit_ms": [round(q * 1000, 2) for q in quits],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{args.count} subscriptions, pty {SIZE[0]}x{SIZE[1]}, {args.runs} interleaved "
            f"runs (median): curl {curl_ms:.1f} ms, dashboard rows on screen {dash_ms:.1f} ms, "
            f"ratio {dash_ms / curl_ms:.2f}; q → exit {quit_ms:.1f} ms"
        )
    for line in timeline:
        print(re.sub(r"^\S+\s+", "", line))


if __name__ == "__main__":
    main()
