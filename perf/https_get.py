#!/usr/bin/env python3
"""`linq-hooks get ID` over HTTPS, as against Linq itself, vs `curl` making the same GET.

The sandbox speaks plain http, so this serves one subscription from a local HTTPS server
(Python, TLS 1.3, a test CA made with `openssl`; the CA reaches both clients through
SSL_CERT_FILE / --cacert). What it shows: the fixed cost of the first TLS connection of a
process — certificate store, crypto provider start-up, handshake — which every headless
command and the dashboard's first list pay against a live account.

A measurement, never a test. Needs openssl and curl.

Usage: python3 perf/https_get.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit as pk  # noqa: E402
from probe import NoDelayServer, make_pki  # noqa: E402

ID = "b2c3d4e5-f6a7-8901-bcde-f23456789012"
KEY = "sk_perf_https_0123456789abcdef"
BODY = json.dumps({
    "id": ID,
    "created_at": "2026-02-05T19:30:00Z",
    "updated_at": "2026-02-05T19:31:13Z",
    "is_active": True,
    "subscribed_events": ["message.sent", "message.received"],
    "target_url": "https://perf-hook.example/linq?version=2026-02-03",
    "phone_numbers": ["+12025551234"],
}).encode()


class One(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


def serve(certs: Path) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs / "leaf.pem", certs / "leaf.key")
    server = NoDelayServer(("127.0.0.1", 0), One)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                       stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {p.stderr.decode(errors='replace')[:400]}")
    return wall * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve")
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.serve:
        serve(Path(args.serve))
        return
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        make_pki(d)
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(d)],
                                  stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            base = f"https://127.0.0.1:{port}/api/partner"
            env = dict(os.environ, HOME=str(d), XDG_DATA_HOME=str(d / "data"),
                       XDG_CONFIG_HOME=str(d / "config"), SSL_CERT_FILE=str(d / "ca.pem"),
                       LINQ_API_KEY=KEY)
            ours = [str(pk.BIN), "--base-url", base, "get", ID, "--json"]
            curl = ["curl", "-sS", "--fail", "--cacert", str(d / "ca.pem"),
                    "-H", f"Authorization: Bearer {KEY}",
                    f"{base}/v3/webhook-subscriptions/{ID}"]
            timed(ours, env)
            timed(curl, env)
            a, b = [], []
            for _ in range(args.runs):
                a.append(timed(ours, env))
                b.append(timed(curl, env))
        finally:
            server.kill()
    result = {
        "runs": args.runs,
        "get_ms_median": statistics.median(a),
        "curl_ms_median": statistics.median(b),
        "get_ms_min": min(a),
        "curl_ms_min": min(b),
        "ratio_median": statistics.median(a) / statistics.median(b),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"get ID over HTTPS: median {result['get_ms_median']:.1f} ms (min "
              f"{result['get_ms_min']:.1f}) vs curl {result['curl_ms_median']:.1f} ms (min "
              f"{result['curl_ms_min']:.1f}): {result['ratio_median']:.2f}x")


if __name__ == "__main__":
    main()
