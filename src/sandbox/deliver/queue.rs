//! The delivery queue in SQLite: queueing an event's deliveries, claiming due rows,
//! recording attempts (`records.rs` reads them back).
//!
//! Claiming is a lease: a claimed row's `next_attempt_at` moves to the lease's expiry and
//! `lease_owner` names the worker. Due rows are then simply pending rows whose
//! `next_attempt_at` has passed — found through one partial index, whatever the queue's
//! length — and a worker that dies mid-attempt (or a second process on the same file)
//! cannot strand a row or send it twice within the lease.

use super::super::inbox::Lane;
use super::super::model::{Millis, SigningSecret, DEFAULT_ROUTING_ID_HEADER};
use super::super::store::{write_transaction, Store, StoreError};
use super::payload::version_of;
use super::schedule::Verdict;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

/// An event ready to be queued: its bodies are rendered already.
pub(crate) struct NewEvent {
    pub(crate) id: String,
    pub(crate) account: String,
    pub(crate) event_type: String,
    pub(crate) phone_number: Option<String>,
    pub(crate) chat_id: Option<String>,
    pub(crate) created_at: Millis,
    pub(crate) bodies: Vec<(&'static str, Vec<u8>)>,
}

/// One delivery queued for an event (the `POST /_sandbox/v1/events` answer lists them).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct QueuedDelivery {
    pub(crate) id: String,
    pub(crate) subscription_id: String,
    pub(crate) target_url: String,
    pub(crate) webhook_version: &'static str,
}

/// A claimed delivery: everything one attempt needs.
pub(crate) struct Claimed {
    pub(crate) delivery_id: String,
    pub(crate) account_id: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) subscription_id: String,
    /// This attempt's number (1 for the first).
    pub(crate) attempt: u32,
    pub(crate) target_url: String,
    pub(crate) body: Vec<u8>,
    pub(crate) secret: SigningSecret,
    /// `(key header, id header)` when delivery affinity is on.
    pub(crate) routing: Option<(String, String)>,
    pub(crate) chat_id: Option<String>,
    /// The routing token the receiver echoed for this chat before.
    pub(crate) token: Option<String>,
    /// The receiver `listen` registered for the account.
    pub(crate) forward: Option<String>,
}

/// What one attempt did.
pub(crate) struct AttemptRecord {
    pub(crate) delivery_id: String,
    pub(crate) account_id: String,
    pub(crate) subscription_id: String,
    pub(crate) event_id: String,
    pub(crate) event_type: String,
    pub(crate) attempt: u32,
    pub(crate) attempted_at: Millis,
    pub(crate) destination: String,
    pub(crate) status: Option<u16>,
    pub(crate) error: Option<String>,
    pub(crate) latency_ms: u64,
    pub(crate) snippet: Option<String>,
    pub(crate) verdict: Verdict,
    /// When to try again, if the verdict is `Retry` and retries are left.
    pub(crate) retry_at: Option<Millis>,
    /// `(chat id, token)` a 2xx answer echoed in the routing key header.
    pub(crate) learned_token: Option<(String, String)>,
}

