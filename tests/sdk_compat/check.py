#!/usr/bin/env python3
"""Drive the linq-hooks sandbox with the official Python SDK (linq-python 0.65.0).

Usage: check.py BASE_URL            (or env SDK_COMPAT_BASE_URL / LINQ_API_V3_BASE_URL)
Env:   SDK_COMPAT_KEY_A, SDK_COMPAT_KEY_B  API keys of two sandbox accounts (sdk-key-a/-b)
       SDK_COMPAT_BANNER                   the sandbox's startup line, checked if set
       SDK_COMPAT_COUNTS                   file to write "PASSED FAILED" to (for run.sh)

Every response is parsed with `_strict_response_validation=True`, so any field of the wrong
type, a missing required field, an unknown event type or a wrong `doc_url` literal fails the
check that received it. Names used from the SDK were read from its installed source:
`linq.LinqAPIV3`, `client.webhook_subscriptions.{create,list,retrieve,update,delete}`,
`client.webhook_events.list`, `client.phone_numbers.list`, `.with_raw_response`, the
exception classes in `linq._exceptions`. The SDK puts the envelope's inner `error` object in
`exc.body` (see `_make_status_error`), so the full envelope is read from `exc.response`.
"""

from __future__ import annotations

import base64
import os
import re
import sys
import time
import traceback
import typing
from datetime import datetime

import httpx
import linq
from linq import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    LinqAPIV3,
    NotFoundError,
    PermissionDeniedError,
)
from linq.types import WebhookEventType

SDK_VERSION = "0.65.0"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
HEX32_RE = re.compile(r"^[0-9a-f]{32}$")
E164_RE = re.compile(r"^\+[1-9][0-9]{1,14}$")
BANNER_RE = re.compile(
    r"^linq-hooks sandbox listening on (http://127\.0\.0\.1:[0-9]+/api/partner) \(api keys: (.+)\)$"
)
EVENTS_DOC_URL = "https://docs.linqapp.com/channel/imessage/guides/webhooks/events"
SDK_EVENT_TYPES = list(typing.get_args(WebhookEventType))
STATUS_CLASS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
}

BASE_URL = (
    (sys.argv[1] if len(sys.argv) > 1 else None)
    or os.environ.get("SDK_COMPAT_BASE_URL")
    or os.environ.get("LINQ_API_V3_BASE_URL")
)
KEY_A = os.environ.get("SDK_COMPAT_KEY_A", "sdk-key-a")
KEY_B = os.environ.get("SDK_COMPAT_KEY_B", "sdk-key-b")
RUN = f"{os.getpid()}-{int(time.time())}"  # keeps URLs unique if the same DB is reused


class CheckFailed(Exception):
    pass


def expect(cond: bool, what: str) -> None:
    if not cond:
        raise CheckFailed(what)


def eq(actual, expected, what: str) -> None:
    if actual != expected:
        raise CheckFailed(f"{what}: expected {expected!r}, got {actual!r}")


RFC3339_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
)
raw_violations: list[str] = []


def _audit_subscription(d, where: str, create: bool) -> None:
    """Exact JSON types of a WebhookSubscription (pydantic's validation is lax: it would accept
    "true" for a bool or a Unix number for a date-time)."""
    if not isinstance(d, dict):
        raw_violations.append(f"{where}: not an object")
        return
    def bad(field, why):
        raw_violations.append(f"{where}.{field}: {why} (got {d.get(field)!r})")
    for f in ("id", "target_url"):
        if type(d.get(f)) is not str:
            bad(f, "must be a string")
    for f in ("created_at", "updated_at"):
        if type(d.get(f)) is not str or not RFC3339_RE.match(d[f]):
            bad(f, "must be an RFC 3339 date-time string")
    if type(d.get("is_active")) is not bool:
        bad("is_active", "must be a JSON boolean")
    ev = d.get("subscribed_events")
    if not isinstance(ev, list) or any(type(e) is not str for e in ev):
        bad("subscribed_events", "must be an array of strings")
    pn = d.get("phone_numbers")
    if pn is not None and (not isinstance(pn, list) or any(type(x) is not str for x in pn)):
        bad("phone_numbers", "must be an array of strings or null")
    for f in ("routing_id_header", "routing_key_header"):
        if d.get(f) is not None and type(d[f]) is not str:
            bad(f, "must be a string or null")
    if create:
        if type(d.get("signing_secret")) is not str:
            bad("signing_secret", "must be a string")
    elif "signing_secret" in d:
        bad("signing_secret", "must not appear outside the create response")


