#!/usr/bin/env python3
"""Single-row commands on a large account, against curl making the same requests.

A separate `linq-hooks sandbox` serves `--count` subscriptions (10,000 by default). Then,
interleaved (the order flips every round), whole processes from spawn to exit:
  - `linq-hooks pause ID` / `resume ID`  vs  one `curl` doing GET ID, then PUT ID
    (`--next`: the two requests the command needs, in one process);
  - `linq-hooks delete ID`              vs  one `curl` doing GET ID, then DELETE ID
    (each on a subscription created for it beforehand, untimed);
  - `linq-hooks get ID`                 vs  `curl` GET ID.
The sandbox's request log is not needed: the command's requests are counted by the tests
(tests/cli_bulk.rs); here only time. Issue 16's goal: ≤ 1.3× curl.

    python3 perf/cli_single.py [--runs 15] [--count 10000] [--db PATH] [--json]

A measurement, never a test.
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
import perfkit as pk  # noqa: E402


def timed(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, env=env, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pk.check_binary()
    curl = shutil.which("curl")
    if curl is None:
        sys.exit("curl is needed (apt-get install -y curl)")

    with tempfile.TemporaryDirectory(prefix="linq-hooks-perf-") as tmp:
        home = Path(tmp) / "home"
        db = args.db or Path(tmp) / "single.db"
        pk.reuse_or_prepare(db, args.count, home)
        with pk.Sandbox(db, home) as sandbox:
            api = pk.Api(sandbox.base_url)
            listed = api.call("GET", "/webhook-subscriptions")
            assert isinstance(listed, dict)
            sub_id = listed["subscriptions"][len(listed["subscriptions"]) // 2]["id"]
            env = pk.isolated_env(home, {"LINQ_API_V3_API_KEY": pk.API_KEY})
            base = sandbox.base_url
            one = f"{base}/v3/webhook-subscriptions/{sub_id}"
            auth = ["-H", f"Authorization: Bearer {pk.API_KEY}"]
            put = ["-X", "PUT", "-H", "Content-Type: application/json"]

            def curl_get_put(active: bool) -> list[str]:
                body = json.dumps({"is_active": active})
                return [curl, "-s", "-o", "/dev/null", *auth, one, "--next", "-s", "-o",
                        "/dev/null", *auth, *put, "-d", body, one]

            def ours(*words: str) -> list[str]:
                return [str(pk.BIN), "--base-url", base, *words]

            def throwaway(n: int) -> str:
                created = api.call("POST", "/webhook-subscriptions", {
                    "target_url": f"https://{pk.MARKER_HOST}/throwaway/{time.time_ns()}-{n}",
                    "subscribed_events": ["message.sent"],
                })
                assert isinstance(created, dict)
                return str(created["id"])

            results: dict[str, list[float]] = {k: [] for k in (
                "curl GET+PUT", "pause ID", "resume ID", "curl GET+DELETE", "delete ID",
                "curl GET", "get ID")}
            def set_active(active: bool) -> None:
                api.call("PUT", f"/webhook-subscriptions/{sub_id}", {"is_active": active})

            for n in range(args.runs + 1):
                doomed = [throwaway(2 * n), throwaway(2 * n + 1)]
                one_doomed = f"{base}/v3/webhook-subscriptions/{doomed[0]}"
                # (name, argv, the state it needs first), in pairs of curl and linq-hooks;
                # within a pair the order flips every round.
                pairs = [
                    [("curl GET+PUT", curl_get_put(False), True),
                     ("pause ID", ours("pause", sub_id), True)],
                    [("curl GET+PUT", curl_get_put(True), False),
                     ("resume ID", ours("resume", sub_id), False)],
                    [("curl GET+DELETE", [
                        curl, "-s", "-o", "/dev/null", *auth, one_doomed, "--next", "-s", "-o",
                        "/dev/null", *auth, "-X", "DELETE", one_doomed], None),
                     ("delete ID", ours("delete", doomed[1]), None)],
                    [("curl GET", [curl, "-s", "-o", "/dev/null", *auth, one], None),
                     ("get ID", ours("get", sub_id), None)],
                ]
                for pair in pairs:
                    for name, argv, needs in (pair if n % 2 == 0 else pair[::-1]):
                        if needs is not None:
                            set_active(needs)
                        took = timed(argv, env)
                        if n > 0:  # round 0 warms caches
                            results[name].append(took)
                set_active(True)
            api.close()

    med = {k: pk.median(v) * 1000 for k, v in results.items()}
    summary = {
        "subscriptions": args.count,
        "runs": args.runs,
        "median_ms": {k: round(v, 2) for k, v in med.items()},
        "ratio": {
            "pause ID / curl GET+PUT": round(med["pause ID"] / med["curl GET+PUT"], 2),
            "resume ID / curl GET+PUT": round(med["resume ID"] / med["curl GET+PUT"], 2),
            "delete ID / curl GET+DELETE": round(med["delete ID"] / med["curl GET+DELETE"], 2),
            "get ID / curl GET": round(med["get ID"] / med["curl GET"], 2),
        },
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return
    print(f"{args.count} subscriptions, {args.runs} interleaved runs, medians:")
    for name, value in med.items():
        print(f"  {name:<16} {value:7.2f} ms")
    for name, ratio in summary["ratio"].items():
        print(f"  {name:<28} {ratio:.2f}×  (goal ≤ 1.3×)")


if __name__ == "__main__":
    main()
