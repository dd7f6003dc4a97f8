//! The demo account's delivery stories, so the seeded sandbox shows evidence out of the
//! box: a past week of stored attempts (written once, when the account is seeded: no
//! background traffic), and an in-process receiver on 127.0.0.1 that answers test events
//! (`t`) the way each demo subscription's story says — instead of failing DNS on
//! `.example` for 25 minutes.
//!
//! Stories, by the demo target's host: `ops.` answers 401 since yesterday (dropped);
//! `support.…/linq/webhooks?version=2026-02-03` had a 503 outage three days ago and
//! recovered; `polls.` times out (slow before that); every other one answers 2xx, with
//! the odd 500 retried once.

use super::deliver::schedule::{retry_delay, MAX_RETRIES};
use super::model::{Millis, Subscription};
use super::store::StoreError;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use rusqlite::{params, Transaction};
use std::net::SocketAddr;
use std::time::Duration;

/// The demo account's domain (`assets/seed.json`).
pub(crate) const DEMO_DOMAIN: &str = ".acme-outfitters.example";

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

/// How a demo endpoint behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Story {
    Healthy,
    /// Answers 401 since yesterday: every delivery is dropped.
    Unauthorized,
    /// A 503 outage three days ago, then fine again.
    Recovered,
    /// Never answers in time (slow before that).
    TimesOut,
}

fn host(target_url: &str) -> Option<String> {
    url::Url::parse(target_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
}

/// The story of a demo target, `None` for any other URL.
pub(crate) fn story(target_url: &str) -> Option<Story> {
    let host = host(target_url)?;
    if !host.ends_with(DEMO_DOMAIN) {
        return None;
    }
    Some(if host.starts_with("ops.") {
        Story::Unauthorized
    } else if host.starts_with("polls.") {
        Story::TimesOut
    } else if host.starts_with("support.") && !target_url.contains("line=rcs") {
        Story::Recovered
    } else {
        Story::Healthy
    })
}

/// A small deterministic generator (the history is the same shape on every machine).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }
}

/// One attempt of a demo delivery: status or error, latency.
struct Answer {
    status: Option<u16>,
    error: Option<&'static str>,
    latency_ms: u64,
}

/// What the story's endpoint answered at `at` (ms), before `now`.
fn answer_at(story: Story, at: Millis, now: Millis, random: &mut Lcg) -> Answer {
    let ok = |latency_ms| Answer {
        status: Some(200),
        error: None,
        latency_ms,
    };
    match story {
        Story::Healthy if random.between(0, 99) < 3 => Answer {
            status: Some(500),
            error: None,
            latency_ms: random.between(20, 90),
        },
        Story::Healthy => ok(random.between(60, 420)),
        Story::Unauthorized if at > now - DAY - 2 * HOUR => Answer {
            status: Some(401),
            error: None,
            latency_ms: random.between(15, 40),
        },
        Story::Unauthorized => ok(random.between(50, 200)),
        Story::Recovered if (now - 3 * DAY..now - 3 * DAY + 3 * HOUR).contains(&at) => Answer {
            status: Some(503),
            error: None,
            latency_ms: random.between(5, 30),
        },
        Story::Recovered => ok(random.between(80, 300)),
        Story::TimesOut if at > now - 2 * DAY => Answer {
            status: None,
            error: Some("timed out after 10 s without an answer"),
            latency_ms: 10_000,
        },
        Story::TimesOut => ok(random.between(5_200, 8_900)),
    }
}

