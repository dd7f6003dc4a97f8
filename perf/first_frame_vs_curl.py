#!/usr/bin/env python3
"""Launch → rows on screen, side by side with `curl` of the same endpoint.

One `linq-hooks sandbox` serves 1,000 subscriptions (a separate process, so neither side
pays for the server's start). Then, interleaved, N times each:
  - curl:      `curl -s -H 'Authorization: Bearer sandbox' URL/v3/webhook-subscriptions`,
               whole process, spawn to exit (stdout to /dev/null);
  - dashboard: `linq-hooks --base-url URL --refresh 0` in a 200×50 pseudo-terminal, spawn
               to the first frame that shows a subscription row (then `q`).
Reports medians and their ratio. The issue's goal: dashboard ≤ 1.4 × curl.

    python3 perf/first_frame_vs_curl.py [--runs 11] [--count 1000] [--db PATH] [--json]

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


def dashboard_once(base_url: str, home: Path, env_extra: dict[str, str]) -> float:
    env = pk.isolated_env(home, {"LINQ_API_V3_API_KEY": pk.API_KEY, **env_extra})
    app = pk.PtyApp(["--base-url", base_url, "--refresh", "0"], env)
    try:
        return app.wait_for(pk.MARKER)
    finally:
        app.quit()


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
    args = parser.parse_args()
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
            curls, dashes = [], []
            for n in range(1, args.runs + 1):
                c = curl_once(url)
                d = dashboard_once(sandbox.base_url, home, {})
                curls.append(c)
                dashes.append(d)
                pk.log(f"run {n:2}: curl {c * 1000:6.1f} ms   dashboard rows {d * 1000:6.1f} ms")
                time.sleep(0.05)
            timeline = []
            if args.stages:
                dashboard_once(sandbox.base_url, home, {"LINQ_HOOKS_LOG": "linq_hooks=debug"})
                timeline = stages(home)

    curl_ms = pk.median(curls) * 1000
    dash_ms = pk.median(dashes) * 1000
    result = {
        "subscriptions": args.count,
        "runs": args.runs,
        "curl_median_ms": round(curl_ms, 2),
        "dashboard_rows_median_ms": round(dash_ms, 2),
        "ratio": round(dash_ms / curl_ms, 2),
        "goal_ratio": 1.4,
        "curl_ms": [round(c * 1000, 2) for c in curls],
        "dashboard_ms": [round(d * 1000, 2) for d in dashes],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{args.count} subscriptions, {args.runs} interleaved runs (median): curl "
            f"{curl_ms:.1f} ms, dashboard rows on screen {dash_ms:.1f} ms, ratio "
            f"{dash_ms / curl_ms:.2f} (goal ≤ 1.4)"
        )
    for line in timeline:
        print(re.sub(r"^\S+\s+", "", line))


if __name__ == "__main__":
    main()
