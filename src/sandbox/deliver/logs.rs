//! `GET /api/v1/webhook-logs`: Linq's delivery log (linq-api.md §12), served from the
//! sandbox's own attempt store, beside `/api/partner` so `LINQ_LOGS_URL=http://HOST/api`
//! works for the official CLI unchanged.
//!
//! Choices where §12 leaves them open: the cursor is the last row's id, opaque to clients
//! (`next_cursor` is absent on the last page); a cursor that is not one of ours → 400/1005;
//! `per_page` outside 1–50 → 400/1005; `partner_id`/`org_id` naming another partner →
//! 403/2005; without `subscription_id`, the whole account's log. Stored outcomes map to
//! the log's statuses: delivered → `success`, retrying → `retrying`, dropped, exhausted and
//! cancelled → `failed`.

use super::super::auth::Account;
use super::super::envelope::{quoted, ApiError};
use super::super::model::{format_millis, Millis};
use super::super::store::{Store, StoreError};
use super::super::AppState;
use super::schedule::MAX_RETRIES;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use rusqlite::types::Value as SqlValue;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub(crate) const WEBHOOK_LOGS: &str = "/api/v1/webhook-logs";
/// `per_page`: default and maximum (§12).
pub(crate) const DEFAULT_PER_PAGE: u32 = 20;
pub(crate) const MAX_PER_PAGE: u32 = 50;
/// Longest `event_type` filter accepted (event types are short names).
const MAX_EVENT_TYPE_LEN: usize = 200;

/// One log entry, in exactly the field set of §12.
#[derive(Debug, Serialize)]
pub(crate) struct LogEntry {
    event_id: String,
    webhook_event_type: String,
    target_url: String,
    http_status_code: u16,
    duration_ms: u64,
    timestamp: String,
    status: &'static str,
    attempt: u32,
    max_attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    trace_id: String,
    subscription_id: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Pagination {
    has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    per_page: u32,
}

#[derive(Debug, Serialize)]
pub(crate) struct LogPage {
    webhook_logs: Vec<LogEntry>,
    pagination: Pagination,
}

/// The log's `status` filter, as stored outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusFilter {
    Success,
    Failed,
    Retrying,
}

impl StatusFilter {
    fn outcomes(self) -> &'static str {
        match self {
            StatusFilter::Success => "('delivered')",
            StatusFilter::Failed => "('dropped', 'exhausted', 'cancelled')",
            StatusFilter::Retrying => "('retrying')",
        }
    }
}

/// A validated log query.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct LogQuery {
    subscription_id: Option<String>,
    event_type: Option<String>,
    status: Option<StatusFilter>,
    /// Only rows older than this id (the cursor).
    before: Option<i64>,
    per_page: u32,
}

/// Parses the query string. `partner` is the caller's partner id: a `partner_id` or
/// `org_id` naming anyone else is refused.
pub(crate) fn parse_query(raw: &str, partner: &str) -> Result<LogQuery, ApiError> {
    let mut query = LogQuery {
        per_page: DEFAULT_PER_PAGE,
        ..LogQuery::default()
    };
    for (name, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        match name.as_ref() {
            "partner_id" | "org_id" if value != partner => {
                return Err(ApiError::access_denied(format!(
                    "Access denied: {name} {} is not this key's organisation",
                    quoted(&value)
                )));
            }
            "per_page" => {
                query.per_page = value
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                    .ok_or_else(|| {
                        ApiError::invalid_value(format!(
                            "Invalid per_page: {} is not a number from 1 to {MAX_PER_PAGE}",
                            quoted(&value)
                        ))
                    })?;
            }
            "status" => {
                query.status = match value.as_ref() {
                    "success" => Some(StatusFilter::Success),
                    "failed" => Some(StatusFilter::Failed),
                    "retrying" => Some(StatusFilter::Retrying),
                    // The CLI's `--status all` means no filter.
                    "" | "all" => None,
                    other => {
                        return Err(ApiError::invalid_value(format!(
                            "Invalid status: {} (expected success, failed or retrying)",
                            quoted(other)
                        )))
                    }
                };
            }
            "event_type" if value.len() > MAX_EVENT_TYPE_LEN => {
                return Err(ApiError::invalid_value("Invalid event_type: too long"));
            }
            "event_type" => query.event_type = (!value.is_empty()).then(|| value.into_owned()),
            "subscription_id" => {
                query.subscription_id = (!value.is_empty()).then(|| value.into_owned())
            }
            "cursor" if value.is_empty() => {}
            "cursor" => query.before = Some(parse_cursor(&value)?),
            // Unknown parameters are ignored, like unknown body fields.
            _ => {}
        }
    }
    Ok(query)
}

