#!/usr/bin/env python3
"""`linq-hooks find` over 20 accounts × 1,000 subscriptions (one sandbox, 20 keys, a profile
each with key_env) against the slowest single `linq-hooks list --json` of those accounts:
whole process, wall time, and find's peak RSS (GNU time).

Runs are interleaved (find, then every account's list --json, the order flipping every
round); one warm-up round is discarded. The goal (issue 21): find ≤ 1.5× the slowest single
list, peak RSS ≤ 40 MiB.

Usage: python3 perf/fleet.py [--runs N] [--accounts N] [--count N] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit  # noqa: E402
from perfkit import BIN, log, median  # noqa: E402

TIME = "/usr/bin/time"


def run(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env)
    took = time.perf_counter() - started
    if proc.returncode not in ok:
        raise RuntimeError(f"{argv[1:]} exited {proc.returncode}: {proc.stderr[:300]!r}")
    return took


def fill(base_url: str, key: str, count: int, catalog: list[str]) -> None:
    api = perfkit.Api(base_url)
    api.headers["Authorization"] = f"Bearer {key}"
    try:
        for i in range(count):
            body = perfkit.fixture(i, catalog)
            # Distinct per account, so each account's hits are its own.
            body["target_url"] = str(body["target_url"]).replace(
                perfkit.MARKER_HOST, f"{key}.{perfkit.MARKER_HOST}")
            api.call("POST", "/webhook-subscriptions", body)
    finally:
        api.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    perfkit.check_binary()
    keys = [f"fleet-{n:02d}" for n in range(args.accounts)]
    with tempfile.TemporaryDirectory(prefix="linq-hooks-fleet-perf-") as tmp:
        home = Path(tmp)
        db = home / "fleet.db"
        extra: list[str] = []
        for key in keys:
            extra += ["--api-key", key]
        # perfkit's Sandbox passes --api-key sandbox too: one more (empty) account.
        with perfkit.Sandbox(db, home, extra) as sandbox:
            catalog = perfkit.event_catalog()
            started = time.monotonic()
            for key in keys:
                fill(sandbox.base_url, key, args.count, catalog)
            log(f"filled {len(keys)} × {args.count} in {time.monotonic() - started:.1f} s")
            config_dir = home / "config" / "linq-hooks"
            config_dir.mkdir(parents=True)
            config = "".join(
                f'[profiles.{key}]\nbase_url = "{sandbox.base_url}"\nkey_env = "KEY_{i}"\n'
                for i, key in enumerate(keys))
            (config_dir / "config.toml").write_text(config)
            env = perfkit.isolated_env(home, {f"KEY_{i}": k for i, k in enumerate(keys)})
            find = [str(BIN), "find", "perf-hook.example/hook/00007"]
            lists = {k: [str(BIN), "--profile", k, "list", "--json"] for k in keys}
            finds: list[float] = []
            slowest: list[float] = []
            per_account: dict[str, list[float]] = {k: [] for k in keys}
            for round_ in range(args.runs + 1):
                order = ["find", "lists"] if round_ % 2 == 0 else ["lists", "find"]
                took_find = 0.0
                took_lists: dict[str, float] = {}
                for what in order:
                    if what == "find":
                        took_find = run(find, env)
                    else:
                        for key, argv in lists.items():
                            took_lists[key] = run(argv, env)
                if round_ == 0:
                    continue
                finds.append(took_find)
                slowest.append(max(took_lists.values()))
                for key, took in took_lists.items():
                    per_account[key].append(took)
            report = home / "rss.txt"
            subprocess.run([TIME, "-f", "%M", "-o", str(report), *find], check=True,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, env=env)
            rss_kib = int(report.read_text().split()[-1])
    result = {
        "accounts": len(keys),
        "subscriptions_each": args.count,
        "runs": args.runs,
        "find_ms_median": round(median(finds) * 1000, 1),
        "slowest_single_list_ms_median": round(median(slowest) * 1000, 1),
        "ratio": round(median(finds) / median(slowest), 2),
        "find_peak_rss_mib": round(rss_kib / 1024, 1),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for k, v in result.items():
            print(f"{k:34} {v}")


if __name__ == "__main__":
    main()
