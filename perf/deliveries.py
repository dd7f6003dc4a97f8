#!/usr/bin/env python3
"""Delivery throughput: a burst of 1,000 test events to 10 subscriptions (10,000 signed
deliveries) from a separate `linq-hooks sandbox`, delivered through `--deliver-to` to a local
receiver; and the sandbox's list latency while it delivers, against idle.

Three processes besides the sandbox, so that no one Python GIL skews another's clock:
- the receiver (a threaded HTTP/1.1 server, keep-alive) records each delivery's
  `webhook-id` and the moment it arrived (CLOCK_MONOTONIC, shared by all processes);
- the lister sends `GET /v3/webhook-subscriptions` every 5 ms or so (one at a time): first
  while the sandbox is idle, then during the burst, then idle again;
- the main process sends the 1,000 `POST /_sandbox/v1/events` over 4 keep-alive
  connections and notes when each was sent.

Reported: deliveries per second (first POST → last receipt), event → receipt latency
(POST sent → delivery received) p50/p99/max, the list latency idle vs during the burst
(median, p99, and the ratio; goal ≤ 2×). Checks: exactly one delivery per (event,
subscription) — no loss, no duplicate — and a sample of signatures verifies (stdlib HMAC).

Usage: python3 perf/deliveries.py [--events N] [--subscriptions N] [--json]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit  # noqa: E402
from perfkit import API_KEY, log  # noqa: E402

SENDERS = 4
LIST_IDLE_SAMPLES = 300
SAMPLE_BODIES = 20


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


# --------------------------------------------------------------------------- receiver


def receiver_main(ready: mp.Queue, stop: mp.Event, results: mp.Queue) -> None:
    arrivals: list[tuple[str, str, float]] = []
    samples: list[tuple[dict[str, str], bytes]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle on, the body waits for the
        # client's delayed ACK (40 ms) — a receiver artefact, not the sandbox's.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            at = time.monotonic()
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                arrivals.append((self.headers.get("webhook-id", ""),
                                 self.headers.get("X-Webhook-Subscription-ID", ""), at))
                if len(samples) < SAMPLE_BODIES:
                    samples.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ready.put(server.server_address[1])
    stop.wait()
    server.shutdown()
    with lock:
        results.put((arrivals, samples))


# --------------------------------------------------------------------------- lister


def lister_main(base_url: str, phase: mp.Value, stop: mp.Event, results: mp.Queue) -> None:
    """Lists one request after another; each latency is filed under the phase it started in
    (0 idle before, 1 burst, 2 idle after)."""
    url = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    path = url.path.rstrip("/") + "/v3/webhook-subscriptions"
    headers = {"Authorization": f"Bearer {API_KEY}", "Accept": "application/json"}
    by_phase: dict[int, list[float]] = {0: [], 1: [], 2: []}
    while not stop.is_set():
        current = phase.value
        started = time.monotonic()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        took = time.monotonic() - started
        if response.status != 200:
            raise RuntimeError(f"list answered {response.status}")
        by_phase[current].append(took)
        # The same light sampling in every phase: the lister measures, it is not the load.
        time.sleep(0.005)
    results.put(by_phase)


# --------------------------------------------------------------------------- main


def send_events(base_url: str, events: int) -> dict[str, float]:
    """POSTs `events` test events over SENDERS keep-alive connections; returns event id →
    monotonic time just before its request was sent."""
    url = urllib.parse.urlsplit(base_url)
    path = url.path.rstrip("/") + "/_sandbox/v1/events"
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
    body = json.dumps({"event_type": "message.received", "phone_number": "+12025551234"})

    def worker(count: int) -> list[tuple[str, float]]:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        sent: list[tuple[str, float]] = []
        for _ in range(count):
            at = time.monotonic()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status != 201:
                raise RuntimeError(f"POST events: {response.status} {payload[:200]!r}")
            sent.append((json.loads(payload)["event_id"], at))
        conn.close()
        return sent

    shares = [events // SENDERS + (1 if i < events % SENDERS else 0) for i in range(SENDERS)]
    with ThreadPoolExecutor(SENDERS) as pool:
        return {eid: at for part in pool.map(worker, shares) for eid, at in part}


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    standard = any(entry == f"v1,{expected}" for entry in headers["webhook-signature"].split())
    legacy_signed = f"{headers['x-webhook-timestamp']}.".encode() + body
    legacy = hmac.new(secret.encode(), legacy_signed, hashlib.sha256).hexdigest()
    return standard and hmac.compare_digest(legacy, headers["x-webhook-signature"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=600, help="seconds for the burst")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    perfkit.check_binary()
    ctx = mp.get_context("spawn")
    expected = args.events * args.subscriptions

    with tempfile.TemporaryDirectory(prefix="linq-hooks-deliveries-") as tmp:
        home = Path(tmp)
        ready, recv_results = ctx.Queue(), ctx.Queue()
        recv_stop = ctx.Event()
        receiver = ctx.Process(target=receiver_main, args=(ready, recv_stop, recv_results))
        receiver.start()
        port = ready.get(timeout=30)
        deliver_to = f"http://127.0.0.1:{port}/hook"
        extra = ["--deliver-to", deliver_to, "--allow-local-targets"]
        with perfkit.Sandbox(home / "sandbox.db", home, extra) as sandbox:
            api = perfkit.Api(sandbox.base_url)
            secrets: dict[str, str] = {}
            for i in range(args.subscriptions):
                created = api.call("POST", "/webhook-subscriptions", {
                    "target_url": f"https://perf-hook.example/deliveries/{i}?version=2026-02-03",
                    "subscribed_events": ["message.received", "message.sent"],
                })
                assert isinstance(created, dict)
                secrets[created["id"]] = created["signing_secret"]
            api.close()

            phase = ctx.Value("i", 0)
            list_stop = ctx.Event()
            list_results = ctx.Queue()
            lister = ctx.Process(target=lister_main,
                                 args=(sandbox.base_url, phase, list_stop, list_results))
            lister.start()
            time.sleep(2.0)  # idle samples (the lister sleeps 5 ms between them)
            log(f"burst: {args.events} events × {args.subscriptions} subscriptions …")
            phase.value = 1
            cpu_before = perfkit.cpu_seconds(sandbox.pid)
            recv_cpu_before = perfkit.cpu_seconds(receiver.pid)
            burst_start = time.monotonic()
            sent = send_events(sandbox.base_url, args.events)
            posted = time.monotonic() - burst_start
            log(f"  {args.events} events posted in {posted:.2f} s; waiting for deliveries")
            # The receiver's count is only known at the end; watch the sandbox's log.
            deadline = time.monotonic() + args.timeout
            watcher = perfkit.Api(sandbox.base_url)
            watcher.prefix = watcher.prefix.removesuffix("/v3")
            while time.monotonic() < deadline:
                latest = watcher.call("GET", "/_sandbox/v1/deliveries?limit=1")
                assert isinstance(latest, dict)
                if latest["deliveries"] and latest["deliveries"][0]["id"] >= expected:
                    break
                time.sleep(0.2)
            watcher.close()
            sandbox_cpu = perfkit.cpu_seconds(sandbox.pid) - cpu_before
            receiver_cpu = perfkit.cpu_seconds(receiver.pid) - recv_cpu_before
            phase.value = 2
            time.sleep(2.0)
            list_stop.set()
            lists = list_results.get(timeout=60)
            lister.join(timeout=30)
        recv_stop.set()
        arrivals, samples = recv_results.get(timeout=60)
        receiver.join(timeout=30)

    keys = [(eid, sid) for eid, sid, _ in arrivals]
    unique = set(keys)
    latencies = [at - sent[eid] for eid, _, at in arrivals if eid in sent]
    last = max(at for _, _, at in arrivals) if arrivals else burst_start
    rate = len(arrivals) / (last - burst_start) if arrivals else 0.0
    verified = sum(verify(secrets[h["x-webhook-subscription-id"]], h, b) for h, b in samples)
    idle = lists[0] + lists[2]
    burst = lists[1]
    result = {
        "events": args.events,
        "subscriptions": args.subscriptions,
        "deliveries_expected": expected,
        "deliveries_received": len(arrivals),
        "duplicates": len(keys) - len(unique),
        "lost": expected - len(unique),
        "signatures_verified": f"{verified}/{len(samples)}",
        "posting_s": round(posted, 3),
        "burst_s": round(last - burst_start, 3),
        "deliveries_per_s": round(rate, 1),
        "sandbox_cpu_s": round(sandbox_cpu, 2),
        "receiver_cpu_s": round(receiver_cpu, 2),
        "event_to_receipt_ms": {
            "p50": round(percentile(latencies, 50) * 1000, 1),
            "p99": round(percentile(latencies, 99) * 1000, 1),
            "max": round(max(latencies) * 1000, 1) if latencies else None,
        },
        "list_ms": {
            "idle_median": round(statistics.median(idle) * 1000, 3),
            "idle_p99": round(percentile(idle, 99) * 1000, 3),
            "idle_samples": len(idle),
            "burst_median": round(statistics.median(burst) * 1000, 3) if burst else None,
            "burst_p99": round(percentile(burst, 99) * 1000, 3) if burst else None,
            "burst_samples": len(burst),
        },
    }
    if burst:
        result["list_ratio_median"] = round(statistics.median(burst) / statistics.median(idle), 2)
        result["list_ratio_p99"] = round(percentile(burst, 99) / percentile(idle, 99), 2)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    r, lat, ls = result, result["event_to_receipt_ms"], result["list_ms"]
    print(f"deliveries: {r['deliveries_received']}/{expected} received, {r['duplicates']} "
          f"duplicates, {r['lost']} lost; signatures verified {r['signatures_verified']}")
    print(f"burst: events posted in {r['posting_s']} s, all delivered in {r['burst_s']} s "
          f"→ {r['deliveries_per_s']} deliveries/s; CPU during it: sandbox "
          f"{r['sandbox_cpu_s']} s, receiver {r['receiver_cpu_s']} s")
    print(f"event → receipt: p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms")
    print(f"list (10 subscriptions): idle median {ls['idle_median']} ms / p99 {ls['idle_p99']} ms "
          f"({ls['idle_samples']} samples); during the burst median {ls['burst_median']} ms / "
          f"p99 {ls['burst_p99']} ms ({ls['burst_samples']} samples); ratio "
          f"{r.get('list_ratio_median')}× median, {r.get('list_ratio_p99')}× p99 (goal ≤ 2×)")


if __name__ == "__main__":
    main()