/// Cursors are `c` + the id of the page's last row: opaque to clients, and a cursor from
/// elsewhere is refused rather than read as "from the start".
fn cursor_for(id: i64) -> String {
    format!("c{id}")
}

fn parse_cursor(text: &str) -> Result<i64, ApiError> {
    text.strip_prefix('c')
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::invalid_value(format!("Invalid cursor: {}", quoted(text))))
}

pub(crate) async fn webhook_logs(
    State(state): State<AppState>,
    Extension(account): Extension<Account>,
    RawQuery(raw): RawQuery,
) -> Result<Json<LogPage>, ApiError> {
    let query = parse_query(raw.as_deref().unwrap_or_default(), &account.partner_id())?;
    let page = state.store.webhook_logs(account.id(), query).await?;
    Ok(Json(page))
}

/// A stored attempt, as the log query reads it.
struct StoredAttempt {
    id: i64,
    delivery_id: String,
    event_id: String,
    event_type: String,
    target_url: String,
    status: Option<u16>,
    latency_ms: i64,
    attempted_at: Millis,
    outcome: String,
    attempt: u32,
    error: Option<String>,
    subscription_id: String,
}

impl Store {
    /// One page of the account's log, newest first. Keyset paging on the attempt id, so
    /// any page costs the same whatever the log's length (the indexes on
    /// `(account_id, subscription_id, id)` and `(account_id, id)` serve it).
    pub(crate) async fn webhook_logs(
        &self,
        account: String,
        query: LogQuery,
    ) -> Result<LogPage, StoreError> {
        self.read(move |conn| {
            let mut sql = String::from(
                "SELECT a.id, a.delivery_id, a.event_id, a.event_type, d.target_url, a.status,
                        a.latency_ms, a.attempted_at, a.outcome, a.attempt, a.error,
                        a.subscription_id
                 FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id
                 WHERE a.account_id = ?",
            );
            let mut params: Vec<SqlValue> = vec![account.into()];
            if let Some(id) = query.subscription_id {
                sql.push_str(" AND a.subscription_id = ?");
                params.push(id.into());
            }
            if let Some(before) = query.before {
                sql.push_str(" AND a.id < ?");
                params.push(before.into());
            }
            if let Some(event_type) = query.event_type {
                sql.push_str(" AND a.event_type = ?");
                params.push(event_type.into());
            }
            if let Some(status) = query.status {
                sql.push_str(" AND a.outcome IN ");
                sql.push_str(status.outcomes());
            }
            sql.push_str(" ORDER BY a.id DESC LIMIT ?");
            // One more than asked says whether another page exists.
            params.push(i64::from(query.per_page + 1).into());
            let mut statement = conn.prepare_cached(&sql)?;
            let rows = statement.query_map(rusqlite::params_from_iter(params), |row| {
                Ok(StoredAttempt {
                    id: row.get(0)?,
                    delivery_id: row.get(1)?,
                    event_id: row.get(2)?,
                    event_type: row.get(3)?,
                    target_url: row.get(4)?,
                    status: row.get(5)?,
                    latency_ms: row.get(6)?,
                    attempted_at: row.get(7)?,
                    outcome: row.get(8)?,
                    attempt: row.get(9)?,
                    error: row.get(10)?,
                    subscription_id: row.get(11)?,
                })
            })?;
            let mut stored = rows.collect::<Result<Vec<_>, _>>()?;
            let has_more = stored.len() > query.per_page as usize;
            stored.truncate(query.per_page as usize);
            let next_cursor = has_more
                .then(|| stored.last().map(|row| cursor_for(row.id)))
                .flatten();
            Ok(LogPage {
                webhook_logs: stored.into_iter().map(log_entry).collect(),
                pagination: Pagination {
                    has_more,
                    next_cursor,
                    per_page: query.per_page,
                },
            })
        })
        .await
    }
}

