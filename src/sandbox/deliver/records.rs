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

/// A registration not renewed for this long has expired: deliveries go to their targets
/// again (a `listen` killed with -9 cannot unregister). `listen` renews every third of it.
pub(crate) const FORWARD_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// A registered `listen` receiver.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Forward {
    pub(crate) url: String,
    /// When it was registered or last renewed.
    #[serde(serialize_with = "millis")]
    pub(crate) registered_at: Millis,
    /// Unless renewed before.
    #[serde(serialize_with = "millis")]
    pub(crate) expires_at: Millis,
}

impl Forward {
    fn new(url: String, registered_at: Millis) -> Self {
        Forward {
            url,
            registered_at,
            expires_at: registered_at + FORWARD_TTL.as_millis() as Millis,
        }
    }
}

/// What a `PUT /_sandbox/v1/forward` did.
#[derive(Debug, PartialEq)]
pub(crate) struct ForwardSet {
    /// The registration now in force.
    pub(crate) forward: Forward,
    /// Another live receiver this one took over from.
    pub(crate) replaced: Option<Forward>,
    /// A renewal: `false` when another receiver has taken over (then nothing changed).
    pub(crate) renewed: bool,
}

/// The live registration in `conn`, if any.
fn live_forward(
    conn: &rusqlite::Connection,
    account: &str,
    now: Millis,
) -> rusqlite::Result<Option<Forward>> {
    let found = conn
        .query_row(
            "SELECT url, registered_at FROM forwards WHERE account_id = ?1",
            [account],
            |row| Ok(Forward::new(row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    Ok(found.filter(|f| f.expires_at > now))
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

    /// Registers `url` (taking over from another receiver), or with `renew` refreshes it —
    /// unless another receiver took over meanwhile, which is then said, not undone.
    pub(crate) async fn set_forward(
        &self,
        account: String,
        url: String,
        now: Millis,
        renew: bool,
    ) -> Result<ForwardSet, StoreError> {
        self.call(move |conn| {
            let tx = super::super::store::write_transaction(conn)?;
            let live = live_forward(&tx, &account, now)?;
            if let Some(other) = live.as_ref().filter(|f| renew && f.url != url) {
                let forward = other.clone();
                return Ok(ForwardSet {
                    forward,
                    replaced: None,
                    renewed: false,
                });
            }
            tx.execute(
                "INSERT INTO forwards (account_id, url, registered_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account_id) DO UPDATE
                     SET url = excluded.url, registered_at = excluded.registered_at",
                params![account, url, now],
            )?;
            tx.commit()?;
            Ok(ForwardSet {
                replaced: live.filter(|f| f.url != url),
                forward: Forward::new(url, now),
                renewed: renew,
            })
        })
        .await
    }

    /// The account's live receiver (an expired one counts as none).
    pub(crate) async fn forward(
        &self,
        account: String,
        now: Millis,
    ) -> Result<Option<Forward>, StoreError> {
        self.read(move |conn| Ok(live_forward(conn, &account, now)?))
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

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "http://127.0.0.1:4001/";
    const B: &str = "http://127.0.0.1:4002/";

    #[tokio::test]
    async fn receivers_expire_unrenewed_and_a_takeover_is_told_to_both() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, thread) = Store::open(dir.path().join("s.db")).await.expect("open");
        store
            .call(|conn| {
                conn.execute("INSERT INTO accounts (id, created_at) VALUES ('a', 0)", [])?;
                Ok(())
            })
            .await
            .expect("account");
        let ttl = FORWARD_TTL.as_millis() as Millis;
        let t0: Millis = 1_000_000;
        let set = |url: &str, at: Millis, renew: bool| {
            store.set_forward("a".into(), url.into(), at, renew)
        };
        let first = set(A, t0, false).await.expect("register");
        assert_eq!(first.replaced, None);
        // Renewed in time: still A, a full TTL from the renewal.
        let renewed = set(A, t0 + ttl / 3, true).await.expect("renew");
        assert!(renewed.renewed);
        let live = store.forward("a".into(), t0 + ttl).await.expect("read");
        assert_eq!(live.map(|f| f.url), Some(A.to_owned()));
        // Not renewed: gone after the TTL (a killed listen).
        let later = t0 + ttl / 3 + ttl;
        assert_eq!(store.forward("a".into(), later).await.expect("read"), None);

        // B takes over a live A: B hears whom from; A hears it at its next renewal, and
        // its renewal changes nothing.
        set(A, later, false).await.expect("A again");
        let taken = set(B, later + 1, false).await.expect("B");
        assert_eq!(taken.replaced.map(|f| f.url), Some(A.to_owned()));
        let refused = set(A, later + 2, true).await.expect("A renews");
        assert!(!refused.renewed);
        assert_eq!(refused.forward.url, B);
        let live = store.forward("a".into(), later + 3).await.expect("read");
        assert_eq!(live.map(|f| f.url), Some(B.to_owned()));
        // An expired holder is no obstacle: a renewal then registers again.
        let back = set(A, later + 2 + ttl, true)
            .await
            .expect("renew after expiry");
        assert!(back.renewed);
        assert_eq!(back.forward.url, A);
        drop(store);
        thread.join().await;
    }
}
