//! Findings from Linq's delivery log (linq-api.md §12): what the attempts actually got
//! back. Pure: the log (newest first, as the API sends it) and the current time in, the
//! findings out — the dashboard and `doctor` word them the same.

use super::wording::plural;
use super::{finding, sort, Finding, Severity};
use crate::evidence::logs::{AttemptStatus, LogEntry};
use std::collections::{BTreeMap, HashMap};
use time::{Duration, OffsetDateTime};

/// `deliveries-failing` needs at least this many failed attempts in a row, newest first.
pub const FAILING_STREAK: usize = 5;
/// `slow-endpoint`: a median over this (Linq waits 10 s), with at least
/// [`SLOW_SAMPLES`] timed attempts.
pub const SLOW_MEDIAN_MS: u64 = 5_000;
const SLOW_SAMPLES: usize = 3;
/// Retries run for about 25 minutes: a retrying attempt older than this is history.
const RETRY_WINDOW: Duration = Duration::minutes(30);

/// The findings of a subscription's recent attempts (`log`, newest first), worst first.
/// An empty log has none.
pub fn delivery_findings(log: &[LogEntry], now: OffsetDateTime) -> Vec<Finding> {
    let mut out = Vec::new();
    dropped(log, &mut out);
    failing(log, &mut out);
    exhausted(log, &mut out);
    retrying(log, now, &mut out);
    slow(log, &mut out);
    recovered(log, &mut out);
    sort(&mut out);
    out
}

/// A 4xx other than 429: Linq drops the event after that one attempt.
fn is_dropping(entry: &LogEntry) -> bool {
    entry
        .http_status
        .is_some_and(|code| (400..500).contains(&code) && code != 429)
}

/// What an attempt got: its HTTP code, or why no answer came.
fn answer(entry: &LogEntry) -> String {
    match (entry.http_status, &entry.error_type) {
        (Some(code), _) => code.to_string(),
        (None, Some(kind)) if !kind.is_empty() => super::wording::shown(kind).into_owned(),
        _ => "no answer".to_owned(),
    }
}

/// `401 (12), 404 (1)`: the answers of `entries`, most frequent first.
fn tally<'a>(entries: impl Iterator<Item = &'a LogEntry>) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for entry in entries {
        *counts.entry(answer(entry)).or_default() += 1;
    }
    let mut counts: Vec<(String, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts
}

fn stamp(t: Option<OffsetDateTime>) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .unwrap_or_else(|| "an unknown time".into())
}

fn dropped(log: &[LogEntry], out: &mut Vec<Finding>) {
    let dropped: Vec<&LogEntry> = log.iter().filter(|e| is_dropping(e)).collect();
    if dropped.is_empty() {
        return;
    }
    let codes = tally(dropped.iter().copied());
    let listed: Vec<String> = codes
        .iter()
        .map(|(code, n)| format!("{code} ({n})"))
        .collect();
    let events = distinct_events(dropped.iter().copied());
    out.push(finding(
        Severity::Error,
        "dropped-4xx",
        format!(
            "{} of the last {} {} answered {}: Linq does not retry a 4xx, so {events} {} lost.",
            dropped.len(),
            log.len(),
            plural(log.len(), "attempt was", "attempts were"),
            listed.join(", "),
            plural(events, "event is", "events are"),
        ),
        "Make the endpoint answer 2xx to Linq's signed POSTs (check its auth and route), then resend what was lost.",
    ));
}

