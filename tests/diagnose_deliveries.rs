//! Findings from delivery-log fixtures (linq-api.md §12): each rule fires on the log that
//! shows it and stays quiet on a healthy one.

use linq_hooks::diagnose::{delivery_findings, Finding, Severity, CODES};
use linq_hooks::evidence::logs::{parse_page, LogEntry};
use serde_json::{json, Value};
use time::macros::datetime;
use time::OffsetDateTime;

const NOW: OffsetDateTime = datetime!(2026-04-07 18:00 UTC);

/// One attempt `minutes` before NOW.
fn attempt(event: &str, n: u32, status: &str, code: u16, minutes: i64) -> Value {
    let at = NOW - time::Duration::minutes(minutes);
    let stamp = at
        .format(&time::format_description::well_known::Rfc3339)
        .expect("format");
    let mut v = json!({
        "event_id": event,
        "webhook_event_type": "message.received",
        "target_url": "https://hooks.example.com/h",
        "http_status_code": code,
        "duration_ms": 120,
        "timestamp": stamp,
        "status": status,
        "attempt": n,
        "max_attempts": 10,
        "subscription_id": "b8a2c0de-1111-4222-8333-944455556666",
    });
    if code == 0 {
        v["error_type"] = json!("timeout");
        v["error_message"] = json!("timed out after 10 s");
    }
    v
}

/// Parses a fixture log (newest first) the way the client does.
fn log(entries: Vec<Value>) -> Vec<LogEntry> {
    let body = serde_json::to_vec(&json!({"webhook_logs": entries})).expect("json");
    parse_page(&body)
        .expect("fixture parses")
        .entries
        .into_iter()
        .map(|e| e.entry)
        .collect()
}

fn codes(found: &[Finding]) -> Vec<&'static str> {
    found.iter().map(|f| f.code).collect()
}

fn by_code<'a>(found: &'a [Finding], code: &str) -> &'a Finding {
    found
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {found:#?}"))
}

fn assert_well_formed(found: &[Finding]) {
    for f in found {
        assert!(CODES.contains(&f.code), "{}", f.code);
        assert!(f.message.ends_with('.') && f.fix.ends_with('.'), "{f:?}");
        assert!(!f.message.contains('\n'));
    }
}

#[test]
fn a_healthy_log_has_no_findings() {
    let entries = (0..20)
        .map(|i| attempt(&format!("ev{i}"), 1, "success", 200, i * 10))
        .collect();
    assert!(delivery_findings(&log(entries), NOW).is_empty());
    assert!(delivery_findings(&[], NOW).is_empty());
}

#[test]
fn a_401_receiver_drops_events() {
    let mut entries: Vec<Value> = (0..6)
        .map(|i| attempt(&format!("ev{i}"), 1, "failed", 401, i * 5))
        .collect();
    entries.push(attempt("ev9", 1, "failed", 404, 40));
    entries.push(attempt("ev8", 1, "success", 200, 50));
    let found = delivery_findings(&log(entries), NOW);
    assert_well_formed(&found);
    let dropped = by_code(&found, "dropped-4xx");
    assert_eq!(dropped.severity, Severity::Error);
    assert!(
        dropped.message.contains("401 (6), 404 (1)")
            && dropped.message.contains("7 events are lost"),
        "{}",
        dropped.message
    );
    let failing = by_code(&found, "deliveries-failing");
    assert!(
        failing.message.contains("The last 7 attempts all failed"),
        "{}",
        failing.message
    );
    assert!(
        failing.message.contains("mostly 401"),
        "{}",
        failing.message
    );
    assert!(
        failing.message.contains("since 2026-04-07 17:20 UTC"),
        "{}",
        failing.message
    );
    // A 4xx drop is not running out of attempts, and nothing is retrying.
    assert!(!codes(&found).contains(&"exhausted"));
    assert!(!codes(&found).contains(&"retrying"));
    assert_eq!(found[0].severity, Severity::Error, "worst first");
}

#[test]
fn a_429_is_retried_not_dropped() {
    let entries = vec![
        attempt("ev1", 2, "retrying", 429, 1),
        attempt("ev1", 1, "retrying", 429, 2),
        attempt("ev0", 1, "success", 200, 10),
    ];
    let found = delivery_findings(&log(entries), NOW);
    assert_eq!(codes(&found), ["retrying"]);
    let retrying = &found[0];
    assert_eq!(retrying.severity, Severity::Warning);
    assert!(
        retrying.message.contains("1 event is being retried now"),
        "{}",
        retrying.message
    );
    assert!(
        retrying.message.contains("latest answer 429, attempt 2"),
        "{}",
        retrying.message
    );
}

#[test]
fn an_old_retry_is_history_not_now() {
    let entries = vec![attempt("ev1", 1, "retrying", 503, 120)];
    assert!(delivery_findings(&log(entries), NOW).is_empty());
}

#[test]
fn an_outage_that_recovered_is_info() {
    let mut entries = vec![
        attempt("ev5", 1, "success", 200, 1),
        attempt("ev4", 4, "success", 200, 3),
    ];
    entries.extend(
        (1..=3)
            .rev()
            .map(|n| attempt("ev4", n, "retrying", 503, 20 - i64::from(n))),
    );
    entries.push(attempt("ev3", 1, "success", 200, 60));
    let found = delivery_findings(&log(entries), NOW);
    assert_eq!(codes(&found), ["recovered"]);
    assert_eq!(found[0].severity, Severity::Info);
    assert!(
        found[0]
            .message
            .contains("recovered at 2026-04-07 17:57 UTC after 3 failed attempts"),
        "{}",
        found[0].message
    );
}

#[test]
fn timeouts_that_run_out_are_exhausted_and_slow() {
    let mut entries: Vec<Value> = (1..=10)
        .rev()
        .map(|n| {
            let mut v = attempt(
                "ev1",
                n,
                if n == 10 { "failed" } else { "retrying" },
                0,
                100 - i64::from(n) * 5,
            );
            v["duration_ms"] = json!(10_000);
            v
        })
        .collect();
    entries.push(attempt("ev0", 1, "success", 200, 200));
    let found = delivery_findings(&log(entries), NOW);
    assert_well_formed(&found);
    let exhausted = by_code(&found, "exhausted");
    assert!(
        exhausted.message.contains("1 event ran out of attempts"),
        "{}",
        exhausted.message
    );
    assert!(
        exhausted.message.contains("answered timeout"),
        "{}",
        exhausted.message
    );
    let failing = by_code(&found, "deliveries-failing");
    assert!(
        failing.message.contains("mostly timeout"),
        "{}",
        failing.message
    );
    let slow = by_code(&found, "slow-endpoint");
    assert!(slow.message.contains("10.0 s"), "{}", slow.message);
    assert!(
        !codes(&found).contains(&"retrying"),
        "the event has failed for good"
    );
    assert!(!codes(&found).contains(&"dropped-4xx"));
}

#[test]
fn a_fast_median_is_not_slow() {
    let mut entries: Vec<Value> = (0..5)
        .map(|i| attempt(&format!("ev{i}"), 1, "success", 200, i))
        .collect();
    entries[0]["duration_ms"] = json!(9_000);
    entries[1]["duration_ms"] = json!(8_000);
    assert!(delivery_findings(&log(entries), NOW).is_empty());
}

#[test]
fn fewer_than_five_failures_are_not_failing() {
    let entries = (0..4)
        .map(|i| attempt(&format!("ev{i}"), 1, "failed", 410, i))
        .collect();
    let found = delivery_findings(&log(entries), NOW);
    assert_eq!(codes(&found), ["dropped-4xx"]);
}
