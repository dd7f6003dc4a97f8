//! Rows in and out of SQLite: reading subscriptions (typed and raw), inserting them, and
//! the small SQL helpers the store and the delivery queue share.

use super::{StoreError, SUBSCRIPTION_COLUMNS};
use crate::sandbox::model::{
    ListedSubscription, PhoneLine, Routing, SigningSecret, Subscription, DEFAULT_ROUTING_ID_HEADER,
};
use crate::validate::url_identity;
use rusqlite::types::Type;
use rusqlite::{params, Connection, OptionalExtension, Row, Transaction, TransactionBehavior};
use serde_json::value::RawValue;

/// `BEGIN IMMEDIATE`: takes the write lock up front. A deferred transaction that reads and
/// then writes can fail with SQLITE_BUSY at once (no busy wait) when another process, e.g. a
/// second sandbox on the same file, wrote in between.
pub(in crate::sandbox) fn write_transaction(
    conn: &mut Connection,
) -> rusqlite::Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
}

pub(in crate::sandbox) fn json_list(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}

pub(super) fn parse_json_list(row: &Row<'_>, column: usize) -> rusqlite::Result<Vec<String>> {
    let text: String = row.get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e)))
}

pub(super) fn read_subscription(row: &Row<'_>) -> rusqlite::Result<Subscription> {
    let key_header: Option<String> = row.get(7)?;
    let id_header: Option<String> = row.get(8)?;
    Ok(Subscription {
        id: row.get(0)?,
        created_at: row.get(1)?,
        updated_at: row.get(2)?,
        is_active: row.get(3)?,
        subscribed_events: parse_json_list(row, 4)?,
        target_url: row.get(5)?,
        phone_numbers: parse_json_list(row, 6)?,
        routing: key_header.map_or(Routing::Off, |key| Routing::on(key, id_header)),
    })
}

/// Like [`read_subscription`], but keeps the stored JSON lists as JSON text.
pub(super) fn read_listed_subscription(row: &Row<'_>) -> rusqlite::Result<ListedSubscription> {
    let phone_numbers = raw_json(row, 6)?;
    let key_header: Option<String> = row.get(7)?;
    // What `Routing` makes of the two columns: no id header without affinity, the default
    // one with it.
    let id_header = match key_header {
        Some(_) => Some(
            row.get::<_, Option<String>>(8)?
                .unwrap_or_else(|| DEFAULT_ROUTING_ID_HEADER.to_owned()),
        ),
        None => None,
    };
    Ok(ListedSubscription {
        id: row.get(0)?,
        created_at: row.get(1)?,
        updated_at: row.get(2)?,
        is_active: row.get(3)?,
        subscribed_events: raw_json(row, 4)?,
        target_url: row.get(5)?,
        // An empty filter (stored as `[]` by `json_list`) is sent as `null`.
        phone_numbers: (!is_empty_array(&phone_numbers)).then_some(phone_numbers),
        routing_id_header: id_header,
        routing_key_header: key_header,
    })
}

pub(super) fn is_empty_array(json: &RawValue) -> bool {
    json.get()
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .eq(*b"[]")
}

pub(super) fn raw_json(row: &Row<'_>, column: usize) -> rusqlite::Result<Box<RawValue>> {
    let text: String = row.get(column)?;
    RawValue::from_string(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(column, Type::Text, Box::new(e)))
}

pub(super) fn load_subscription(
    conn: &Connection,
    account: &str,
    id: &str,
) -> Result<Option<Subscription>, StoreError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE account_id = ?1 AND id = ?2"
    ))?;
    Ok(statement
        .query_row([account, id], read_subscription)
        .optional()?)
}

/// Uniqueness within one account (linq-api.md §4.1) compares URL identities
/// (`validate::url_identity`): `HTTPS://Hooks.example:443/./in` is `https://hooks.example/in`.
pub(super) fn target_url_taken(
    tx: &Transaction<'_>,
    account: &str,
    identity: &str,
    except_id: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM subscriptions
             WHERE account_id = ?1 AND url_identity = ?2 AND id IS NOT ?3)",
        params![account, identity, except_id],
        |row| row.get(0),
    )?)
}

pub(super) fn insert_subscription(
    tx: &Transaction<'_>,
    account: &str,
    subscription: &Subscription,
    secret: &SigningSecret,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO subscriptions (id, account_id, target_url, subscribed_events,
             phone_numbers, is_active, routing_key_header, routing_id_header, signing_secret,
             created_at, updated_at, url_identity)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            subscription.id,
            account,
            subscription.target_url,
            json_list(&subscription.subscribed_events),
            json_list(&subscription.phone_numbers),
            subscription.is_active,
            subscription.routing.key_header(),
            subscription.routing.id_header(),
            secret.expose(),
            subscription.created_at,
            subscription.updated_at,
            url_identity(&subscription.target_url),
        ],
    )?;
    Ok(())
}

pub(super) fn insert_line(
    tx: &Transaction<'_>,
    account: &str,
    position: usize,
    line: &PhoneLine,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO phone_lines (id, account_id, position, phone_number, reputation,
             forwarding_number, line_type)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            line.id,
            account,
            position as i64,
            line.phone_number,
            line.reputation.status,
            line.forwarding_number,
            line.line_type,
        ],
    )?;
    Ok(())
}

/// Pausing or deleting a subscription stops its pending deliveries (and retries).
pub(crate) fn cancel_pending(conn: &Connection, subscription_id: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE deliveries SET state = 'cancelled', next_attempt_at = NULL, lease_owner = NULL
         WHERE subscription_id = ?1 AND state = 'pending'",
        [subscription_id],
    )
}

/// Turning delivery affinity off drops the tokens learned for it (linq-api.md §4.2).
pub(crate) fn drop_routing_tokens(
    conn: &Connection,
    subscription_id: &str,
) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM routing_tokens WHERE subscription_id = ?1",
        [subscription_id],
    )
}
