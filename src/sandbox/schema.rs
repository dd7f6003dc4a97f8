//! Opening the sandbox database: pragmas and schema migrations (`PRAGMA user_version`).

use super::store::StoreError;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// Schema migrations, applied in order; `PRAGMA user_version` counts how many ran.
/// Append new entries, never edit old ones.
const MIGRATIONS: &[&str] = &[r#"
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
"#];

/// Opens (creating if needed) and migrates the database file.
pub(super) fn open_database(path: &Path) -> Result<Connection, StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.to_owned(),
        source,
    };
    let mut conn = Connection::open(path).map_err(open_error)?;
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
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        // One transaction per step: the schema and its version number move together.
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
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
}