/// Writes the demo account's past week of deliveries for its active subscriptions:
/// events every 40–160 minutes, each attempted as its story says, retried on the
/// sandbox's own schedule (linq-api.md §8.7).
pub(crate) fn insert_history(
    tx: &Transaction<'_>,
    account: &str,
    subscriptions: &[&Subscription],
    now: Millis,
) -> Result<(), StoreError> {
    let mut random = Lcg(0x5eed_1234_abcd_0042);
    let mut event = tx.prepare_cached(
        "INSERT INTO events (id, account_id, event_type, chat_id, created_at)
         VALUES (?1, ?2, ?3, NULL, ?4)",
    )?;
    let mut delivery = tx.prepare_cached(
        "INSERT INTO deliveries (id, account_id, event_id, subscription_id, webhook_version,
             target_url, state, attempts, next_attempt_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9)",
    )?;
    let mut attempt_row = tx.prepare_cached(
        "INSERT INTO delivery_attempts (delivery_id, account_id, subscription_id, event_id,
             event_type, attempt, attempted_at, destination, status, error, latency_ms,
             response_snippet, outcome, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULL)",
    )?;
    for sub in subscriptions.iter().filter(|s| s.is_active) {
        let Some(story) = story(&sub.target_url) else {
            continue;
        };
        let version = crate::payload::version_of(&sub.target_url);
        let mut at = now - 7 * DAY + random.between(0, 60) as Millis * 60_000;
        let mut n = 0usize;
        while at < now - 10 * 60_000 {
            let event_type = &sub.subscribed_events[n % sub.subscribed_events.len().max(1)];
            n += 1;
            let event_id = uuid::Uuid::new_v4().to_string();
            let delivery_id = uuid::Uuid::new_v4().to_string();
            event.execute(params![event_id, account, event_type, at])?;
            // The attempts first, then the delivery row with where they ended.
            let mut attempts: Vec<(Millis, Answer, &str)> = Vec::new();
            let mut when = at;
            let state = loop {
                let number = attempts.len() as u32 + 1;
                let answer = answer_at(story, when, now, &mut random);
                let (outcome, state) = match answer.status {
                    Some(200..=299) => ("delivered", Some("delivered")),
                    Some(code) if code != 429 && code < 500 => ("dropped", Some("dropped")),
                    _ if number > MAX_RETRIES => ("exhausted", Some("failed")),
                    _ => ("retrying", None),
                };
                let latency = answer.latency_ms as Millis;
                attempts.push((when, answer, outcome));
                if let Some(state) = state {
                    break state;
                }
                let unit = random.between(0, 999) as f64 / 1000.0;
                let delay = retry_delay(number, 1.0, unit).unwrap_or(Duration::ZERO);
                when += latency + delay.as_millis() as Millis;
            };
            delivery.execute(params![
                delivery_id,
                account,
                event_id,
                sub.id,
                version,
                sub.target_url,
                state,
                attempts.len() as i64,
                at
            ])?;
            for (number, (when, answer, outcome)) in attempts.iter().enumerate() {
                let snippet = answer.status.map(|code| match code {
                    200 => "{\"ok\":true}",
                    401 => "{\"error\":\"invalid signature\"}",
                    _ => "upstream unavailable",
                });
                attempt_row.execute(params![
                    delivery_id,
                    account,
                    sub.id,
                    event_id,
                    event_type,
                    number as i64 + 1,
                    when,
                    sub.target_url,
                    answer.status,
                    answer.error,
                    answer.latency_ms as i64,
                    snippet,
                    outcome,
                ])?;
            }
            at += random.between(40, 160) as Millis * 60_000;
        }
    }
    Ok(())
}

/// The in-process receiver `t` delivers demo events to. Started with the worker; idle
/// costs nothing (a listener waiting for a connection).
pub(crate) struct DemoReceiver {
    pub(crate) url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for DemoReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl DemoReceiver {
    /// Binds 127.0.0.1:0 and serves; call within the runtime.
    pub(crate) fn start() -> std::io::Result<DemoReceiver> {
        let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(listener)?;
        let addr = listener.local_addr()?;
        let app = axum::Router::new().fallback(receive);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(DemoReceiver {
            url: format!("http://{addr}/demo"),
            task,
        })
    }
}

/// Answers as the story of the delivery's real target (the sandbox's target header).
async fn receive(headers: HeaderMap) -> axum::response::Response {
    let target = headers
        .get(super::TARGET_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match story(target) {
        Some(Story::Unauthorized) => (
            StatusCode::UNAUTHORIZED,
            "{\"error\":\"invalid signature\"}",
        )
            .into_response(),
        Some(Story::TimesOut) => {
            // Longer than the sandbox waits: the attempt times out, as the story says.
            tokio::time::sleep(super::deliver::TIMEOUT + Duration::from_secs(2)).await;
            (StatusCode::OK, "{\"ok\":true}").into_response()
        }
        Some(_) => (StatusCode::OK, "{\"ok\":true}").into_response(),
        None => (StatusCode::NOT_FOUND, "not a demo target").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_targets_have_stories() {
        let s = |url: &str| story(url);
        assert_eq!(
            s("https://ops.acme-outfitters.example/linq/audit"),
            Some(Story::Unauthorized)
        );
        assert_eq!(
            s("https://polls.acme-outfitters.example/linq?version=2026-02-03"),
            Some(Story::TimesOut)
        );
        assert_eq!(
            s("https://support.acme-outfitters.example/linq/webhooks?version=2026-02-03"),
            Some(Story::Recovered)
        );
        assert_eq!(
            s("https://crm.acme-outfitters.example/integrations/linq/events"),
            Some(Story::Healthy)
        );
        assert_eq!(s("https://hooks.example.com/h"), None);
        assert_eq!(s("https://evil.example/?x=.acme-outfitters.example"), None);
    }
}