def _audit_response(response: httpx.Response) -> None:
    """httpx response hook: type-audit every successful JSON body the SDK receives."""
    if not 200 <= response.status_code < 300:
        return
    response.read()
    req = response.request
    path = req.url.path.split("/v3/", 1)[-1]
    where = f"{req.method} /v3/{path}"
    if response.status_code == 204 or not response.content:
        return
    try:
        body = response.json()
    except ValueError:
        raw_violations.append(f"{where}: 2xx body is not JSON: {response.text[:100]!r}")
        return
    if path == "webhook-subscriptions" and req.method == "GET":
        subs = body.get("subscriptions") if isinstance(body, dict) else None
        if not isinstance(subs, list):
            raw_violations.append(f"{where}: `subscriptions` must be an array")
            return
        for i, d in enumerate(subs):
            _audit_subscription(d, f"{where} subscriptions[{i}]", create=False)
    elif path.startswith("webhook-subscriptions"):
        _audit_subscription(body, where, create=(req.method == "POST"))
    elif path == "webhook-events":
        ok = isinstance(body, dict) and type(body.get("doc_url")) is str and isinstance(body.get("events"), list)
        if not ok or any(type(e) is not str for e in body["events"]):
            raw_violations.append(f"{where}: want {{doc_url: string, events: [string]}}")
    elif path == "phone_numbers":
        lines = body.get("phone_numbers") if isinstance(body, dict) else None
        if not isinstance(lines, list):
            raw_violations.append(f"{where}: `phone_numbers` must be an array")
            return
        for i, p in enumerate(lines):
            rep = p.get("reputation") if isinstance(p, dict) else None
            if (not isinstance(p, dict) or type(p.get("id")) is not str or type(p.get("phone_number")) is not str
                    or not isinstance(rep, dict) or type(rep.get("status")) is not str
                    or type(rep.get("doc_url")) is not str
                    or p.get("forwarding_number") is not None and type(p["forwarding_number"]) is not str
                    or p.get("line_type") is not None and type(p["line_type"]) is not str):
                raw_violations.append(f"{where} phone_numbers[{i}]: wrong JSON types: {p!r}")


def client(key: str = KEY_A) -> LinqAPIV3:
    # max_retries=0: a 409/429/5xx must surface at once, never be retried behind our back.
    return LinqAPIV3(
        api_key=key,
        base_url=BASE_URL,
        max_retries=0,
        timeout=10.0,
        http_client=linq.DefaultHttpxClient(event_hooks={"response": [_audit_response]}),
        _strict_response_validation=True,
    )


A = None  # type: LinqAPIV3 | None
B = None  # type: LinqAPIV3 | None
state: dict = {}
notes: list[str] = []


def note(msg: str) -> None:
    """Information printed under the current check's result line."""
    notes.append(msg)


def sub_fields(s) -> dict:
    """The WebhookSubscription fields, without the create-only secret."""
    d = s.model_dump(mode="json")
    d.pop("signing_secret", None)
    return d


def new_url(tag: str) -> str:
    return f"https://webhooks.example.com/linq/{tag}-{RUN}?version=2026-02-03"


def expect_api_error(fn, status: int, code: int | None = None, codes: tuple = ()):  # -> exc
    """Call fn, require the SDK to raise the exception class for `status`, and validate the
    Linq error envelope and the X-Trace-ID header. Returns the exception."""
    cls = STATUS_CLASS[status]
    try:
        fn()
    except linq.APIStatusError as exc:
        if not isinstance(exc, cls) or exc.status_code != status:
            raise CheckFailed(
                f"expected {cls.__name__} ({status}), got {type(exc).__name__} "
                f"({exc.status_code}) body={exc.body!r}"
            )
        check_envelope(exc)
        if code is not None:
            eq(exc.code, code, "error.code")
        if codes:
            expect(exc.code in codes, f"error.code {exc.code} not in {codes}")
        return exc
    except linq.APIResponseValidationError as exc:
        raise CheckFailed(f"expected {cls.__name__}, got response-validation error: {exc} body={exc.body!r}")
    raise CheckFailed(f"expected {cls.__name__} ({status}), but the call succeeded")


