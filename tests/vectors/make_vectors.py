#!/usr/bin/env python3
"""Signs a handful of messages with the official `standardwebhooks` library and writes
tests/vectors/standardwebhooks.json, which tests/signature_vectors.rs checks
`linq_hooks::signature` against. The JSON is committed, so `cargo test` needs no Python.

Regenerate (the output is deterministic for a given library version):

    python3 -m venv /tmp/swh && /tmp/swh/bin/pip install standardwebhooks
    /tmp/swh/bin/python tests/vectors/make_vectors.py

Keys are stored as `key_base64`, the secret without its `whsec_` prefix (the secret is
"whsec_" + key_base64), so that no real-looking secret sits in the repository.
"""

import base64
import hashlib
import json
import platform
import sys
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

from standardwebhooks import Webhook

PREFIX = "whsec_"


def key(seed: str, size: int) -> bytes:
    """Deterministic key bytes (fixtures, not secrets)."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"{seed}/{counter}".encode()).digest()
        counter += 1
    return out[:size]


def b64(raw: bytes, padded: bool = True) -> str:
    text = base64.b64encode(raw).decode()
    return text if padded else text.rstrip("=")


ENVELOPE = json.dumps(
    {
        "api_version": "v3",
        "event_id": "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
        "event_type": "message.received",
        "webhook_version": "2026-02-03",
        "data": {"text": "Hi 👋 — ça va?", "from": "+12025550142"},
    },
    separators=(",", ":"),
    ensure_ascii=False,
)

# (name, key bytes, padded base64?, msg_id, timestamp, body)
CASES = [
    ("api-doc vector", base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="), True,
     "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b", 1770320000, '{"event_type":"message.received"}'),
    ("linq envelope, unicode", key("envelope", 32), True,
     "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b", 1770320123, ENVELOPE),
    ("svix-style id, 24-byte key", key("svix", 24), True,
     "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", 1614265330, '{"test": 2432232314}'),
    ("newlines and trailing newline", key("newlines", 32), True,
     "evt-newlines", 1770320000, '{\n  "a": "line1\\nline2",\n  "b": [1, 2]\n}\n'),
    ("CRLF body", key("crlf", 32), True,
     "evt-crlf", 1770320000, "first line\r\nsecond line\r\n"),
    ("empty body", key("empty", 32), True, "evt-empty", 1770320000, ""),
    ("unicode id and body", key("unicode", 48), True,
     "évènement-😀", 1700000000, "日本語のテキスト ✓ \u2028 end"),
    ("64-byte key, large body", key("large", 64), True,
     "evt-large", 2000000000, json.dumps({"items": [{"n": i, "s": "x" * 30} for i in range(300)]})),
    ("unpadded secret", key("unpadded", 31), False,
     "evt-unpadded", 1770320000, '{"padding":"none"}'),
    ("early timestamp", key("early", 32), True, "evt-early", 1, "{}"),
]


def main() -> None:
    vectors = []
    for name, raw_key, padded, msg_id, ts, body in CASES:
        key_base64 = b64(raw_key, padded)
        wh = Webhook(PREFIX + key_base64)
        when = datetime.fromtimestamp(ts, tz=timezone.utc)
        signature = wh.sign(msg_id=msg_id, timestamp=when, data=body)
        vectors.append({
            "name": name,
            "key_base64": key_base64,
            "msg_id": msg_id,
            "timestamp": ts,
            "body": body,
            "signature": signature,
            "webhook_signature": signature,
        })

    # Rotation: the header carries two entries; the second is this key's.
    old = Webhook(PREFIX + b64(key("rotation-old", 32)))
    new_key = b64(key("rotation-new", 32))
    new = Webhook(PREFIX + new_key)
    when = datetime.fromtimestamp(1770320000, tz=timezone.utc)
    body = '{"event_type":"message.sent"}'
    old_sig = old.sign(msg_id="evt-rotation", timestamp=when, data=body)
    new_sig = new.sign(msg_id="evt-rotation", timestamp=when, data=body)
    vectors.append({
        "name": "two entries, the second matches",
        "key_base64": new_key,
        "msg_id": "evt-rotation",
        "timestamp": 1770320000,
        "body": body,
        "signature": new_sig,
        "webhook_signature": f"{old_sig} {new_sig}",
    })

    out = {
        "generator": "tests/vectors/make_vectors.py",
        "library": "standardwebhooks",
        "library_version": version("standardwebhooks"),
        "python_version": platform.python_version(),
        "vectors": vectors,
    }
    path = Path(__file__).with_name("standardwebhooks.json")
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(vectors)} vectors to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