fn distinct_events<'a>(entries: impl Iterator<Item = &'a LogEntry>) -> usize {
    let mut seen: Vec<&str> = entries.map(|e| e.event_id.as_str()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

/// The newest attempts that failed in a row (up to the newest success).
fn failed_streak(log: &[LogEntry]) -> &[LogEntry] {
    let end = log
        .iter()
        .position(|e| !e.status.is_failure())
        .unwrap_or(log.len());
    &log[..end]
}

fn failing(log: &[LogEntry], out: &mut Vec<Finding>) {
    let streak = failed_streak(log);
    if streak.len() < FAILING_STREAK {
        return;
    }
    let (dominant, _) = tally(streak.iter())
        .into_iter()
        .next()
        .unwrap_or_else(|| ("no answer".into(), 0));
    let whole = if streak.len() == log.len() {
        " (every attempt in the log)"
    } else {
        ""
    };
    out.push(finding(
        Severity::Error,
        "deliveries-failing",
        format!(
            "The last {} attempts all failed{whole}, mostly {dominant}, since {}.",
            streak.len(),
            stamp(streak.last().and_then(|e| e.timestamp)),
        ),
        "Fix the endpoint (its logs show why it answers so), or pause the subscription until it is back.",
    ));
}

/// An event that failed for good on something worth retrying: out of attempts.
fn exhausted(log: &[LogEntry], out: &mut Vec<Finding>) {
    let mut events: Vec<&LogEntry> = log
        .iter()
        .filter(|e| e.status == AttemptStatus::Failed && !is_dropping(e))
        .filter(|e| e.max_attempts.is_none_or(|max| e.attempt >= max))
        .collect();
    events.sort_by(|a, b| a.event_id.cmp(&b.event_id));
    events.dedup_by(|a, b| a.event_id == b.event_id);
    let Some(newest) = log
        .iter()
        .find(|e| events.iter().any(|x| x.event_id == e.event_id))
    else {
        return;
    };
    let n = events.len();
    out.push(finding(
        Severity::Error,
        "exhausted",
        format!(
            "{n} {} ran out of attempts (the last at {}, answered {}): {} lost.",
            plural(n, "event", "events"),
            stamp(newest.timestamp),
            answer(newest),
            if n == 1 { "it is" } else { "they are" },
        ),
        "Fix the endpoint, then resend the lost events from your own records.",
    ));
}

/// Events whose newest attempt is a retry scheduled within the retry window.
fn retrying(log: &[LogEntry], now: OffsetDateTime, out: &mut Vec<Finding>) {
    let mut newest: HashMap<&str, &LogEntry> = HashMap::new();
    for entry in log {
        // Newest first: the first attempt seen of an event is its newest.
        newest.entry(entry.event_id.as_str()).or_insert(entry);
    }
    let mut now_retrying: Vec<&LogEntry> = newest
        .into_values()
        .filter(|e| e.status == AttemptStatus::Retrying)
        .filter(|e| e.timestamp.is_some_and(|t| now - t <= RETRY_WINDOW))
        .collect();
    if now_retrying.is_empty() {
        return;
    }
    now_retrying.sort_by_key(|e| std::cmp::Reverse(e.timestamp));
    let n = now_retrying.len();
    let latest = now_retrying[0];
    out.push(finding(
        Severity::Warning,
        "retrying",
        format!(
            "{n} {} being retried now (latest answer {}, attempt {}).",
            plural(n, "event is", "events are"),
            answer(latest),
            latest.attempt,
        ),
        "Linq retries for about 25 minutes: fix the endpoint before the attempts run out.",
    ));
}

fn slow(log: &[LogEntry], out: &mut Vec<Finding>) {
    let mut durations: Vec<u64> = log.iter().filter_map(|e| e.duration_ms).collect();
    if durations.len() < SLOW_SAMPLES {
        return;
    }
    durations.sort_unstable();
    let median = durations[durations.len() / 2];
    if median <= SLOW_MEDIAN_MS {
        return;
    }
    out.push(finding(
        Severity::Warning,
        "slow-endpoint",
        format!(
            "The endpoint takes {:.1} s to answer (median of {} attempts); Linq gives up after 10 s.",
            median as f64 / 1000.0,
            durations.len()
        ),
        "Answer 2xx at once and do the work afterwards (queue it).",
    ));
}

fn recovered(log: &[LogEntry], out: &mut Vec<Finding>) {
    let Some(first_failure) = log.iter().position(|e| e.status.is_failure()) else {
        return;
    };
    if first_failure == 0 {
        return;
    }
    // The successes since the newest failure: the oldest of them is the recovery.
    let back = &log[first_failure - 1];
    let failures = log[first_failure..]
        .iter()
        .take_while(|e| e.status.is_failure())
        .count();
    out.push(finding(
        Severity::Info,
        "recovered",
        format!(
            "Deliveries recovered at {} after {failures} failed {}.",
            stamp(back.timestamp),
            plural(failures, "attempt", "attempts"),
        ),
        "Nothing to do now; check that the events of the failed attempts arrived.",
    ));
}
