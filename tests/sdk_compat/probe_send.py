#!/usr/bin/env python3
"""`linq-hooks probe --send` checked by the official `standardwebhooks` library (the one both
Linq SDKs verify with), over loopback only.

A receiver in this process verifies each POST with `Webhook(secret).verify(body, headers)`
and the legacy `X-Webhook-Signature` (hex HMAC-SHA256 keyed with the whole `whsec_…` text);
it answers 204 when both hold, else 401. `probe --send --secret-env` must then report the
delivery stage as fine; with no secret (a random one) the receiver must refuse it.

    /tmp/swh/bin/python tests/sdk_compat/probe_send.py [PATH_TO_LINQ_HOOKS_BINARY]

Last line: `sdk-compat probe: N passed, M failed`; exit status 1 on any failure.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from standardwebhooks import Webhook

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="  # test vector, not a real secret
received: list[dict] = []


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_HEAD(self) -> None:  # noqa: N802
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        standard_ok = True
        try:
            Webhook(SECRET).verify(body, headers)
        except Exception:  # noqa: BLE001 — any refusal is a failed check
            standard_ok = False
        ts = headers.get("x-webhook-timestamp", "")
        expected = hmac.new(SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        legacy_ok = hmac.compare_digest(expected, headers.get("x-webhook-signature", ""))
        received.append({"standard": standard_ok, "legacy": legacy_ok, "body": body,
                         "headers": headers})
        self.send_response(204 if standard_ok and legacy_ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "debug" / "linq-hooks")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook?version=2026-02-03"
    passed = failed = 0

    def check(name: str, ok: bool, detail: str = "") -> None:
        nonlocal passed, failed
        print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + detail}")
        passed, failed = passed + ok, failed + (not ok)

    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINQ_")}
        env.update(HOME=home, XDG_DATA_HOME=home, XDG_CONFIG_HOME=home, PROBE_SECRET=SECRET)
        for event in ["message.received", "message.edited", "reaction.added"]:
            run = subprocess.run([binary, "probe", url, "--json", "--send", "--event", event,
                                  "--secret-env", "PROBE_SECRET"],
                                 env=env, capture_output=True, text=True, timeout=60)
            report = json.loads(run.stdout)
            stage = next((s for s in report["stages"] if s["name"] == "delivery"), None)
            last = received[-1] if received else {}
            check(f"{event}: standardwebhooks verifies it", last.get("standard") is True)
            check(f"{event}: the legacy signature matches", last.get("legacy") is True)
            envelope = json.loads(last.get("body") or b"{}")
            check(f"{event}: envelope of 2026-02-03 with a probe- event id",
                  envelope.get("webhook_version") == "2026-02-03"
                  and envelope.get("event_type") == event
                  and str(envelope.get("event_id", "")).startswith("probe-")
                  and last["headers"].get("webhook-id") == envelope.get("event_id"),
                  json.dumps(envelope)[:300])
            check(f"{event}: the probe calls the delivery fine",
                  stage is not None and stage["ok"] and "204" in stage["detail"], run.stdout)
            check(f"{event}: the secret is not printed", SECRET not in run.stdout + run.stderr)
        run = subprocess.run([binary, "probe", url, "--json", "--send"], env=env,
                             capture_output=True, text=True, timeout=60)
        codes = [f["code"] for f in json.loads(run.stdout)["findings"]]
        check("a random secret is refused (no accepts-bad-signature)",
              received[-1]["standard"] is False and "accepts-bad-signature" not in codes,
              str(codes))
    server.shutdown()
    print(f"sdk-compat probe: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
