#!/usr/bin/env python3
"""`linq-hooks probe` speed: one probe against `curl -sS -I`, and `probe --all` of 1,000.

Local HTTPS only: a test CA and a leaf for 127.0.0.1 are made with `openssl`; 10 HTTPS
servers (one Python process each, answering HEAD with 200) run on 127.0.0.1.

  - one probe: `linq-hooks probe https://127.0.0.1:P/hook --ca-file ca.pem` (stages 1–4)
    against `curl -sS -I --cacert ca.pem -o /dev/null` of the same URL, interleaved, N
    times each, whole processes spawn to exit. Goal: probe ≤ 1.5 × curl (medians).
  - `probe --all`: a separate `linq-hooks sandbox` holds 1,000 subscriptions spread over
    the 10 servers; `linq-hooks probe --all --json --ca-file ca.pem` at the default
    concurrency, wall time and peak RSS (wait4). Goal: ≤ 2 s, ≤ 30 MiB.

    python3 perf/probe.py [--runs 21] [--count 1000] [--all-runs 3] [--json]

A measurement, never a test. Needs openssl and curl.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import perfkit as pk  # noqa: E402

SERVERS = 10


def make_pki(d: Path) -> None:
    """ca.pem/ca.key and leaf.pem/leaf.key (SAN IP:127.0.0.1, signed by the CA)."""
    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", str(d / "ca.key"), "-out", str(d / "ca.pem"),
        "-days", "30", "-subj", "/CN=linq-hooks perf CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", str(d / "leaf.key"), "-out", str(d / "leaf.csr"),
        "-subj", "/CN=127.0.0.1")
    ext = d / "leaf.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n")
    run("x509", "-req", "-in", str(d / "leaf.csr"), "-CA", str(d / "ca.pem"),
        "-CAkey", str(d / "ca.key"), "-CAcreateserial", "-out", str(d / "leaf.pem"),
        "-days", "30", "-extfile", str(ext))


class Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_HEAD(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class NoDelayServer(http.server.ThreadingHTTPServer):
    """TCP_NODELAY on each connection, as nginx, Go and Node servers have by default:
    without it Python's small writes meet the client's delayed ACK (a 40 ms stall that
    measures the server, not the client)."""

    def get_request(self):  # type: ignore[no-untyped-def]
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr


def serve(certs: Path) -> None:
    """Child mode: one HTTPS server on 127.0.0.1:0; prints its port, serves until killed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs / "leaf.pem", certs / "leaf.key")
    server = NoDelayServer(("127.0.0.1", 0), Quiet)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start_servers(certs: Path) -> tuple[list[subprocess.Popen[bytes]], list[int]]:
    procs, ports = [], []
    for _ in range(SERVERS):
        p = subprocess.Popen([sys.executable, __file__, "--serve", str(certs)],
                             stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        assert p.stdout is not None
        ports.append(int(p.stdout.readline()))
        procs.append(p)
    for port in ports:  # listening before anyone connects
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    return procs, ports


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one process, spawn to exit."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve")
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--all-runs", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.serve:
        serve(Path(args.serve))
        return
    pk.check_binary()
    with tempfile.TemporaryDirectory(prefix="probe-perf-") as tmp:
        tmp_path = Path(tmp)
        certs = tmp_path / "certs"
        certs.mkdir()
        make_pki(certs)
        ca = str(certs / "ca.pem")
        home = tmp_path / "home"
        home.mkdir()
        env = pk.isolated_env(home)
        procs, ports = start_servers(certs)
        try:
            url = f"https://127.0.0.1:{ports[0]}/hook?version=2026-02-03"
            probe_cmd = [str(pk.BIN), "probe", url, "--ca-file", ca]
            curl_cmd = ["curl", "-sS", "-I", "--cacert", ca, "-o", "/dev/null", url]
            # Warm both once (page cache, the servers' first handshake).
            timed(probe_cmd, env)
            timed(curl_cmd, env)
            probe_t, curl_t, probe_rss = [], [], []
            for _ in range(args.runs):
                w, r = timed(probe_cmd, env)
                probe_t.append(w)
                probe_rss.append(r)
                curl_t.append(timed(curl_cmd, env)[0])
            one = {
                "probe_median_ms": pk.median(probe_t) * 1000,
                "curl_median_ms": pk.median(curl_t) * 1000,
                "ratio": pk.median(probe_t) / pk.median(curl_t),
                "probe_peak_rss_mib": max(probe_rss),
            }
            pk.log(f"one probe: {one['probe_median_ms']:.1f} ms vs curl -I "
                   f"{one['curl_median_ms']:.1f} ms → {one['ratio']:.2f}× (goal ≤ 1.5×)")

            db = tmp_path / "sandbox.db"
            with pk.Sandbox(db, home) as sandbox:
                api = pk.Api(sandbox.base_url)
                t0 = time.perf_counter()
                for i in range(args.count):
                    port = ports[i % SERVERS]
                    api.call("POST", "/webhook-subscriptions", {
                        "target_url": f"https://127.0.0.1:{port}/perf-hook/{i}?version=2026-02-03",
                        "subscribed_events": ["message.received"],
                    })
                api.close()
                pk.log(f"created {args.count} subscriptions in {time.perf_counter() - t0:.1f} s")
                all_env = dict(env, LINQ_API_V3_API_KEY=pk.API_KEY)
                all_cmd = [str(pk.BIN), "--base-url", sandbox.base_url, "probe", "--all",
                           "--json", "--ca-file", ca]
                # A check that every line is a real probe (dns, connect, tls, http).
                out = subprocess.run(all_cmd, env=all_env, capture_output=True, text=True)
                lines = [json.loads(l) for l in out.stdout.splitlines()]
                full = sum(1 for l in lines if len(l["stages"]) == 4 and l["stages"][3]["ok"])
                pk.log(f"probe --all: {len(lines)} lines, {full} with all 4 stages and HEAD 200")
                walls, rss = [], []
                for _ in range(args.all_runs):
                    w, r = timed(all_cmd, all_env)
                    walls.append(w)
                    rss.append(r)
            every = {
                "subscriptions": args.count,
                "probed_ok": full,
                "wall_median_s": pk.median(walls),
                "wall_runs_s": walls,
                "peak_rss_mib": max(rss),
            }
            pk.log(f"probe --all of {args.count}: {every['wall_median_s']:.2f} s median "
                   f"(runs {', '.join(f'{w:.2f}' for w in walls)}), peak RSS "
                   f"{every['peak_rss_mib']:.1f} MiB (goals ≤ 2 s, ≤ 30 MiB)")
            if args.json:
                print(json.dumps({"one": one, "all": every}, indent=2))
        finally:
            for p in procs:
                p.kill()
                p.wait()


if __name__ == "__main__":
    main()