impl Store {
    /// Stores the event and queues one delivery per active subscription of the account
    /// that listens to its type and whose phone filter is empty or holds its number. An
    /// event without a number reaches only unfiltered subscriptions.
    pub(crate) async fn queue_event(
        &self,
        event: NewEvent,
    ) -> Result<Vec<QueuedDelivery>, StoreError> {
        self.call(move |conn| {
            let tx = write_transaction(conn)?;
            tx.execute(
                "INSERT INTO events (id, account_id, event_type, chat_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    event.id,
                    event.account,
                    event.event_type,
                    event.chat_id,
                    event.created_at
                ],
            )?;
            let subscriptions = active_subscriptions(&tx, &event.account)?;
            let mut queued = Vec::new();
            let mut stored_versions: Vec<&'static str> = Vec::new();
            for (id, target_url, events, numbers) in subscriptions {
                let listens = events.contains(&event.event_type);
                let line_matches = numbers.is_empty()
                    || event
                        .phone_number
                        .as_ref()
                        .is_some_and(|n| numbers.contains(n));
                if !listens || !line_matches {
                    continue;
                }
                let version = version_of(&target_url);
                // No body for this version: the type is not delivered to it (§8.6).
                let Some((_, body)) = event.bodies.iter().find(|(v, _)| *v == version) else {
                    continue;
                };
                if !stored_versions.contains(&version) {
                    tx.execute(
                        "INSERT INTO event_payloads (event_id, webhook_version, body)
                         VALUES (?1, ?2, ?3)",
                        params![event.id, version, body],
                    )?;
                    stored_versions.push(version);
                }
                let delivery = QueuedDelivery {
                    id: uuid::Uuid::new_v4().to_string(),
                    subscription_id: id,
                    target_url,
                    webhook_version: version,
                };
                tx.execute(
                    "INSERT INTO deliveries (id, account_id, event_id, subscription_id,
                         webhook_version, target_url, state, attempts, next_attempt_at,
                         created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', 0, ?7, ?7)",
                    params![
                        delivery.id,
                        event.account,
                        event.id,
                        delivery.subscription_id,
                        version,
                        delivery.target_url,
                        event.created_at,
                    ],
                )?;
                queued.push(delivery);
            }
            tx.commit()?;
            Ok(queued)
        })
        .await
    }

    /// The worker's one transaction per round: stores the attempts that finished since
    /// the last round (moving each delivery on: delivered, dropped, retried later, or
    /// failed for good — a delivery cancelled meanwhile stays cancelled), then claims up to
    /// `limit` due rows for `owner` until `lease_until`, and says when the next pending row
    /// falls due. One commit for all of it keeps the database thread free for API calls.
    pub(crate) async fn settle(
        &self,
        owner: String,
        finished: Vec<AttemptRecord>,
        now: Millis,
        limit: usize,
        lease_until: Millis,
    ) -> Result<(Vec<Claimed>, Option<Millis>), StoreError> {
        self.call_in(Lane::Background, move |conn| {
            let tx = write_transaction(conn)?;
            for record in &finished {
                store_attempt(&tx, &owner, record)?;
            }
            let claimed = if limit > 0 {
                claim(&tx, &owner, now, limit, lease_until)?
            } else {
                Vec::new()
            };
            let next_due = next_due(&tx)?;
            tx.commit()?;
            Ok((claimed, next_due))
        })
        .await
    }

    /// Hands back the rows `owner` still holds (its attempts were cut short), due now.
    pub(crate) async fn release(&self, owner: String, now: Millis) -> Result<(), StoreError> {
        self.call_in(Lane::Background, move |conn| {
            conn.execute(
                "UPDATE deliveries SET next_attempt_at = ?2, lease_owner = NULL
                 WHERE lease_owner = ?1 AND state = 'pending'",
                params![owner, now],
            )?;
            Ok(())
        })
        .await
    }
}

/// Claims up to `limit` due rows. Rows of a subscription that is gone or paused are
/// cancelled instead (normally done by pause and delete themselves).
fn claim(
    tx: &Transaction<'_>,
    owner: &str,
    now: Millis,
    limit: usize,
    lease_until: Millis,
) -> Result<Vec<Claimed>, StoreError> {
    let mut claimed = Vec::new();
    let mut due = tx.prepare_cached(
        "SELECT d.id, d.account_id, d.event_id, e.event_type, d.subscription_id,
                d.attempts, d.target_url, p.body, s.signing_secret, s.is_active,
                s.routing_key_header, s.routing_id_header, e.chat_id, t.token, f.url
         FROM deliveries d
         JOIN events e ON e.id = d.event_id
         JOIN event_payloads p
             ON p.event_id = d.event_id AND p.webhook_version = d.webhook_version
         LEFT JOIN subscriptions s ON s.id = d.subscription_id
         LEFT JOIN routing_tokens t
             ON t.subscription_id = d.subscription_id AND t.chat_id = e.chat_id
         LEFT JOIN forwards f ON f.account_id = d.account_id
         WHERE d.state = 'pending' AND d.next_attempt_at <= ?1
         ORDER BY d.next_attempt_at
         LIMIT ?2",
    )?;
    let mut cancel = tx.prepare_cached(
        "UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL, lease_owner = NULL
         WHERE id = ?1",
    )?;
    let mut lease = tx.prepare_cached(
        "UPDATE deliveries SET lease_owner = ?2, next_attempt_at = ?3 WHERE id = ?1",
    )?;
    let mut rows = due.query(params![now, limit as i64])?;
    while let Some(row) = rows.next()? {
        let id: String = row.get(0)?;
        let secret: Option<String> = row.get(8)?;
        let active: Option<bool> = row.get(9)?;
        let (Some(secret), Some(true)) = (secret, active) else {
            cancel.execute([&id])?;
            continue;
        };
        lease.execute(params![id, owner, lease_until])?;
        let key_header: Option<String> = row.get(10)?;
        let id_header: Option<String> = row.get(11)?;
        let attempts: i64 = row.get(5)?;
        claimed.push(Claimed {
            delivery_id: id,
            account_id: row.get(1)?,
            event_id: row.get(2)?,
            event_type: row.get(3)?,
            subscription_id: row.get(4)?,
            attempt: u32::try_from(attempts + 1).unwrap_or(u32::MAX),
            target_url: row.get(6)?,
            body: row.get(7)?,
            secret: SigningSecret::from_stored(secret),
            routing: key_header.map(|key| {
                let id = id_header.unwrap_or_else(|| DEFAULT_ROUTING_ID_HEADER.to_owned());
                (key, id)
            }),
            chat_id: row.get(12)?,
            token: row.get(13)?,
            forward: row.get(14)?,
        });
    }
    Ok(claimed)
}