def check_envelope(exc: linq.APIStatusError) -> dict:
    resp = exc.response
    ctype = resp.headers.get("content-type", "")
    expect("json" in ctype, f"error content-type is {ctype!r}, expected application/json")
    try:
        env = resp.json()
    except Exception as e:  # noqa: BLE001
        raise CheckFailed(f"error body is not JSON: {resp.text[:200]!r} ({e})")
    expect(isinstance(env, dict), f"error body is not an object: {env!r}")
    eq(env.get("success"), False, "envelope.success")
    err = env.get("error")
    expect(isinstance(err, dict), f"envelope.error is not an object: {env!r}")
    eq(err.get("status"), resp.status_code, "envelope.error.status")
    expect(type(err.get("code")) is int, f"envelope.error.code not an int: {err.get('code')!r}")
    expect(isinstance(err.get("message"), str) and err["message"], f"envelope.error.message: {err.get('message')!r}")
    if "doc_url" in err:
        expect(isinstance(err["doc_url"], str), f"envelope.error.doc_url not a string: {err['doc_url']!r}")
    trace = env.get("trace_id")
    expect(isinstance(trace, str) and HEX32_RE.match(trace) is not None, f"trace_id not 32 hex: {trace!r}")
    eq(resp.headers.get("x-trace-id"), trace, "X-Trace-ID header vs body trace_id")
    # What the SDK exposes: exc.body is the inner error object, exc.code its code.
    eq(exc.body, err, "SDK exc.body (inner error object)")
    eq(exc.code, err["code"], "SDK exc.code")
    return env


def check_trace_header(raw) -> None:
    t = raw.headers.get("x-trace-id")
    expect(t is not None and HEX32_RE.match(t) is not None, f"X-Trace-ID on success response: {t!r}")


# ---------------------------------------------------------------------------------------------
# checks, run in order (later ones use state from earlier ones)


def check_00_banner():
    banner = os.environ.get("SDK_COMPAT_BANNER")
    if banner is None:
        note("SDK_COMPAT_BANNER not set; startup line not checked")
        return
    m = BANNER_RE.match(banner)
    expect(m is not None, f"startup line has unexpected form: {banner!r}")
    eq(m.group(1), BASE_URL, "base URL in startup line")
    keys = [k.strip() for k in m.group(2).split(",")]
    # Keys other than the demo key are shown as a hint of their last four characters at
    # most, never in full (the line ends up in terminals and logs).
    expected = [("…" + k[-4:]) if len(k) >= 12 else "…" for k in (KEY_A, KEY_B)]
    eq(keys, expected, "api key hints in startup line")
    for k in (KEY_A, KEY_B):
        expect(k not in banner, "the startup line never shows a key in full")


def check_01_create():
    # Lines for the phone filter: the account's own lines if it has two, else the contract's
    # example numbers (the filter is a plain E.164 list; no rule ties it to account lines).
    phones = ["+12025551234", "+12025559876"]
    try:
        lines = [p.phone_number for p in A.phone_numbers.list().phone_numbers]
        if len(lines) >= 2:
            phones = lines[:2]
    except Exception as e:  # noqa: BLE001  (reported by check_09)
        note(f"phone_numbers.list failed during setup: {e}")
    events = ["message.sent", "message.received", "message.delivered"]
    url = new_url("main")
    raw = A.webhook_subscriptions.with_raw_response.create(
        target_url=url, subscribed_events=events, phone_numbers=phones
    )
    expect(200 <= raw.status_code < 300, f"create status {raw.status_code}")
    if raw.status_code != 201:
        note(f"create answered {raw.status_code} (contract §10 suggests 201, 200 tolerated)")
    check_trace_header(raw)
    s = raw.parse()
    expect(isinstance(s, linq.types.WebhookSubscriptionCreateResponse), f"parsed type {type(s)}")
    expect(UUID_RE.match(s.id) is not None, f"id not a lowercase UUID: {s.id!r}")
    eq(s.is_active, True, "is_active")
    eq(s.target_url, url, "target_url")
    eq(list(s.subscribed_events), events, "subscribed_events")
    eq(s.phone_numbers, phones, "phone_numbers")
    eq(s.routing_key_header, None, "routing_key_header")
    eq(s.routing_id_header, None, "routing_id_header")
    eq(s.created_at, s.updated_at, "created_at == updated_at on create")
    expect(isinstance(s.created_at, datetime) and s.created_at.tzinfo is not None, "created_at tz-aware")
    expect(s.signing_secret.startswith("whsec_"), f"signing_secret prefix: {s.signing_secret[:10]!r}")
    try:
        key = base64.b64decode(s.signing_secret[len("whsec_"):], validate=True)
    except Exception as e:  # noqa: BLE001
        raise CheckFailed(f"signing_secret is not standard base64 after whsec_: {e}")
    eq(len(key), 32, "signing key length (bytes)")
    state.update(id=s.id, url=url, events=events, phones=phones, secret=s.signing_secret, created=s)


