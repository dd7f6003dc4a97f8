//! SQLite persistence for the sandbox.
//!
//! Threading: one dedicated OS thread owns the writing `rusqlite::Connection` and runs jobs
//! sent over a two-lane inbox (`inbox.rs`: API requests before the delivery worker's
//! bookkeeping); a second thread owns a read-only connection for API reads, which in WAL
//! mode never wait for a write. Async callers await a oneshot reply. Chosen over `spawn_blocking` + `Mutex`
//! because SQLite serialises writers anyway, so a single owner gives the same throughput
//! without lock juggling, never parks a tokio worker on disk IO, makes every job (e.g. the
//! "is this URL taken? then insert" pair) naturally atomic, and gives the connection one
//! clear end of life: when the last `Store` clone is dropped the thread closes the database,
//! which lets shutdown wait for the file to be checkpointed and released.
//!
//! Domain refusals (not found, duplicate URL) come back as the inner `Result` of
//! `Outcome<T>`; the outer `StoreError` is reserved for infrastructure failures.

use super::inbox::{inbox, Lane, Outbox};
use super::model::{
    now_millis, ListedSubscription, NewSubscription, PhoneLine, Refusal, Reputation, Routing,
    SigningSecret, Subscription, SubscriptionPatch, REPUTATION_DOC_URL,
};
use super::schema::{open_database, open_reader};
use crate::validate::url_identity;
use rusqlite::{params, Connection};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::oneshot;

mod rows;

use rows::*;
pub(crate) use rows::{cancel_pending, drop_routing_tokens};
pub(super) use rows::{json_list, write_transaction};

/// A storage failure (not a refused request).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create sandbox database {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The path is not a file we may use (`private_files` said why).
    #[error("{path}: {refused}")]
    Refused {
        path: PathBuf,
        refused: crate::private_files::Refused,
    },
    #[error("cannot open sandbox database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "sandbox database {path} has schema version {found}; this build knows up to {supported}"
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("sandbox database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot start the sandbox database thread: {0}")]
    Thread(std::io::Error),
    #[error("the sandbox database thread has stopped")]
    Closed,
}

/// A request's result: the value, or the reason the store refused it.
pub(crate) type Outcome<T> = Result<T, Refusal>;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

const SUBSCRIPTION_COLUMNS: &str = "id, created_at, updated_at, is_active, subscribed_events, \
     target_url, phone_numbers, routing_key_header, routing_id_header";

/// Cheap-to-clone handle to the database threads.
#[derive(Clone)]
pub(crate) struct Store {
    jobs: Arc<Outbox<Job>>,
    /// The reader: API reads never wait behind a write (WAL lets them run side by side).
    reads: Arc<Outbox<Job>>,
}

/// The database threads (writer and reader); join them after the last `Store` is gone.
pub(crate) struct StoreThread(Vec<std::thread::JoinHandle<()>>);

impl StoreThread {
    pub(crate) async fn join(self) {
        // Joining blocks, so it happens on the blocking pool.
        let _ = tokio::task::spawn_blocking(move || {
            for thread in self.0 {
                let _ = thread.join();
            }
        })
        .await;
    }
}

/// What a fresh demo account gets (see `seed.rs`).
pub(crate) struct DemoAccount {
    pub(crate) lines: Vec<PhoneLine>,
    pub(crate) subscriptions: Vec<(Subscription, SigningSecret)>,
}

/// Runs `inbox`'s jobs on a new thread that owns the connection `open` makes.
async fn database_thread(
    name: &str,
    open: impl FnOnce() -> Result<Connection, StoreError> + Send + 'static,
) -> Result<(Outbox<Job>, std::thread::JoinHandle<()>), StoreError> {
    let (jobs, inbox) = inbox::<Job>();
    let (ready, opened) = oneshot::channel();
    let thread = std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let mut conn = match open() {
                Ok(conn) => {
                    let _ = ready.send(Ok(()));
                    conn
                }
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            while let Some(job) = inbox.recv() {
                // A panicking job only loses its own reply (its transaction rolls back
                // while unwinding); the thread keeps serving the others.
                let _ = catch_unwind(AssertUnwindSafe(|| job(&mut conn)));
            }
        })
        .map_err(StoreError::Thread)?;
    opened.await.map_err(|_| StoreError::Closed)??;
    Ok((jobs, thread))
}

