//! Opening the sandbox database: pragmas and schema migrations (`PRAGMA user_version`).

use super::store::StoreError;
use crate::{private_files, validate};
use rusqlite::{params, Connection, OpenFlags, Transaction};
use std::path::Path;
use std::time::Duration;

/// One schema step: SQL, then, for values SQL cannot compute, a fill-in written in Rust.
struct Migration {
    sql: &'static str,
    fill: Option<fn(&Transaction<'_>) -> rusqlite::Result<()>>,
}

/// Schema migrations, applied in order; `PRAGMA user_version` counts how many ran.
/// Append new entries, never edit old ones.
const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: INITIAL_SCHEMA,
        fill: None,
    },
    // Uniqueness of target URLs compares what a URL parser makes of them, not the bytes.
    // Not a UNIQUE index: a database from before may hold two URLs that now count as one.
    Migration {
        sql: "ALTER TABLE subscriptions ADD COLUMN url_identity TEXT NOT NULL DEFAULT '';
              CREATE INDEX subscriptions_by_url_identity
                  ON subscriptions (account_id, url_identity);",
        fill: Some(fill_url_identity),
    },
    // Deliveries (deliver.rs): the queue is the `deliveries` table, not memory.
    Migration {
        sql: DELIVERY_SCHEMA,
        fill: None,
    },
];