def check_02_list():
    raw = A.webhook_subscriptions.with_raw_response.list()
    check_trace_header(raw)
    body = raw.json()
    expect(isinstance(body, dict) and isinstance(body.get("subscriptions"), list), "list wrapper `subscriptions`")
    lst = raw.parse()
    mine = [s for s in lst.subscriptions if s.id == state["id"]]
    eq(len(mine), 1, "occurrences of the new subscription in list")
    raw_mine = [s for s in body["subscriptions"] if s.get("id") == state["id"]][0]
    expect("signing_secret" not in raw_mine, "list must not return signing_secret")
    for s in body["subscriptions"]:
        expect("signing_secret" not in s, f"list leaks signing_secret of {s.get('id')}")
    eq(sub_fields(mine[0]), sub_fields(state["created"]), "listed fields vs create response")


def check_03_retrieve():
    raw = A.webhook_subscriptions.with_raw_response.retrieve(state["id"])
    check_trace_header(raw)
    expect("signing_secret" not in raw.json(), "retrieve must not return signing_secret")
    s = raw.parse()
    expect(isinstance(s, linq.types.WebhookSubscription), f"parsed type {type(s)}")
    eq(sub_fields(s), sub_fields(state["created"]), "retrieved fields vs create response")
    state["current"] = s


def check_04_update_pause():
    before = state["current"]
    time.sleep(1.1)  # timestamps may have whole-second resolution
    raw = A.webhook_subscriptions.with_raw_response.update(state["id"], is_active=False)
    eq(raw.status_code, 200, "update status")
    expect("signing_secret" not in raw.json(), "update must not return signing_secret")
    s = raw.parse()
    eq(s.is_active, False, "is_active")
    eq(s.created_at, before.created_at, "created_at")
    expect(s.updated_at > before.updated_at, f"updated_at not later: {before.updated_at} -> {s.updated_at}")
    a, b = sub_fields(before), sub_fields(s)
    for k in ("is_active", "updated_at"):
        a.pop(k), b.pop(k)
    eq(b, a, "fields other than is_active/updated_at")
    eq(sub_fields(A.webhook_subscriptions.retrieve(state["id"])), sub_fields(s), "retrieve after update")
    state["current"] = s


def check_05_update_events():
    before = state["current"]
    events = ["message.read", "reaction.added", "webhook_subscription.disabled", "poll.vote.added"]
    s = A.webhook_subscriptions.update(state["id"], subscribed_events=events)
    eq(list(s.subscribed_events), events, "subscribed_events replaced (order kept)")
    eq(s.phone_numbers, state["phones"], "phone filter intact")
    eq(s.is_active, False, "is_active intact (still paused)")
    eq(s.target_url, state["url"], "target_url intact")
    eq(s.created_at, before.created_at, "created_at")
    state["events"] = events
    state["current"] = s


def check_06_update_phone_filter():
    new = ["+447700900123", "+12025550199", "+33612345678"]
    s = A.webhook_subscriptions.update(state["id"], phone_numbers=new)
    eq(s.phone_numbers, new, "phone_numbers replaced")
    eq(list(s.subscribed_events), state["events"], "events intact")
    # Explicit None: the SDK serialises it as JSON null (verified: body {"phone_numbers":null}).
    s = A.webhook_subscriptions.update(state["id"], phone_numbers=None)
    expect(s.phone_numbers in (None, []), f"filter not cleared by null: {s.phone_numbers!r}")
    eq(list(s.subscribed_events), state["events"], "events intact after clear")
    r = A.webhook_subscriptions.retrieve(state["id"])
    expect(r.phone_numbers in (None, []), f"retrieve after null-clear: {r.phone_numbers!r}")
    # [] also clears (contract §4.2).
    A.webhook_subscriptions.update(state["id"], phone_numbers=new[:1])
    s = A.webhook_subscriptions.update(state["id"], phone_numbers=[])
    expect(s.phone_numbers in (None, []), f"filter not cleared by []: {s.phone_numbers!r}")
    state["current"] = s


