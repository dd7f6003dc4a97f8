//! Keeps the delivery history bounded (README, "Deliveries"): per account, events and
//! delivery attempts older than [`KEEP_FOR`] go, and beyond the newest [`KEEP_EVENTS`]
//! events and [`KEEP_ATTEMPTS`] attempts the older ones go too. An event that still has a
//! pending delivery is kept whatever its age (its retries need its body); removing an event
//! removes its bodies, deliveries and their attempts.

use super::super::inbox::Lane;
use super::super::model::Millis;
use super::super::store::{write_transaction, Store, StoreError};
use rusqlite::params;
use std::time::Duration;

/// How long events and attempts are kept: 7 days.
pub(crate) const KEEP_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
/// The most finished events kept per account.
pub(crate) const KEEP_EVENTS: i64 = 10_000;
/// The most delivery attempts kept per account.
pub(crate) const KEEP_ATTEMPTS: i64 = 10_000;
/// The worker prunes at most this often (and when it starts).
pub(crate) const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// What a pass removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Pruned {
    pub(crate) events: usize,
    pub(crate) attempts: usize,
}

impl Store {
    /// One pruning pass, as of `now`, with the given limits (the constants above, or
    /// smaller ones in tests).
    pub(crate) async fn prune(
        &self,
        now: Millis,
        keep_for: Duration,
        keep_events: i64,
        keep_attempts: i64,
    ) -> Result<Pruned, StoreError> {
        let cutoff = now - keep_for.as_millis() as Millis;
        self.call_in(Lane::Background, move |conn| {
            let tx = write_transaction(conn)?;
            let events = tx.execute(
                "DELETE FROM events WHERE id IN (
                     SELECT id FROM (
                         SELECT e.id, e.created_at,
                                ROW_NUMBER() OVER (PARTITION BY e.account_id
                                                   ORDER BY e.created_at DESC, e.id DESC) AS n
                         FROM events e
                         WHERE NOT EXISTS (SELECT 1 FROM deliveries d
                                           WHERE d.event_id = e.id AND d.state = 'pending'))
                     WHERE created_at < ?1 OR n > ?2)",
                params![cutoff, keep_events],
            )?;
            let attempts = tx.execute(
                "DELETE FROM delivery_attempts WHERE id IN (
                     SELECT id FROM (
                         SELECT id, attempted_at,
                                ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY id DESC) AS n
                         FROM delivery_attempts)
                     WHERE attempted_at < ?1 OR n > ?2)",
                params![cutoff, keep_attempts],
            )?;
            tx.commit()?;
            Ok(Pruned { events, attempts })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Millis = 24 * 3600 * 1000;

    /// Account `a`: `events` events a day apart (newest at `now`), one finished delivery
    /// and two attempts each; the oldest event also has a pending delivery when asked.
    async fn filled(store: &Store, now: Millis, events: i64, one_pending: bool) {
        store
            .call(move |conn| {
                conn.execute("INSERT INTO accounts (id, created_at) VALUES ('a', 0)", [])?;
                for n in 0..events {
                    let at = now - (events - 1 - n) * DAY;
                    let (event, delivery) = (format!("e{n}"), format!("d{n}"));
                    conn.execute(
                        "INSERT INTO events (id, account_id, event_type, created_at)
                         VALUES (?1, 'a', 'message.sent', ?2)",
                        params![event, at],
                    )?;
                    let state = if one_pending && n == 0 {
                        "pending"
                    } else {
                        "delivered"
                    };
                    conn.execute(
                        "INSERT INTO deliveries (id, account_id, event_id, subscription_id,
                             webhook_version, target_url, state, created_at)
                         VALUES (?1, 'a', ?2, 's', 'v', 'https://x.example/', ?3, ?4)",
                        params![delivery, event, state, at],
                    )?;
                    for attempt in 1..=2 {
                        conn.execute(
                            "INSERT INTO delivery_attempts (delivery_id, account_id,
                                 subscription_id, event_id, event_type, attempt, attempted_at,
                                 destination, latency_ms, outcome)
                             VALUES (?1, 'a', 's', ?2, 'message.sent', ?3, ?4,
                                 'https://x.example/', 1, 'delivered')",
                            params![delivery, event, attempt, at],
                        )?;
                    }
                }
                Ok(())
            })
            .await
            .expect("filled");
    }

    async fn counts(store: &Store) -> (i64, i64, i64) {
        store
            .call(|conn| {
                let count = |table: &str| {
                    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                };
                Ok((
                    count("events")?,
                    count("deliveries")?,
                    count("delivery_attempts")?,
                ))
            })
            .await
            .expect("counts")
    }

    #[tokio::test]
    async fn old_history_goes_and_pending_deliveries_stay() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, thread) = Store::open(dir.path().join("s.db")).await.expect("open");
        let now: Millis = 1_000 * DAY;
        // 10 events over 10 days; the oldest still pending.
        filled(&store, now, 10, true).await;
        let pruned = store
            .prune(now, KEEP_FOR, KEEP_EVENTS, KEEP_ATTEMPTS)
            .await
            .expect("prune");
        // Days 0..=7 are within 7 days (the 8 newest); days 8 and 9 are older, but the
        // oldest (9 days) is pending: only the one 8 days old goes, its attempts with it.
        assert_eq!(pruned.events, 1);
        let (events, deliveries, attempts) = counts(&store).await;
        assert_eq!((events, deliveries), (9, 9));
        // The pending event's attempts are 9 days old: they go by age (the delivery stays).
        assert_eq!(attempts, 16);
        // Again: nothing more to do.
        let again = store
            .prune(now, KEEP_FOR, KEEP_EVENTS, KEEP_ATTEMPTS)
            .await
            .expect("prune");
        assert_eq!(again, Pruned::default());
        drop(store);
        thread.join().await;
    }

    #[tokio::test]
    async fn beyond_the_count_the_oldest_go() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, thread) = Store::open(dir.path().join("s.db")).await.expect("open");
        let now: Millis = 1_000 * DAY;
        filled(&store, now, 6, false).await;
        let year = Duration::from_secs(365 * 24 * 3600);
        store.prune(now, year, 4, 5).await.expect("prune");
        let (events, deliveries, attempts) = counts(&store).await;
        assert_eq!((events, deliveries), (4, 4));
        assert_eq!(attempts, 5, "the newest five attempts");
        drop(store);
        thread.join().await;
    }
}