/// Events, their rendered bodies, the delivery queue, every attempt, and the receivers
/// `listen` registers. Subscription ids are plain text, not foreign keys: the history of a
/// deleted subscription stays readable.
const DELIVERY_SCHEMA: &str = r#"
CREATE TABLE events (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    event_type   TEXT NOT NULL,
    chat_id      TEXT,              -- routing headers carry it; NULL for account events
    created_at   INTEGER NOT NULL
) STRICT;
-- One body per payload version, byte for byte what every attempt sends.
CREATE TABLE event_payloads (
    event_id         TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    webhook_version  TEXT NOT NULL,
    body             BLOB NOT NULL,
    PRIMARY KEY (event_id, webhook_version)
) STRICT;
CREATE TABLE deliveries (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL,
    event_id         TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    subscription_id  TEXT NOT NULL,
    webhook_version  TEXT NOT NULL,
    target_url       TEXT NOT NULL,  -- the subscription's URL when the event was queued
    state            TEXT NOT NULL,  -- pending | delivered | dropped | failed | cancelled
    attempts         INTEGER NOT NULL DEFAULT 0,
    -- When the row is due (ms). While an attempt runs it holds the lease's expiry, so a
    -- worker that died mid-attempt releases the row by itself.
    next_attempt_at  INTEGER,
    lease_owner      TEXT,
    created_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_by_subscription ON deliveries (subscription_id) WHERE state = 'pending';
CREATE TABLE delivery_attempts (
    id                INTEGER PRIMARY KEY,  -- insertion order = newest last
    delivery_id       TEXT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    account_id        TEXT NOT NULL,
    subscription_id   TEXT NOT NULL,
    event_id          TEXT NOT NULL,
    event_type        TEXT NOT NULL,
    attempt           INTEGER NOT NULL,
    attempted_at      INTEGER NOT NULL,
    destination       TEXT NOT NULL,    -- where the request went (--deliver-to, listen, target)
    status            INTEGER,          -- HTTP status, NULL when no answer came
    error             TEXT,             -- why there was no (acceptable) answer
    latency_ms        INTEGER NOT NULL,
    response_snippet  TEXT,
    outcome           TEXT NOT NULL,    -- delivered | retrying | dropped | exhausted | cancelled
    next_attempt_at   INTEGER
) STRICT;
CREATE INDEX delivery_attempts_by_account ON delivery_attempts (account_id, id);
CREATE INDEX delivery_attempts_by_subscription
    ON delivery_attempts (account_id, subscription_id, id);
-- Delivery affinity: the token a receiver echoed for a chat (linq-api.md §4.1, §8.1).
CREATE TABLE routing_tokens (
    subscription_id  TEXT NOT NULL,
    chat_id          TEXT NOT NULL,
    token            TEXT NOT NULL,
    PRIMARY KEY (subscription_id, chat_id)
) STRICT;
-- `listen`: the receiver an account's deliveries go to instead of their targets.
CREATE TABLE forwards (
    account_id     TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    url            TEXT NOT NULL,
    registered_at  INTEGER NOT NULL
) STRICT;
"#;

const INITIAL_SCHEMA: &str = r#"
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,   -- hex SHA-256 of the API key; the key is never stored
    created_at  INTEGER NOT NULL,   -- ms since the epoch
    seeded      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE subscriptions (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    target_url          TEXT NOT NULL,
    subscribed_events   TEXT NOT NULL,  -- JSON array of event types
    phone_numbers       TEXT NOT NULL,  -- JSON array; [] = every line
    is_active           INTEGER NOT NULL,
    routing_key_header  TEXT,           -- NULL = delivery affinity off
    routing_id_header   TEXT,           -- set iff routing_key_header is
    signing_secret      TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    UNIQUE (account_id, target_url)
) STRICT;
CREATE INDEX subscriptions_by_account ON subscriptions (account_id, created_at, id);
CREATE TABLE phone_lines (
    id                 TEXT PRIMARY KEY,
    account_id         TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    position           INTEGER NOT NULL,
    phone_number       TEXT NOT NULL,
    reputation         TEXT NOT NULL,
    forwarding_number  TEXT,
    line_type          TEXT NOT NULL
) STRICT;
"#;

fn fill_url_identity(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let mut select = tx.prepare("SELECT id, target_url FROM subscriptions")?;
    let rows = select
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut update = tx.prepare("UPDATE subscriptions SET url_identity = ?2 WHERE id = ?1")?;
    for (id, target_url) in rows {
        update.execute(params![id, validate::url_identity(&target_url)])?;
    }
    Ok(())
}

/// Opens (creating if needed) and migrates the database file.
pub(super) fn open_database(path: &Path) -> Result<Connection, StoreError> {
    check_path(path)?;
    let open_error = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    // NOFOLLOW: a symlink put there after the check is refused by SQLite too.
    let flags = OpenFlags::default() | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let mut conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
    // WAL: readers never block the writer, and a crash cannot tear the file.
    conn.query_row("PRAGMA journal_mode = WAL", [], |row| {
        row.get::<_, String>(0)
    })
    .map_err(open_error)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .and_then(|()| conn.pragma_update(None, "foreign_keys", "ON"))
        .and_then(|()| conn.busy_timeout(Duration::from_secs(5)))
        .map_err(open_error)?;
    migrate(&mut conn, path)?;
    Ok(conn)
}

/// The database holds signing secrets: the file is created 0600 (SQLite would make it 0644
/// less the umask), or verified as ours and narrowed, before SQLite opens it; the
/// `-wal`/`-shm` get the database's mode from SQLite. A path that is not our database
/// file is refused, untouched.
pub(super) fn check_path(path: &Path) -> Result<(), StoreError> {
    private_files::prepare_sqlite(path).map_err(|source| match private_files::refusal(&source) {
        Some(refused) => StoreError::Refused {
            path: path.to_owned(),
            refused: refused.clone(),
        },
        None => StoreError::Create {
            path: path.to_owned(),
            source,
        },
    })
}

/// A read-only connection to a database [`open_database`] has opened and migrated.
pub(super) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_NOFOLLOW;
    let conn = Connection::open_with_flags(path, flags).map_err(open_error)?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(open_error)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if found > supported {
        return Err(StoreError::SchemaTooNew {
            path: path.to_owned(),
            found,
            supported,
        });
    }
    for (index, step) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        // One transaction per step: the schema and its version number move together.
        let tx = conn.transaction()?;
        tx.execute_batch(step.sql)?;
        if let Some(fill) = step.fill {
            fill(&tx)?;
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA user_version", [], |row| row.get(0))
            .expect("user_version")
    }

    #[test]
    fn migrations_run_once_and_record_the_version() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sandbox.db");
        let conn = open_database(&path).expect("fresh");
        assert_eq!(version(&conn), MIGRATIONS.len() as i64);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .expect("journal_mode");
        assert_eq!(mode, "wal");
        drop(conn);
        // Reopening an up-to-date file is a no-op (no "table already exists").
        let conn = open_database(&path).expect("reopen");
        assert_eq!(version(&conn), MIGRATIONS.len() as i64);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sandbox.db");
        let conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", 99).expect("set");
        drop(conn);
        assert!(matches!(
            open_database(&path),
            Err(StoreError::SchemaTooNew { found: 99, .. })
        ));
    }

    #[test]
    fn url_identities_are_filled_in_for_a_version_1_database() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sandbox.db");
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch(INITIAL_SCHEMA).expect("v1 schema");
        conn.pragma_update(None, "user_version", 1).expect("v1");
        conn.execute_batch(
            "INSERT INTO accounts (id, created_at) VALUES ('a', 0);
             INSERT INTO subscriptions (id, account_id, target_url, subscribed_events,
                 phone_numbers, is_active, signing_secret, created_at, updated_at)
             VALUES ('s1', 'a', 'HTTPS://PayPal.example:443/./hook', '[\"message.sent\"]',
                 '[]', 1, 'whsec_x', 0, 0);",
        )
        .expect("v1 row");
        drop(conn);
        let conn = open_database(&path).expect("migrates");
        assert_eq!(version(&conn), MIGRATIONS.len() as i64);
        let (url, identity): (String, String) = conn
            .query_row(
                "SELECT target_url, url_identity FROM subscriptions WHERE id = 's1'",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .expect("row");
        assert_eq!(url, "HTTPS://PayPal.example:443/./hook");
        assert_eq!(identity, "https://paypal.example/hook");
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_database_from_an_older_build_is_narrowed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sandbox.db");
        drop(open_database(&path).expect("fresh"));
        let files = || {
            let [wal, shm, _] = private_files::sqlite_companions(&path);
            [path.clone(), wal, shm]
        };
        for file in files().iter().filter(|f| f.exists()) {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        let conn = open_database(&path).expect("reopen");
        conn.execute_batch("INSERT INTO accounts (id, created_at) VALUES ('a', 0)")
            .expect("write");
        for file in files() {
            assert_eq!(
                private_files::mode(&file).expect("exists"),
                0o600,
                "{}",
                file.display()
            );
        }
    }
}