def check_07_routing_headers():
    sid = state["id"]
    s = A.webhook_subscriptions.update(sid, routing_key_header="X-Linq-Route")
    eq(s.routing_key_header, "X-Linq-Route", "routing_key_header set")
    eq(s.routing_id_header, "Linq-Chat-Id", "routing_id_header default with affinity on")
    s = A.webhook_subscriptions.update(sid, routing_id_header="X-Chat-Ref")
    eq(s.routing_key_header, "X-Linq-Route", "routing_key_header kept when only id header changes")
    eq(s.routing_id_header, "X-Chat-Ref", "custom routing_id_header")
    s = A.webhook_subscriptions.update(sid, routing_id_header=None)
    eq(s.routing_id_header, "Linq-Chat-Id", "routing_id_header null reverts to default")
    eq(s.routing_key_header, "X-Linq-Route", "routing_key_header kept")
    s = A.webhook_subscriptions.update(sid, routing_key_header=None)
    eq(s.routing_key_header, None, "routing_key_header cleared by null")
    eq(s.routing_id_header, None, "routing_id_header with affinity off")
    eq(list(s.subscribed_events), state["events"], "events intact")
    eq(s.target_url, state["url"], "target_url intact")
    # "" behaves like null (contract §4.2)
    A.webhook_subscriptions.update(sid, routing_key_header="X-Linq-Route")
    s = A.webhook_subscriptions.update(sid, routing_key_header="")
    eq((s.routing_key_header, s.routing_id_header), (None, None), "routing headers after key \"\"")
    # create with routing headers
    c = A.webhook_subscriptions.create(
        target_url=new_url("routing"), subscribed_events=["message.sent"], routing_key_header="X-Route"
    )
    eq((c.routing_key_header, c.routing_id_header), ("X-Route", "Linq-Chat-Id"), "routing headers on create")
    A.webhook_subscriptions.delete(c.id)


def check_08_webhook_events():
    raw = A.webhook_events.with_raw_response.list()
    check_trace_header(raw)
    body = raw.json()
    expect(isinstance(body.get("doc_url"), str), f"doc_url not a string: {body.get('doc_url')!r}")
    ev = raw.parse()  # strict: doc_url must be the 0.65.0 literal, every event a known type
    eq(ev.doc_url, EVENTS_DOC_URL, "doc_url")
    eq(len(ev.events), 75, "number of event types")
    eq(len(set(ev.events)), 75, "distinct event types")
    eq(set(ev.events), set(SDK_EVENT_TYPES), "event types vs SDK WebhookEventType")
    if list(ev.events) != SDK_EVENT_TYPES:
        note("event order differs from the SDK's WebhookEventType order")


def check_09_phone_numbers():
    raw = A.phone_numbers.with_raw_response.list()
    check_trace_header(raw)
    pn = raw.parse()
    for p in pn.phone_numbers:
        expect(UUID_RE.match(p.id) is not None, f"line id not a UUID: {p.id!r}")
        expect(E164_RE.match(p.phone_number) is not None, f"phone_number not E.164: {p.phone_number!r}")
        expect(p.forwarding_number is None or E164_RE.match(p.forwarding_number) is not None,
               f"forwarding_number: {p.forwarding_number!r}")
        expect(isinstance(p.reputation.doc_url, str), "reputation.doc_url")
    raw_lines = raw.json()["phone_numbers"]
    for p in raw_lines:
        expect("health_status" not in p, "deprecated health_status present (gone in 0.65.0)")
    if not pn.phone_numbers:
        note("account has no lines (--no-seed?); only the wrapper was validated")
    else:
        note(f"{len(pn.phone_numbers)} line(s): " + ", ".join(p.phone_number for p in pn.phone_numbers))