/// Stores one attempt and moves its delivery on.
fn store_attempt(
    tx: &Transaction<'_>,
    owner: &str,
    record: &AttemptRecord,
) -> Result<(), StoreError> {
    let (state, next) = match (record.verdict, record.retry_at) {
        (Verdict::Delivered, _) => ("delivered", None),
        (Verdict::Drop, _) => ("dropped", None),
        (Verdict::Retry, Some(at)) => ("pending", Some(at)),
        (Verdict::Retry, None) => ("failed", None),
    };
    let moved =
        tx.prepare_cached(
            "UPDATE deliveries SET state = ?3, attempts = ?4, next_attempt_at = ?5,
                 lease_owner = NULL
             WHERE id = ?1 AND lease_owner = ?2 AND state = 'pending'",
        )?
        .execute(params![
            record.delivery_id,
            owner,
            state,
            record.attempt,
            next
        ])? == 1;
    let outcome = match (record.verdict, state, moved) {
        (Verdict::Delivered, ..) => "delivered",
        (Verdict::Drop, ..) => "dropped",
        (Verdict::Retry, _, false) => "cancelled",
        (Verdict::Retry, "pending", true) => "retrying",
        (Verdict::Retry, _, true) => "exhausted",
    };
    tx.prepare_cached(
        "INSERT INTO delivery_attempts (delivery_id, account_id, subscription_id,
             event_id, event_type, attempt, attempted_at, destination, status, error,
             latency_ms, response_snippet, outcome, next_attempt_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        record.delivery_id,
        record.account_id,
        record.subscription_id,
        record.event_id,
        record.event_type,
        record.attempt,
        record.attempted_at,
        record.destination,
        record.status,
        record.error,
        i64::try_from(record.latency_ms).unwrap_or(i64::MAX),
        record.snippet,
        outcome,
        if moved { next } else { None },
    ])?;
    if let Some((chat_id, token)) = &record.learned_token {
        // Only while affinity is still on: turning it off drops the tokens.
        tx.prepare_cached(
            "INSERT INTO routing_tokens (subscription_id, chat_id, token)
             SELECT ?1, ?2, ?3 FROM subscriptions
             WHERE id = ?1 AND routing_key_header IS NOT NULL
             ON CONFLICT (subscription_id, chat_id) DO UPDATE SET token = excluded.token",
        )?
        .execute(params![record.subscription_id, chat_id, token])?;
    }
    Ok(())
}

/// The account's active subscriptions: id, target URL, event types, phone filter.
type Candidate = (String, String, Vec<String>, Vec<String>);

fn active_subscriptions(tx: &Transaction<'_>, account: &str) -> Result<Vec<Candidate>, StoreError> {
    let mut statement = tx.prepare_cached(
        "SELECT id, target_url, subscribed_events, phone_numbers FROM subscriptions
         WHERE account_id = ?1 AND is_active = 1 ORDER BY created_at, rowid",
    )?;
    let rows = statement.query_map([account], |row| {
        let events: String = row.get(2)?;
        let numbers: String = row.get(3)?;
        Ok((row.get(0)?, row.get(1)?, events, numbers))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, url, events, numbers): (String, String, String, String) = row?;
        // Written by `store::json_list`; a row that does not parse receives nothing.
        let (Ok(events), Ok(numbers)) = (
            serde_json::from_str::<Vec<String>>(&events),
            serde_json::from_str::<Vec<String>>(&numbers),
        ) else {
            tracing::warn!(%id, "subscription with unreadable lists skipped");
            continue;
        };
        out.push((id, url, events, numbers));
    }
    Ok(out)
}

/// When the earliest pending row falls due (claimed rows count at their lease's expiry).
fn next_due(conn: &Connection) -> Result<Option<Millis>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT next_attempt_at FROM deliveries WHERE state = 'pending'
             ORDER BY next_attempt_at LIMIT 1",
            [],
            |row| row.get(0),
        )
        .optional()?)
}
