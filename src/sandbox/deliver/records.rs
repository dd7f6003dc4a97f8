//! What the sandbox-only endpoints read and write besides the queue: the delivery log,
//! a subscription's secret, and the receivers `listen` registers.

use super::super::model::{format_millis, Millis, Refusal};
use super::super::store::{Outcome, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use zeroize::Zeroizing;

/// One stored attempt, as `GET /_sandbox/v1/deliveries` sends it.
#[derive(Debug, Serialize)]
pub(crate) struct AttemptRow {
    pub(crate) id: i64,
    pub(crate) delivery_id: String,
    pub(crate) subscription_id: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) attempt: u32,
    #[serde(serialize_with = "millis")]
    pub(crate) attempted_at: Millis,
    pub(crate) target_url: String,
    pub(crate) destination: String,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<String>,
    pub(crate) latency_ms: u64,
    pub(crate) response_snippet: Option<String>,
    pub(crate) outcome: String,
    /// The retry this attempt scheduled, while it is still ahead.
    #[serde(serialize_with = "optional_millis")]
    pub(crate) next_attempt_at: Option<Millis>,
    pub(crate) delivery_state: String,
}

fn millis<S: serde::Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_millis(*ms))
}

fn optional_millis<S: serde::Serializer>(ms: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => millis(ms, s),
        None => s.serialize_none(),
    }
}

/// A registered `listen` receiver.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Forward {
    pub(crate) url: String,
    #[serde(serialize_with = "millis")]
    pub(crate) registered_at: Millis,
}

impl Store {
    /// The account's attempts, newest first, optionally of one subscription.
    pub(crate) async fn attempts(
        &self,
        account: String,
        subscription_id: Option<String>,
        limit: u32,
    ) -> Result<Vec<AttemptRow>, StoreError> {
        self.read(move |conn| {
            const COLUMNS: &str = "a.id, a.delivery_id, a.subscription_id, a.event_id,
                a.event_type, a.attempt, a.attempted_at, d.target_url, a.destination, a.status,
                a.error, a.latency_ms, a.response_snippet, a.outcome,
                CASE WHEN d.state = 'pending' AND a.attempt = d.attempts
                     THEN a.next_attempt_at END,
                d.state";
            let sql = match subscription_id {
                Some(_) => format!(
                    "SELECT {COLUMNS} FROM delivery_attempts a
                     JOIN deliveries d ON d.id = a.delivery_id
                     WHERE a.account_id = ?1 AND a.subscription_id = ?2
                     ORDER BY a.id DESC LIMIT ?3"
                ),
                None => format!(
                    "SELECT {COLUMNS} FROM delivery_attempts a
                     JOIN deliveries d ON d.id = a.delivery_id
                     WHERE a.account_id = ?1 AND ?2 IS NULL
                     ORDER BY a.id DESC LIMIT ?3"
                ),
            };
            let mut statement = conn.prepare_cached(&sql)?;
            let rows = statement.query_map(params![account, subscription_id, limit], |row| {
                let latency: i64 = row.get(11)?;
                Ok(AttemptRow {
                    id: row.get(0)?,
                    delivery_id: row.get(1)?,
                    subscription_id: row.get(2)?,
                    event_id: row.get(3)?,
                    event_type: row.get(4)?,
                    attempt: row.get(5)?,
                    attempted_at: row.get(6)?,
                    target_url: row.get(7)?,
                    destination: row.get(8)?,
                    status: row.get(9)?,
                    error: row.get(10)?,
                    latency_ms: u64::try_from(latency).unwrap_or(0),
                    response_snippet: row.get(12)?,
                    outcome: row.get(13)?,
                    next_attempt_at: row.get(14)?,
                    delivery_state: row.get(15)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// The secret of one of the account's subscriptions (for `listen`'s verification).
    pub(crate) async fn signing_secret(
        &self,
        account: String,
        id: String,
    ) -> Result<Outcome<Zeroizing<String>>, StoreError> {
        self.read(move |conn| {
            let secret: Option<String> = conn
                .query_row(
                    "SELECT signing_secret FROM subscriptions WHERE account_id = ?1 AND id = ?2",
                    [&account, &id],
                    |row| row.get(0),
                )
                .optional()?;
            Ok(secret
                .map(Zeroizing::new)
                .ok_or(Refusal::SubscriptionNotFound))
        })
        .await
    }

    pub(crate) async fn set_forward(
        &self,
        account: String,
        url: String,
        now: Millis,
    ) -> Result<Forward, StoreError> {
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO forwards (account_id, url, registered_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account_id) DO UPDATE
                     SET url = excluded.url, registered_at = excluded.registered_at",
                params![account, url, now],
            )?;
            Ok(Forward {
                url,
                registered_at: now,
            })
        })
        .await
    }

    pub(crate) async fn forward(&self, account: String) -> Result<Option<Forward>, StoreError> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT url, registered_at FROM forwards WHERE account_id = ?1",
                    [&account],
                    |row| {
                        Ok(Forward {
                            url: row.get(0)?,
                            registered_at: row.get(1)?,
                        })
                    },
                )
                .optional()?)
        })
        .await
    }

    /// Removes the account's receiver; with `only`, only if that is the one registered (a
    /// second `listen` may have taken over). Returns whether one was removed.
    pub(crate) async fn clear_forward(
        &self,
        account: String,
        only: Option<String>,
    ) -> Result<bool, StoreError> {
        self.call(move |conn| {
            let removed = conn.execute(
                "DELETE FROM forwards WHERE account_id = ?1 AND (?2 IS NULL OR url = ?2)",
                params![account, only],
            )?;
            Ok(removed > 0)
        })
        .await
    }
}