def check_10_delete():
    sid = state["id"]
    raw = A.webhook_subscriptions.with_raw_response.delete(sid)
    expect(200 <= raw.status_code < 300, f"delete status {raw.status_code}")
    if raw.status_code != 204:
        note(f"delete answered {raw.status_code} (contract: 204 expected)")
    if raw.status_code == 204:
        eq(raw.read(), b"", "204 body")
    check_trace_header(raw)
    eq(raw.parse(), None, "delete return value")
    exc = expect_api_error(lambda: A.webhook_subscriptions.retrieve(sid), 404, 2010)
    eq(exc.body.get("status"), 404, "error.status")
    expect_api_error(lambda: A.webhook_subscriptions.delete(sid), 404, 2010)
    expect_api_error(lambda: A.webhook_subscriptions.update(sid, is_active=True), 404, 2010)
    ids = [s.id for s in A.webhook_subscriptions.list().subscriptions]
    expect(sid not in ids, "deleted subscription still listed")


def check_11a_wrong_api_key():
    bad = client("definitely-not-a-key")
    expect_api_error(lambda: bad.webhook_subscriptions.list(), 401, 2004)
    expect_api_error(lambda: bad.webhook_events.list(), 401, 2004)
    # no bearer at all (header removed through the SDK's Omit sentinel)
    expect_api_error(
        lambda: A.webhook_subscriptions.list(extra_headers={"Authorization": linq.omit}), 401, 2004
    )


def check_11b_non_https_url():
    exc = expect_api_error(
        lambda: A.webhook_subscriptions.create(
            target_url="http://webhooks.example.com/plain", subscribed_events=["message.sent"]
        ),
        400,
    )
    note(f"non-https URL -> code {exc.code} ({exc.body.get('message')!r})")


def check_11c_unknown_event_type():
    exc = expect_api_error(
        lambda: A.webhook_subscriptions.create(
            target_url=new_url("unknown-event"), subscribed_events=["message.sent", "message.teleported"]
        ),
        400,
    )
    note(f"unknown event -> code {exc.code} ({exc.body.get('message')!r})")


def check_11d_non_e164_phone():
    expect_api_error(
        lambda: A.webhook_subscriptions.create(
            target_url=new_url("bad-phone"), subscribed_events=["message.sent"], phone_numbers=["202-555-1234"]
        ),
        400,
        1002,
    )
    s = A.webhook_subscriptions.create(target_url=new_url("bad-phone-upd"), subscribed_events=["message.sent"])
    try:
        expect_api_error(lambda: A.webhook_subscriptions.update(s.id, phone_numbers=["12025551234"]), 400, 1002)
        eq(A.webhook_subscriptions.retrieve(s.id).phone_numbers in (None, []), True, "filter unchanged after 400")
    finally:
        A.webhook_subscriptions.delete(s.id)


def check_11e_duplicate_target_url():
    url = new_url("dup")
    s = A.webhook_subscriptions.create(target_url=url, subscribed_events=["message.sent"])
    try:
        try:
            A.webhook_subscriptions.create(target_url=url, subscribed_events=["message.received"])
        except linq.APIStatusError as exc:
            status = exc.status_code
            expect(status in STATUS_CLASS, f"unexpected status {status} for duplicate URL")
        else:
            raise CheckFailed("duplicate target_url was accepted")
        exc = expect_api_error(
            lambda: A.webhook_subscriptions.create(target_url=url, subscribed_events=["message.received"]), status
        )
        note(f"duplicate target_url -> {status} {type(exc).__name__} code {exc.code}")
        if status != 409:
            note("contract §5.3 leaves this open (409/2015 or 400/1005); 409 is what the brief expects")
        # update of another subscription onto the taken URL hits the same rule
        other = A.webhook_subscriptions.create(target_url=new_url("dup-other"), subscribed_events=["message.sent"])
        try:
            expect_api_error(lambda: A.webhook_subscriptions.update(other.id, target_url=url), status)
            # a no-op update to its own URL is not a duplicate
            A.webhook_subscriptions.update(s.id, target_url=url)
        finally:
            A.webhook_subscriptions.delete(other.id)
        eq(len([x for x in A.webhook_subscriptions.list().subscriptions if x.target_url == url]), 1, "copies of URL")
    finally:
        A.webhook_subscriptions.delete(s.id)


def check_11f_missing_fields():
    # The SDK's create() requires both fields, so send the bodies through the client's own
    # request method (same auth, headers and error mapping).
    path = "/v3/webhook-subscriptions"
    expect_api_error(lambda: A.post(path, body={"target_url": new_url("missing")}, cast_to=object), 400, 1001)
    expect_api_error(lambda: A.post(path, body={"subscribed_events": ["message.sent"]}, cast_to=object), 400, 1001)


