#!/usr/bin/env python3
"""The delivery log (linq-api.md §12): `linq-hooks logs ID --last 500` against the same ten
page requests made with curl, on a sandbox whose log holds 100,000 attempts of one
subscription; and the sandbox's list latency idle vs while it answers log requests.

The fixture: a separate `linq-hooks sandbox` creates the subscription through the API;
the 100,000 attempts are then written straight into its SQLite file (the rows the
delivery worker would write; real deliveries at ~4,000/s would take half a minute and
measure the worker, not the log). Runs are interleaved (curl and linq-hooks alternate,
the order flips every round), one warm-up round discarded. curl gets the ten page URLs
the CLI follows (walked beforehand) in one invocation: one process, one keep-alive
connection, as the CLI has.

Usage: python3 perf/logs.py [--runs N] [--attempts N] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit  # noqa: E402
from perfkit import API_KEY, BIN, log, median  # noqa: E402


def partner_id(key: str) -> str:
    return "partner_" + hashlib.sha256(key.encode()).hexdigest()[:12]


def account_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def write_attempts(db: Path, sub_id: str, target: str, count: int) -> None:
    """`count` attempts of `sub_id`, newest last, one event and delivery each (10 % a
    503 retried once), spread over the last week."""
    conn = sqlite3.connect(db)
    account = account_id(API_KEY)
    now = int(time.time() * 1000)
    start = now - 7 * 24 * 3600 * 1000
    step = (now - start) // count
    with conn:
        made = 0
        i = 0
        while made < count:
            event_id = str(uuid.uuid4())
            delivery_id = str(uuid.uuid4())
            at = start + made * step
            conn.execute(
                "INSERT INTO events (id, account_id, event_type, chat_id, created_at)"
                " VALUES (?, ?, 'message.received', NULL, ?)", (event_id, account, at))
            retried = i % 10 == 0 and made + 2 <= count
            conn.execute(
                "INSERT INTO deliveries (id, account_id, event_id, subscription_id,"
                " webhook_version, target_url, state, attempts, next_attempt_at, created_at)"
                " VALUES (?, ?, ?, ?, '2026-02-03', ?, 'delivered', ?, NULL, ?)",
                (delivery_id, account, event_id, sub_id, target, 2 if retried else 1, at))
            rows = [(1, 503, "retrying"), (2, 200, "delivered")] if retried else [(1, 200, "delivered")]
            for n, status, outcome in rows:
                conn.execute(
                    "INSERT INTO delivery_attempts (delivery_id, account_id, subscription_id,"
                    " event_id, event_type, attempt, attempted_at, destination, status, error,"
                    " latency_ms, response_snippet, outcome, next_attempt_at)"
                    " VALUES (?, ?, ?, ?, 'message.received', ?, ?, ?, ?, NULL, ?, NULL, ?, NULL)",
                    (delivery_id, account, sub_id, event_id, n, at + (n - 1) * 1500, target,
                     status, 80 + i % 300, outcome))
                made += 1
            i += 1
    conn.close()


def page_urls(logs_base: str, sub_id: str, pages: int) -> list[str]:
    """The page URLs `logs --last 500` requests, in order (cursors walked now)."""
    org = partner_id(API_KEY)
    split = urllib.parse.urlsplit(logs_base)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
    urls: list[str] = []
    cursor = None
    for _ in range(pages):
        query = {"partner_id": org, "org_id": org, "subscription_id": sub_id, "per_page": "50"}
        if cursor:
            query["cursor"] = cursor
        path = f"{split.path}/v1/webhook-logs?{urllib.parse.urlencode(query)}"
        urls.append(f"{logs_base.split('/api')[0]}{path}")
        conn.request("GET", path, headers={"Authorization": f"Bearer {API_KEY}"})
        page = json.loads(conn.getresponse().read())
        cursor = page.get("pagination", {}).get("next_cursor")
        if not cursor:
            break
    conn.close()
    return urls


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    started = time.perf_counter()
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env, check=False)
    took = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {proc.returncode}: {proc.stderr[:300]!r}")
    return took, proc.stdout


def list_latencies(base_url: str, samples: int, stop: threading.Event | None = None) -> list[float]:
    split = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        conn.request("GET", f"{split.path}/v3/webhook-subscriptions",
                     headers={"Authorization": f"Bearer {API_KEY}"})
        conn.getresponse().read()
        out.append(time.perf_counter() - started)
        time.sleep(0.01)
    conn.close()
    return out


def hammer(urls: list[str], stop: threading.Event, done: list[int]) -> None:
    """Log requests back to back (the ten pages, again and again) until `stop`."""
    split = urllib.parse.urlsplit(urls[0])
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
    while not stop.is_set():
        for url in urls:
            parts = urllib.parse.urlsplit(url)
            conn.request("GET", f"{parts.path}?{parts.query}",
                         headers={"Authorization": f"Bearer {API_KEY}"})
            conn.getresponse().read()
            done[0] += 1
    conn.close()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    perfkit.check_binary()
    curl = shutil.which("curl")
    if not curl:
        sys.exit("curl not found")
    results: dict[str, object] = {"attempts": args.attempts}
    with tempfile.TemporaryDirectory(prefix="linq-hooks-logs-perf-") as tmp:
        home = Path(tmp)
        db = home / "logs.db"
        target = "https://perf-hook.example/linq?version=2026-02-03"
        with perfkit.Sandbox(db, home) as sandbox:
            api = perfkit.Api(sandbox.base_url)
            sub_id = api.call("POST", "/webhook-subscriptions", {
                "target_url": target, "subscribed_events": ["message.received"]})["id"]
            for i in range(20):  # a list of some size for the latency probe
                api.call("POST", "/webhook-subscriptions", perfkit.fixture(i, perfkit.event_catalog()))
            api.close()
        started = time.monotonic()
        write_attempts(db, sub_id, target, args.attempts)
        log(f"{args.attempts} attempts written in {time.monotonic() - started:.1f} s")
        with perfkit.Sandbox(db, home) as sandbox:
            logs_base = sandbox.base_url.removesuffix("/partner")
            urls = page_urls(logs_base, sub_id, 10)
            assert len(urls) == 10, urls
            env = perfkit.isolated_env(home, {
                "LINQ_API_V3_API_KEY": API_KEY, "LINQ_ORG_ID": partner_id(API_KEY),
                "LINQ_LOGS_URL": logs_base})
            commands = {
                "curl": [curl, "-s", "-H", f"Authorization: Bearer {API_KEY}", *urls],
                "linq-hooks": [str(BIN), "--base-url", sandbox.base_url, "logs", sub_id,
                               "--last", "500", "--json"],
            }
            _, out = timed(commands["linq-hooks"], env)
            assert len(out.splitlines()) == 500, len(out.splitlines())
            times: dict[str, list[float]] = {"curl": [], "linq-hooks": []}
            for round_ in range(args.runs + 1):
                order = ["curl", "linq-hooks"] if round_ % 2 else ["linq-hooks", "curl"]
                for name in order:
                    took, _ = timed(commands[name], env)
                    if round_ > 0:
                        times[name].append(took)
            for name, values in times.items():
                results[name] = {"median_ms": median(values) * 1000,
                                 "min_ms": min(values) * 1000, "max_ms": max(values) * 1000}
            results["ratio_median"] = median(times["linq-hooks"]) / median(times["curl"])
            idle = list_latencies(sandbox.base_url, 300)
            stop = threading.Event()
            done = [0]
            worker = threading.Thread(target=hammer, args=(urls, stop, done))
            worker.start()
            time.sleep(0.5)
            busy_started = time.monotonic()
            busy = list_latencies(sandbox.base_url, 300)
            busy_took = time.monotonic() - busy_started
            stop.set()
            worker.join()
            results["list_idle"] = {"median_ms": median(idle) * 1000, "p99_ms": pct(idle, 0.99) * 1000}
            results["list_busy"] = {"median_ms": median(busy) * 1000, "p99_ms": pct(busy, 0.99) * 1000,
                                    "log_pages_per_s": done[0] / max(busy_took, 1e-9)}
            results["list_ratio_median"] = median(busy) / median(idle)
            results["list_ratio_p99"] = pct(busy, 0.99) / pct(idle, 0.99)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    c, l = results["curl"], results["linq-hooks"]
    print(f"log of {args.attempts:,} attempts, --last 500 (10 pages), median of {args.runs}:")
    print(f"  curl (10 URLs, one process)  {c['median_ms']:.1f} ms (min {c['min_ms']:.1f})")
    print(f"  linq-hooks logs --last 500   {l['median_ms']:.1f} ms (min {l['min_ms']:.1f})")
    print(f"  ratio                        {results['ratio_median']:.2f}x (goal ≤ 1.5x)")
    i, b = results["list_idle"], results["list_busy"]
    print(f"list latency idle: median {i['median_ms']:.2f} ms, p99 {i['p99_ms']:.2f} ms")
    print(f"list latency while serving {b['log_pages_per_s']:.0f} log pages/s: "
          f"median {b['median_ms']:.2f} ms, p99 {b['p99_ms']:.2f} ms")
    print(f"  ratio median {results['list_ratio_median']:.2f}x, p99 {results['list_ratio_p99']:.2f}x (goal ≤ 2x)")


if __name__ == "__main__":
    main()