impl Store {
    /// Opens (creating if needed) and migrates the database on the writer's thread, then
    /// opens the reader's connection on its own.
    pub(crate) async fn open(path: PathBuf) -> Result<(Store, StoreThread), StoreError> {
        let writer_path = path.clone();
        let (jobs, writer) =
            database_thread("sandbox-db", move || open_database(&writer_path)).await?;
        let (reads, reader) =
            match database_thread("sandbox-db-read", move || open_reader(&path)).await {
                Ok(opened) => opened,
                Err(e) => {
                    drop(jobs);
                    let _ = tokio::task::spawn_blocking(move || writer.join()).await;
                    return Err(e);
                }
            };
        Ok((
            Store {
                jobs: Arc::new(jobs),
                reads: Arc::new(reads),
            },
            StoreThread(vec![writer, reader]),
        ))
    }

    /// Runs a read-only `job` on the reader's connection.
    pub(super) async fn read<T, F>(&self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.reads
            .send(
                Lane::Api,
                Box::new(move |conn| {
                    let _ = reply.send(job(conn));
                }),
            )
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `job` on the database thread for an API request.
    pub(super) async fn call<T, F>(&self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.call_in(Lane::Api, job).await
    }

    /// Runs `job` after every waiting API request (the delivery worker's bookkeeping).
    pub(super) async fn call_in<T, F>(&self, lane: Lane, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(
                lane,
                Box::new(move |conn| {
                    let _ = reply.send(job(conn));
                }),
            )
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Registers the account if new. With `demo`, seeds it when it was never seeded and
    /// holds no data; returns whether it seeded.
    pub(crate) async fn ensure_account(
        &self,
        account: String,
        demo: Option<DemoAccount>,
    ) -> Result<bool, StoreError> {
        self.call(move |conn| {
            let tx = write_transaction(conn)?;
            tx.execute(
                "INSERT OR IGNORE INTO accounts (id, created_at, seeded) VALUES (?1, ?2, 0)",
                params![account, now_millis()],
            )?;
            let Some(demo) = demo else {
                tx.commit()?;
                return Ok(false);
            };
            let pristine: bool = tx.query_row(
                "SELECT seeded = 0
                    AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE account_id = ?1)
                    AND NOT EXISTS (SELECT 1 FROM phone_lines WHERE account_id = ?1)
                 FROM accounts WHERE id = ?1",
                [&account],
                |row| row.get(0),
            )?;
            if pristine {
                for (position, line) in demo.lines.iter().enumerate() {
                    insert_line(&tx, &account, position, line)?;
                }
                for (subscription, secret) in &demo.subscriptions {
                    insert_subscription(&tx, &account, subscription, secret)?;
                }
                let subscriptions: Vec<&Subscription> =
                    demo.subscriptions.iter().map(|(s, _)| s).collect();
                super::demo::insert_history(&tx, &account, &subscriptions, now_millis())?;
                tx.execute("UPDATE accounts SET seeded = 1 WHERE id = ?1", [&account])?;
            }
            tx.commit()?;
            Ok(pristine)
        })
        .await
    }

    /// All subscriptions of the account, oldest first, ready to send. Creations within the
    /// same millisecond keep the order they were made in (the rowid), not their random ids.
    pub(crate) async fn list(
        &self,
        account: String,
    ) -> Result<Vec<ListedSubscription>, StoreError> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(&format!(
                "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions
                 WHERE account_id = ?1 ORDER BY created_at, rowid"
            ))?;
            let rows = statement.query_map([&account], read_listed_subscription)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    pub(crate) async fn get(
        &self,
        account: String,
        id: String,
    ) -> Result<Outcome<Subscription>, StoreError> {
        self.read(move |conn| {
            Ok(load_subscription(conn, &account, &id)?.ok_or(Refusal::SubscriptionNotFound))
        })
        .await
    }

    /// Creates an active subscription; refuses a `target_url` the account already uses.
    pub(crate) async fn create(
        &self,
        account: String,
        new: NewSubscription,
        secret: SigningSecret,
    ) -> Result<Outcome<Subscription>, StoreError> {
        self.call(move |conn| {
            let tx = write_transaction(conn)?;
            if target_url_taken(&tx, &account, &url_identity(&new.target_url), None)? {
                return Ok(Err(Refusal::DuplicateTargetUrl));
            }
            let now = now_millis();
            let subscription = Subscription {
                id: uuid::Uuid::new_v4().to_string(),
                created_at: now,
                updated_at: now,
                is_active: true,
                subscribed_events: new.subscribed_events,
                target_url: new.target_url,
                phone_numbers: new.phone_numbers,
                routing: new.routing,
            };
            insert_subscription(&tx, &account, &subscription, &secret)?;
            tx.commit()?;
            Ok(Ok(subscription))
        })
        .await
    }

    /// Applies a partial update. `updated_at` moves only when something changed, and then
    /// always strictly forward, even within the same millisecond.
    pub(crate) async fn update(
        &self,
        account: String,
        id: String,
        patch: SubscriptionPatch,
    ) -> Result<Outcome<Subscription>, StoreError> {
        self.call(move |conn| {
            let tx = write_transaction(conn)?;
            let Some(mut subscription) = load_subscription(&tx, &account, &id)? else {
                return Ok(Err(Refusal::SubscriptionNotFound));
            };
            let previous_url = subscription.target_url.clone();
            if !subscription.apply(&patch) {
                return Ok(Ok(subscription));
            }
            if subscription.routing.headers_collide() {
                return Ok(Err(Refusal::RoutingHeadersCollide));
            }
            let identity = url_identity(&subscription.target_url);
            if subscription.target_url != previous_url
                && target_url_taken(&tx, &account, &identity, Some(&id))?
            {
                return Ok(Err(Refusal::DuplicateTargetUrl));
            }
            subscription.updated_at = now_millis().max(subscription.updated_at + 1);
            tx.execute(
                "UPDATE subscriptions SET target_url = ?3, subscribed_events = ?4,
                     phone_numbers = ?5, is_active = ?6, routing_key_header = ?7,
                     routing_id_header = ?8, updated_at = ?9, url_identity = ?10
                 WHERE account_id = ?1 AND id = ?2",
                params![
                    account,
                    id,
                    subscription.target_url,
                    json_list(&subscription.subscribed_events),
                    json_list(&subscription.phone_numbers),
                    subscription.is_active,
                    subscription.routing.key_header(),
                    subscription.routing.id_header(),
                    subscription.updated_at,
                    identity,
                ],
            )?;
            if !subscription.is_active {
                cancel_pending(&tx, &id)?;
            }
            if subscription.routing == Routing::Off {
                drop_routing_tokens(&tx, &id)?;
            }
            tx.commit()?;
            Ok(Ok(subscription))
        })
        .await
    }

    pub(crate) async fn delete(
        &self,
        account: String,
        id: String,
    ) -> Result<Outcome<()>, StoreError> {
        self.call(move |conn| {
            let tx = write_transaction(conn)?;
            let removed = tx.execute(
                "DELETE FROM subscriptions WHERE account_id = ?1 AND id = ?2",
                params![account, id],
            )?;
            if removed == 0 {
                return Ok(Err(Refusal::SubscriptionNotFound));
            }
            cancel_pending(&tx, &id)?;
            drop_routing_tokens(&tx, &id)?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    /// The account's own lines, in the order they were added.
    pub(crate) async fn phone_lines(&self, account: String) -> Result<Vec<PhoneLine>, StoreError> {
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT id, phone_number, reputation, forwarding_number, line_type
                 FROM phone_lines WHERE account_id = ?1 ORDER BY position, id",
            )?;
            let rows = statement.query_map([&account], |row| {
                Ok(PhoneLine {
                    id: row.get(0)?,
                    phone_number: row.get(1)?,
                    reputation: Reputation {
                        status: row.get(2)?,
                        doc_url: REPUTATION_DOC_URL.to_owned(),
                    },
                    forwarding_number: row.get(3)?,
                    line_type: row.get(4)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn seeded_store(dir: &std::path::Path) -> (Store, StoreThread) {
        let (store, thread) = Store::open(dir.join("sandbox.db")).await.expect("open");
        let demo = super::super::seed::demo_account().expect("seed");
        assert!(store
            .ensure_account("acct".into(), Some(demo))
            .await
            .expect("seed"));
        (store, thread)
    }

    #[tokio::test]
    async fn listing_sends_byte_for_byte_what_retrieving_sends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, thread) = seeded_store(dir.path()).await;
        let listed = store.list("acct".into()).await.expect("list");
        assert_eq!(listed.len(), 12);
        for row in &listed {
            let one = store
                .get("acct".into(), row.id.clone())
                .await
                .expect("get")
                .expect("exists");
            assert_eq!(
                serde_json::to_string(row).expect("listed"),
                serde_json::to_string(&one.to_wire(None)).expect("retrieved"),
            );
        }
        drop(store);
        thread.join().await;
    }

    #[tokio::test]
    async fn listing_splices_the_stored_event_json_as_is() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (store, thread) = seeded_store(dir.path()).await;
        // Valid JSON that serde_json would never write: a re-serialising list would
        // drop the spaces.
        let stored = r#"[ "message.sent",  "message.read" ]"#;
        store
            .call(move |conn| {
                conn.execute("UPDATE subscriptions SET subscribed_events = ?1", [stored])?;
                Ok(())
            })
            .await
            .expect("update");
        let listed = store.list("acct".into()).await.expect("list");
        let json = serde_json::to_string(&listed[0]).expect("json");
        assert!(
            json.contains(&format!(r#""subscribed_events":{stored}"#)),
            "{json}"
        );
        drop(store);
        thread.join().await;
    }
}
