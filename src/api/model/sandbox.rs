//! Wire types of the sandbox's own endpoints (`/_sandbox/v1/...`): Linq's API has none of
//! them, so on a live account these calls fail with a 404.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// `POST /_sandbox/v1/events`: the event made and one delivery per subscription it goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestEvent {
    pub event_id: String,
    #[serde(default)]
    pub event_type: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Empty when no active subscription listens to the type on that line.
    #[serde(default)]
    pub deliveries: Vec<QueuedDelivery>,
}

/// A delivery queued for a test event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedDelivery {
    pub id: String,
    pub subscription_id: String,
    pub target_url: String,
    /// The payload version the subscription's URL asks for (`2025-01-01` or `2026-02-03`).
    #[serde(default)]
    pub webhook_version: Option<String>,
}

/// One delivery attempt from `GET /_sandbox/v1/deliveries` (newest first). Text fields
/// come from the server and a receiver: clean them (`text::clean`) before drawing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    /// Grows with every attempt the sandbox stores: a list whose first id is unchanged has
    /// no new attempts.
    pub id: i64,
    #[serde(default)]
    pub delivery_id: String,
    pub subscription_id: String,
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first attempt of a delivery, 2 for its first retry, …
    pub attempt: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub attempted_at: OffsetDateTime,
    /// The subscription's URL when the event was queued.
    #[serde(default)]
    pub target_url: String,
    /// Where the request went: the target, `--deliver-to` or a `listen` receiver.
    #[serde(default)]
    pub destination: String,
    /// The receiver's HTTP status; `None` when no answer came (see `error`).
    #[serde(default)]
    pub status: Option<u16>,
    /// Why there was no answer (timeout, connection refused, not sent).
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub latency_ms: u64,
    /// At most 1 KiB of the receiver's answer.
    #[serde(default)]
    pub response_snippet: Option<String>,
    /// `delivered`, `retrying`, `dropped`, `exhausted` or `cancelled` (kept as text:
    /// a newer sandbox may add values).
    pub outcome: String,
    /// The retry this attempt scheduled, while it is still ahead.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub next_attempt_at: Option<OffsetDateTime>,
    /// The delivery now: `pending`, `delivered`, `dropped`, `failed` or `cancelled`.
    #[serde(default)]
    pub delivery_state: String,
}

impl DeliveryAttempt {
    /// `HTTP 200`, or the error (cleaned of control characters), in one short line.
    pub fn result_text(&self) -> String {
        match (self.status, &self.error) {
            (Some(status), _) => format!("HTTP {status}"),
            (None, Some(error)) => crate::text::clean(error).into_owned(),
            (None, None) => "no answer".into(),
        }
    }

    pub fn is_delivered(&self) -> bool {
        self.outcome == "delivered"
    }
}

/// `{ "deliveries": [...] }`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryAttemptList {
    pub deliveries: Vec<DeliveryAttempt>,
}