def check_11g_malformed_json():
    expect_api_error(
        lambda: A.post(
            "/v3/webhook-subscriptions",
            content=b'{"target_url": "https://x.example.com/h", "subscribed_events": [',
            cast_to=object,
        ),
        400,
        1003,
    )


def check_12_accounts_isolated():
    url = new_url("iso")
    s = A.webhook_subscriptions.create(target_url=url, subscribed_events=["message.sent"])
    try:
        ids_b = [x.id for x in B.webhook_subscriptions.list().subscriptions]
        expect(s.id not in ids_b, "key b lists key a's subscription")
        expect_api_error(lambda: B.webhook_subscriptions.retrieve(s.id), 404, 2010)
        expect_api_error(lambda: B.webhook_subscriptions.update(s.id, is_active=False), 404, 2010)
        expect_api_error(lambda: B.webhook_subscriptions.delete(s.id), 404, 2010)
        eq(A.webhook_subscriptions.retrieve(s.id).is_active, True, "a's subscription untouched by b")
        # uniqueness is per account: b may use the same URL
        sb = B.webhook_subscriptions.create(target_url=url, subscribed_events=["message.read"])
        expect(sb.id != s.id, "b got a's id")
        ids_a = [x.id for x in A.webhook_subscriptions.list().subscriptions]
        expect(sb.id not in ids_a, "key a lists key b's subscription")
        B.webhook_subscriptions.delete(sb.id)
    finally:
        A.webhook_subscriptions.delete(s.id)


CHECKS = [
    check_00_banner,
    check_01_create,
    check_02_list,
    check_03_retrieve,
    check_04_update_pause,
    check_05_update_events,
    check_06_update_phone_filter,
    check_07_routing_headers,
    check_08_webhook_events,
    check_09_phone_numbers,
    check_10_delete,
    check_11a_wrong_api_key,
    check_11b_non_https_url,
    check_11c_unknown_event_type,
    check_11d_non_e164_phone,
    check_11e_duplicate_target_url,
    check_11f_missing_fields,
    check_11g_malformed_json,
    check_12_accounts_isolated,
]
# checks that need the subscription made by check_01
NEEDS_CREATE = {check_02_list, check_03_retrieve, check_04_update_pause, check_05_update_events,
                check_06_update_phone_filter, check_07_routing_headers, check_10_delete}


def main() -> int:
    global A, B
    if not BASE_URL:
        print("usage: check.py BASE_URL (or set SDK_COMPAT_BASE_URL)", file=sys.stderr)
        return 2
    eq_version = linq.__version__ == SDK_VERSION
    print(f"linq-python {linq.__version__} against {BASE_URL}")
    if not eq_version:
        print(f"warning: expected linq-python {SDK_VERSION}")
    A, B = client(KEY_A), client(KEY_B)
    passed = failed = 0
    for fn in CHECKS:
        name = fn.__name__[len("check_"):]
        t0 = time.monotonic()
        try:
            if fn in NEEDS_CREATE and "id" not in state:
                raise CheckFailed("skipped: create failed")
            raw_violations.clear()
            fn()
            if raw_violations:
                raise CheckFailed("raw JSON types: " + "; ".join(raw_violations[:5]))
        except CheckFailed as e:
            failed += 1
            print(f"FAIL {name}: {e}")
        except linq.APIStatusError as e:
            failed += 1
            print(f"FAIL {name}: unexpected {type(e).__name__} {e.status_code}: {e.response.text[:300]}")
        except linq.APIResponseValidationError as e:
            failed += 1
            cause = e.__cause__
            detail = str(cause).replace("\n", "; ")[:600] if cause else e.message
            print(f"FAIL {name}: strict validation rejected {e.response.request.method} "
                  f"{e.response.request.url.path} ({e.status_code}): {detail}; body={str(e.body)[:300]}")
        except Exception as e:  # noqa: BLE001
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            traceback.print_exc(limit=3, file=sys.stdout)
        else:
            passed += 1
            print(f"ok   {name} ({(time.monotonic() - t0) * 1000:.0f} ms)")
        for n in notes:
            print(f"       note: {n}")
        notes.clear()
    counts = os.environ.get("SDK_COMPAT_COUNTS")
    if counts:
        with open(counts, "w") as f:
            f.write(f"{passed} {failed}\n")
    else:
        print(f"sdk-compat: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
