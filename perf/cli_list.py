#!/usr/bin/env python3
"""`linq-hooks list --json` against `curl -s` of the same endpoint: whole process, wall
time and peak RSS, 1,000 subscriptions served by a separate `linq-hooks sandbox`.

Runs are interleaved (curl and linq-hooks alternate, the order flips every round) so that
load from other processes hits both alike; one warm-up round is discarded. Peak RSS comes
from separate runs under `/usr/bin/time -f %M` (a child forked from Python would report
Python's own pre-exec RSS in `ru_maxrss`). Before timing, the script checks that both
print the same subscriptions.

Usage: python3 perf/cli_list.py [--runs N] [--count N] [--db PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit  # noqa: E402
from perfkit import API_KEY, BIN, log, median  # noqa: E402


TIME = "/usr/bin/time"


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    """Wall seconds from just before the spawn to the reaped exit, and stdout (read to
    the end, as a script would)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    out = proc.stdout.read()
    code = proc.wait()
    took = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"{argv[0]} exited {code}")
    return took, out


def peak_rss_kib(argv: list[str], env: dict[str, str], scratch: Path) -> int:
    """The child's peak RSS (KiB) as GNU time reports it."""
    report = scratch / "rss.txt"
    subprocess.run([TIME, "-f", "%M", "-o", str(report), *argv], check=True,
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    return int(report.read_text().split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each (≥ 7)")
    parser.add_argument("--count", type=int, default=1000, help="subscriptions")
    parser.add_argument("--db", type=Path, help="fixture database (kept and reused)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    perfkit.check_binary()
    curl = shutil.which("curl")
    if not curl:
        sys.exit("curl not found (apt-get install -y curl)")

    with tempfile.TemporaryDirectory(prefix="linq-hooks-cli-perf-") as tmp:
        home = Path(tmp)
        db = args.db or home / "cli-list.db"
        perfkit.reuse_or_prepare(db, args.count, home)
        with perfkit.Sandbox(db, home) as sandbox:
            url = sandbox.base_url + "/v3/webhook-subscriptions"
            env = perfkit.isolated_env(home, {"LINQ_API_V3_API_KEY": API_KEY})
            commands = {
                "curl": [curl, "-s", "-H", f"Authorization: Bearer {API_KEY}", url],
                "linq-hooks": [str(BIN), "--base-url", sandbox.base_url, "list", "--json"],
            }
            # The same subscriptions, field for field.
            _, raw = run_child(commands["curl"], env)
            _, ours = run_child(commands["linq-hooks"], env)
            if json.loads(raw)["subscriptions"] != json.loads(ours):
                sys.exit("linq-hooks list --json differs from the API's answer")
            results: dict[str, dict[str, list[float]]] = {
                name: {"ms": [], "rss_kib": []} for name in commands
            }
            for round_ in range(args.runs + 1):
                order = list(commands) if round_ % 2 == 0 else list(reversed(commands))
                for name in order:
                    took, _ = run_child(commands[name], env)
                    if round_ > 0:  # round 0 warms caches and is discarded
                        results[name]["ms"].append(took * 1000)
            if Path(TIME).exists():
                for round_ in range(args.runs):
                    order = list(commands) if round_ % 2 == 0 else list(reversed(commands))
                    for name in order:
                        rss = peak_rss_kib(commands[name], env, home)
                        results[name]["rss_kib"].append(rss)
            else:
                log(f"{TIME} not found (apt-get install -y time): no peak RSS")

    summary = {
        name: {
            "median_ms": median(r["ms"]),
            "min_ms": min(r["ms"]),
            "max_ms": max(r["ms"]),
            "peak_rss_mib_median": median(r["rss_kib"]) / 1024 if r["rss_kib"] else None,
            "peak_rss_mib_max": max(r["rss_kib"]) / 1024 if r["rss_kib"] else None,
            "runs_ms": [round(x, 2) for x in r["ms"]],
        }
        for name, r in results.items()
    }
    ratio = summary["linq-hooks"]["median_ms"] / summary["curl"]["median_ms"]
    summary["ratio_median"] = ratio
    summary["subscriptions"] = args.count
    summary["body_bytes"] = len(raw)
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{args.count} subscriptions, {len(raw):,} bytes, {args.runs} interleaved runs each")
    print(f"{'':12} {'median':>9} {'min':>9} {'max':>9} {'peak RSS':>10}")
    for name in commands:
        s = summary[name]
        rss = s["peak_rss_mib_median"]
        rss_text = f"{rss:7.2f}MiB" if rss is not None else "       —"
        print(f"{name:12} {s['median_ms']:7.2f}ms {s['min_ms']:7.2f}ms {s['max_ms']:7.2f}ms"
              f" {rss_text}")
    print(f"linq-hooks / curl (medians): {ratio:.2f}×  (goal ≤ 1.3×; peak RSS goal ≤ 15 MiB)")


if __name__ == "__main__":
    main()