fn log_entry(row: StoredAttempt) -> LogEntry {
    let status = match row.outcome.as_str() {
        "delivered" => "success",
        "retrying" => "retrying",
        _ => "failed",
    };
    let (error_type, error_message) = match (row.status, row.error) {
        (Some(code), _) if (200..300).contains(&code) => (None, None),
        (Some(code), _) => (Some("http_error"), Some(reason(code))),
        (None, Some(error)) => (Some(error_type(&error)), Some(error)),
        (None, None) => (Some("unknown"), None),
    };
    LogEntry {
        trace_id: trace_id(&row.delivery_id, row.attempt),
        event_id: row.event_id,
        webhook_event_type: row.event_type,
        target_url: row.target_url,
        http_status_code: row.status.unwrap_or(0),
        duration_ms: u64::try_from(row.latency_ms).unwrap_or(0),
        timestamp: format_millis(row.attempted_at),
        status,
        attempt: row.attempt,
        max_attempts: MAX_RETRIES + 1,
        error_type,
        error_message,
        subscription_id: row.subscription_id,
    }
}

/// The reason phrase of an HTTP status, as Linq's log shows it ("Service Unavailable").
fn reason(code: u16) -> String {
    StatusCode::from_u16(code)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(|| format!("HTTP {code}"), str::to_owned)
}

/// A short name for why no answer came, from the worker's stored wording.
fn error_type(error: &str) -> &'static str {
    if error.starts_with("timed out") {
        "timeout"
    } else if error.starts_with("connection failed") {
        "connection_error"
    } else if error.starts_with("not sent") {
        "not_sent"
    } else {
        "request_error"
    }
}

/// A stable 32-hex trace id per attempt (the sandbox keeps none for deliveries).
fn trace_id(delivery_id: &str, attempt: u32) -> String {
    let digest = Sha256::digest(format!("{delivery_id}:{attempt}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARTNER: &str = "partner_0123456789ab";

    fn code(raw: &str) -> Result<LogQuery, (u16, u16)> {
        parse_query(raw, PARTNER).map_err(|e| (e.status.as_u16(), e.code))
    }

    #[test]
    fn queries_are_validated() {
        let q = code("partner_id=partner_0123456789ab&org_id=partner_0123456789ab&per_page=5")
            .expect("valid");
        assert_eq!(q.per_page, 5);
        assert_eq!(code("").expect("valid").per_page, DEFAULT_PER_PAGE);
        assert_eq!(code("org_id=someone_else").unwrap_err(), (403, 2005));
        assert_eq!(code("partner_id=").unwrap_err(), (403, 2005));
        for bad in ["per_page=0", "per_page=51", "per_page=x", "per_page=-1"] {
            assert_eq!(code(bad).unwrap_err(), (400, 1005), "{bad}");
        }
        assert_eq!(code("per_page=50").expect("valid").per_page, 50);
        assert_eq!(code("status=bogus").unwrap_err(), (400, 1005));
        assert_eq!(code("status=all").expect("valid").status, None);
        assert_eq!(
            code("status=failed").expect("valid").status,
            Some(StatusFilter::Failed)
        );
        assert_eq!(code("cursor=12").unwrap_err(), (400, 1005));
        assert_eq!(code("cursor=c0").unwrap_err(), (400, 1005));
        assert_eq!(code("cursor=c12").expect("valid").before, Some(12));
        assert_eq!(code("whatever=1").expect("valid"), code("").expect("valid"));
    }

    #[test]
    fn errors_get_short_types() {
        assert_eq!(
            error_type("timed out after 10 s without an answer"),
            "timeout"
        );
        assert_eq!(
            error_type("connection failed: dns error"),
            "connection_error"
        );
        assert_eq!(
            error_type("not sent: the target is on this machine"),
            "not_sent"
        );
        assert_eq!(reason(503), "Service Unavailable");
        assert_eq!(reason(599), "HTTP 599");
        assert_eq!(trace_id("d", 1).len(), 32);
        assert_ne!(trace_id("d", 1), trace_id("d", 2));
    }
}
