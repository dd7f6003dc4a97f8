#!/usr/bin/env python3
"""`plan` and `apply` against their baselines, 1,000 subscriptions served by a separate
`linq-hooks sandbox`:

1. `plan FILE --json` of a 1,000-entry file with 100 differences vs `list --json` of the
   same account (both whole processes; goal ≤ 1.3×).
2. `apply FILE --yes` making 100 updates vs the same 100 PUTs (the same bodies) made by one
   `curl --parallel --parallel-max 4` (goal ≤ 1.3×). Each round applies the changed file
   and then the original one, so every timed run makes 100 real updates; curl does the
   same pair.

Runs are interleaved (the order flips every round) so that load from other processes hits
both alike; one warm-up round is discarded. Before timing, the script checks that the plan
finds exactly the 100 differences and that curl's PUTs leave the account as apply does.

Usage: python3 perf/lifecycle.py [--runs N] [--count N] [--db PATH] [--json]
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

DIFFERENCES = 100


def run(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> tuple[float, bytes]:
    """Wall seconds from just before the spawn to the reaped exit, and stdout."""
    started = time.perf_counter()
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=env)
    took = time.perf_counter() - started
    if proc.returncode not in ok:
        raise RuntimeError(f"{argv[:3]} exited {proc.returncode}: {proc.stderr[-500:]!r}")
    return took, proc.stdout


def changed_document(doc: dict, catalog: list[str]) -> tuple[dict, list[tuple[str, dict, dict]]]:
    """The export with 100 entries changed (half paused ⇄ resumed, half one event more),
    and for each the PUT body that makes the change and the one that undoes it."""
    changed = json.loads(json.dumps(doc))
    puts = []
    step = len(changed["subscriptions"]) // DIFFERENCES
    for n in range(DIFFERENCES):
        entry = changed["subscriptions"][n * step]
        if n % 2 == 0:
            entry["is_active"] = not entry["is_active"]
            forward, back = {"is_active": entry["is_active"]}, {"is_active": not entry["is_active"]}
        else:
            before = list(entry["subscribed_events"])
            extra = next(e for e in catalog if e not in before)
            entry["subscribed_events"] = sorted(before + [extra])
            forward = {"subscribed_events": entry["subscribed_events"]}
            back = {"subscribed_events": before}
        puts.append((entry["id"], forward, back))
    return changed, puts


def curl_config(path: Path, base_url: str, puts: list[tuple[str, dict]]) -> None:
    lines = []
    for sub_id, body in puts:
        lines += [
            f'url = "{base_url}/v3/webhook-subscriptions/{sub_id}"',
            'request = "PUT"',
            f'header = "Authorization: Bearer {API_KEY}"',
            'header = "Content-Type: application/json"',
            f"data = {json.dumps(json.dumps(body))}",
            'output = "/dev/null"',
            "next",
        ]
    path.write_text("\n".join(lines[:-1]) + "\n")


def stats(values: list[float]) -> dict[str, float]:
    return {"median_ms": median(values), "min_ms": min(values), "max_ms": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11, help="timed runs of each")
    parser.add_argument("--count", type=int, default=1000, help="subscriptions")
    parser.add_argument("--db", type=Path, help="fixture database (kept and reused)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    perfkit.check_binary()
    curl = shutil.which("curl")
    if not curl:
        sys.exit("curl not found (apt-get install -y curl)")
    catalog = perfkit.event_catalog()

    with tempfile.TemporaryDirectory(prefix="linq-hooks-lifecycle-perf-") as tmp:
        home = Path(tmp)
        db = args.db or home / "lifecycle.db"
        perfkit.reuse_or_prepare(db, args.count, home)
        with perfkit.Sandbox(db, home) as sandbox:
            env = perfkit.isolated_env(home, {"LINQ_API_V3_API_KEY": API_KEY})
            ours = [str(BIN), "--base-url", sandbox.base_url]
            original = home / "original.json"
            run(ours + ["export", "--out", str(original)], env)
            doc = json.loads(original.read_text())
            changed, puts = changed_document(doc, catalog)
            changed_path = home / "changed.json"
            changed_path.write_text(json.dumps(changed, indent=2))
            _, planned = run(ours + ["plan", str(changed_path), "--json"], env)
            summary = json.loads(planned)["summary"]
            if summary["update"] != DIFFERENCES or summary["create"] or summary["delete"]:
                sys.exit(f"the plan does not find the {DIFFERENCES} differences: {summary}")

            # 1. plan vs list --json
            commands = {
                "list --json": ours + ["list", "--json"],
                "plan --json": ours + ["plan", str(changed_path), "--json"],
            }
            plan_ms: dict[str, list[float]] = {name: [] for name in commands}
            for round_ in range(args.runs + 1):
                order = list(commands) if round_ % 2 == 0 else list(reversed(commands))
                for name in order:
                    took, _ = run(commands[name], env)
                    if round_ > 0:
                        plan_ms[name].append(took * 1000)

            # 2. apply (100 PUTs) vs curl (the same 100 PUTs, 4 at a time)
            forward_cfg, back_cfg = home / "forward.curl", home / "back.curl"
            curl_config(forward_cfg, sandbox.base_url, [(i, f) for i, f, _ in puts])
            curl_config(back_cfg, sandbox.base_url, [(i, b) for i, _, b in puts])
            curl_cmd = [curl, "-s", "--fail", "--parallel", "--parallel-max", "4"]
            # curl's PUTs must leave the account as apply leaves it.
            run(curl_cmd + ["-K", str(forward_cfg)], env)
            _, after = run(ours + ["plan", str(changed_path), "--json"], env)
            if json.loads(after)["summary"]["update"] != 0:
                sys.exit("curl's PUTs do not make the changes apply makes")
            run(curl_cmd + ["-K", str(back_cfg)], env)
            pairs = {
                "curl -Z 4": (curl_cmd + ["-K", str(forward_cfg)], curl_cmd + ["-K", str(back_cfg)]),
                "apply --yes": (ours + ["apply", str(changed_path), "--yes"],
                                ours + ["apply", str(original), "--yes"]),
            }
            apply_ms: dict[str, list[float]] = {name: [] for name in pairs}
            for round_ in range(args.runs + 1):
                order = list(pairs) if round_ % 2 == 0 else list(reversed(pairs))
                for name in order:
                    for argv in pairs[name]:
                        took, _ = run(argv, env)
                        if round_ > 0:
                            apply_ms[name].append(took * 1000)

    result = {
        "subscriptions": args.count,
        "differences": DIFFERENCES,
        "plan": {name: stats(v) for name, v in plan_ms.items()},
        "apply": {name: stats(v) for name, v in apply_ms.items()},
    }
    result["plan_ratio"] = (result["plan"]["plan --json"]["median_ms"]
                            / result["plan"]["list --json"]["median_ms"])
    result["apply_ratio"] = (result["apply"]["apply --yes"]["median_ms"]
                             / result["apply"]["curl -Z 4"]["median_ms"])
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.count} subscriptions, {DIFFERENCES} differences, {args.runs} interleaved runs")
    for part in ("plan", "apply"):
        for name, s in result[part].items():
            print(f"  {name:12} median {s['median_ms']:8.2f} ms  "
                  f"(min {s['min_ms']:.2f}, max {s['max_ms']:.2f})")
    print(f"plan / list --json (medians): {result['plan_ratio']:.2f}×  (goal ≤ 1.3×)")
    print(f"apply / curl 4 at a time (medians): {result['apply_ratio']:.2f}×  (goal ≤ 1.3×)")


if __name__ == "__main__":
    main()
