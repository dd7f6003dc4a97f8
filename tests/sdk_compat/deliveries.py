#!/usr/bin/env python3
"""The sandbox's webhook deliveries checked by the official `standardwebhooks` library (the
one both Linq SDKs verify with), over loopback only.

Starts `linq-hooks sandbox --deliver-to` a receiver in this process, creates subscriptions
(payload V1 and V2, one with delivery affinity), makes test events of several kinds and checks
every delivery: `Webhook(secret).verify(body, headers)` accepts it, the legacy
`X-Webhook-Signature` matches (hex HMAC-SHA256 keyed with the whole `whsec_…` text), and the
envelope has the documented fields, its `event_id` equal to `webhook-id`.

    python3 -m venv /tmp/swh && /tmp/swh/bin/pip install standardwebhooks
    /tmp/swh/bin/python tests/sdk_compat/deliveries.py [PATH_TO_LINQ_HOOKS_BINARY]

Default binary: target/debug/linq-hooks. Last line: `sdk-compat deliveries: N passed, M failed`;
exit status 1 on any failure.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook

KEY = "sdk-deliveries-key"
ROOT = Path(__file__).resolve().parents[2]
ENVELOPE = {"api_version", "webhook_version", "event_type", "event_id", "created_at",
            "trace_id", "partner_id", "data"}

received: list[tuple[dict[str, str], bytes]] = []
lock = threading.Lock()


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def call(base: str, method: str, path: str, body: object | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def main() -> int:
    binary = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "debug" / "linq-hooks"
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_address[1]}/hook"
    passed = failed = 0

    def check(ok: bool, what: str) -> None:
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAIL: {what}", file=sys.stderr)

    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINQ_")}
        env.update(HOME=tmp, XDG_DATA_HOME=f"{tmp}/data", XDG_CONFIG_HOME=f"{tmp}/config")
        sandbox = subprocess.Popen(
            [str(binary), "sandbox", "--listen", "127.0.0.1:0", "--db", f"{tmp}/s.db",
             "--api-key", KEY, "--no-seed", "--deliver-to", target, "--allow-local-targets"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
        try:
            assert sandbox.stdout is not None
            banner = sandbox.stdout.readline()
            match = re.search(r"listening on (\S+)", banner)
            if not match:
                raise RuntimeError(f"unexpected banner: {banner!r}")
            base = match.group(1)
            secrets: dict[str, str] = {}
            for body in [
                {"target_url": "https://v2.example/h?version=2026-02-03",
                 "subscribed_events": ["message.received", "api_token.created", "reaction.added"],
                 "routing_key_header": "X-Route-Token"},
                {"target_url": "https://v1.example/h",
                 "subscribed_events": ["message.received", "api_token.created", "reaction.added"]},
            ]:
                created = call(base, "POST", "/v3/webhook-subscriptions", body)
                secrets[created["id"]] = created["signing_secret"]
            events = [
                {"event_type": "message.received", "phone_number": "+12025551234"},
                {"event_type": "api_token.created"},
                {"event_type": "reaction.added",
                 "data": {"chat": {"id": "c-1"}, "reaction": "❤️", "note": "ü\u2028"}},
            ]
            for event in events:
                call(base, "POST", "/_sandbox/v1/events", event)
            expected = len(events) * len(secrets)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and len(received) < expected:
                time.sleep(0.05)
            check(len(received) == expected, f"{len(received)} of {expected} deliveries arrived")
            for headers, body in received:
                sub = headers.get("x-webhook-subscription-id", "")
                secret = secrets.get(sub)
                if secret is None:
                    check(False, f"unknown subscription {sub!r}")
                    continue
                try:
                    payload = Webhook(secret).verify(body, headers)
                    check(True, "")
                except Exception as e:  # the library raises WebhookVerificationError
                    check(False, f"standardwebhooks rejected a delivery: {e}")
                    continue
                legacy = hmac.new(secret.encode(),
                                  headers["x-webhook-timestamp"].encode() + b"." + body,
                                  hashlib.sha256).hexdigest()
                check(hmac.compare_digest(legacy, headers.get("x-webhook-signature", "")),
                      "legacy X-Webhook-Signature")
                check(set(payload) == ENVELOPE, f"envelope fields {sorted(payload)}")
                check(payload["event_id"] == headers["webhook-id"], "event_id = webhook-id")
                check(payload["event_type"] == headers["x-webhook-event"], "event type header")
        finally:
            sandbox.terminate()
            sandbox.wait(timeout=15)
            server.shutdown()
    print(f"sdk-compat deliveries: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
