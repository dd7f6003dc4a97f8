//! Linq's delivery log (linq-api.md §12): what each delivery attempt got back.
//!
//! Not the Partner API: another base (`LOGS_BASE`, default [`DEFAULT_LOGS_BASE`]), the path
//! `/v1/webhook-logs`, the organisation id as both `partner_id` and `org_id`, the same
//! bearer key. The endpoint is experimental, so every way it can fail is one
//! [`LogsError`] whose [`LogsError::sentence`] is one quiet line; nothing here retries.
//! Every string of an entry is cleaned (`text::clean`) when it is parsed; the raw JSON of
//! each entry is kept for `--json`.

use crate::api::ApiKey;
use crate::text::clean;
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::time::Duration;
use time::OffsetDateTime;

/// Where Linq serves the log.
pub const DEFAULT_LOGS_BASE: &str = "https://v3-logs.linqapp.com/api";
/// The official CLI's variables (the environment account reads them).
pub const LOGS_URL_VAR: &str = "LINQ_LOGS_URL";
pub const ORG_ID_VAR: &str = "LINQ_ORG_ID";
/// The largest page the log serves.
pub const MAX_PER_PAGE: u32 = 50;
/// The most entries `recent` gathers (ten pages).
pub const MAX_LAST: usize = 500;
/// How often a log is polled while someone watches it (`--tail`, the detail pane): the
/// official CLI's pace, and never faster.
pub const POLL_EVERY: Duration = Duration::from_secs(3);
/// The official CLI's request timeout.
pub const TIMEOUT: Duration = Duration::from_secs(15);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The most of one answer that is read (50 entries are ~40 KiB).
const MAX_BODY: usize = 2 * 1024 * 1024;
/// An organisation id or cursor longer than this is not one.
const MAX_TOKEN_LEN: usize = 512;

/// Where an account's log is, and whose.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogsAccess {
    /// e.g. `https://v3-logs.linqapp.com/api` (the path `/v1/webhook-logs` is appended).
    pub base: String,
    /// The organisation id; without it no request is made.
    pub org_id: Option<String>,
}

impl LogsAccess {
    /// The log's default base for an API base URL: Linq's log host for Linq's API, else
    /// the API base without its `/partner` (where the sandbox, and a proxy of both,
    /// serves it) — the same host the key already goes to.
    pub fn default_base(api_base: &str) -> String {
        let trimmed = api_base.trim_end_matches('/');
        if trimmed == crate::api::client::DEFAULT_BASE_URL {
            return DEFAULT_LOGS_BASE.to_owned();
        }
        match trimmed.strip_suffix("/partner") {
            Some(api) => api.to_owned(),
            None => DEFAULT_LOGS_BASE.to_owned(),
        }
    }
}

/// The `status` filter; `None` in a query is all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFilter {
    Success,
    Failed,
    Retrying,
    All,
}

impl StatusFilter {
    fn param(self) -> Option<&'static str> {
        match self {
            StatusFilter::Success => Some("success"),
            StatusFilter::Failed => Some("failed"),
            StatusFilter::Retrying => Some("retrying"),
            StatusFilter::All => None,
        }
    }
}

/// One request's filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogQuery {
    pub subscription_id: String,
    pub status: StatusFilter,
    pub event_type: Option<String>,
    /// Clamped to 1..=50.
    pub per_page: u32,
    pub cursor: Option<String>,
}

impl LogQuery {
    pub fn new(subscription_id: impl Into<String>, per_page: u32) -> Self {
        LogQuery {
            subscription_id: subscription_id.into(),
            status: StatusFilter::All,
            event_type: None,
            per_page,
            cursor: None,
        }
    }
}

/// What an attempt came to (`status`); anything else the log may grow is kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptStatus {
    Success,
    Failed,
    Retrying,
    Other(String),
}

impl AttemptStatus {
    pub fn as_str(&self) -> &str {
        match self {
            AttemptStatus::Success => "success",
            AttemptStatus::Failed => "failed",
            AttemptStatus::Retrying => "retrying",
            AttemptStatus::Other(text) => text,
        }
    }

    pub fn is_failure(&self) -> bool {
        !matches!(self, AttemptStatus::Success)
    }
}

/// One attempt, typed and cleaned. Missing fields are `None`/empty rather than an error:
/// the log is experimental and an entry that lacks a field is still evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    pub event_id: String,
    pub event_type: String,
    pub target_url: String,
    /// `None` when no HTTP answer came (`0` or absent in the log).
    pub http_status: Option<u16>,
    pub duration_ms: Option<u64>,
    pub timestamp: Option<OffsetDateTime>,
    pub status: AttemptStatus,
    pub attempt: u32,
    pub max_attempts: Option<u32>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub trace_id: Option<String>,
    pub subscription_id: String,
}

impl LogEntry {
    /// `event_id:attempt`: what `--tail` has printed already.
    pub fn key(&self) -> String {
        format!("{}:{}", self.event_id, self.attempt)
    }
}

/// An entry with the JSON it came as.
#[derive(Debug, Clone)]
pub struct RawEntry {
    pub entry: LogEntry,
    pub raw: Box<RawValue>,
}

/// One page: entries newest first, and the cursor of the next one.
#[derive(Debug, Clone)]
pub struct LogPage {
    pub entries: Vec<RawEntry>,
    pub next_cursor: Option<String>,
}

/// Why the log could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogsError {
    #[error("no organisation id for this account: set org_id in its profile or LINQ_ORG_ID (`linq login` stores it as orgId)")]
    NoOrgId,
    #[error("the key was not accepted by the delivery log (401)")]
    Unauthorized,
    #[error("the key cannot read the delivery log (403)")]
    Forbidden,
    #[error("no delivery log at {base} (404)")]
    NotFound { base: String },
    #[error("HTTP {status} from the delivery log: {snippet}")]
    Http { status: u16, snippet: String },
    #[error("the answer is not a delivery log: {0}")]
    Unreadable(String),
    #[error("the delivery log did not answer within {} s", TIMEOUT.as_secs())]
    Timeout,
    #[error("cannot reach the delivery log: {0}")]
    Unreachable(String),
    #[error("invalid delivery log request: {0}")]
    Invalid(String),
}

impl LogsError {
    /// One quiet line for a pane or `doctor`: "delivery logs unavailable: …".
    pub fn sentence(&self) -> String {
        let why = match self {
            LogsError::NoOrgId => "no organisation id (org_id / LINQ_ORG_ID)".to_owned(),
            LogsError::Unauthorized => "the key was refused (401)".to_owned(),
            LogsError::Forbidden => "the key cannot read them (403)".to_owned(),
            LogsError::NotFound { .. } => "not served here (404)".to_owned(),
            LogsError::Http { status, .. } => format!("the server answered {status}"),
            LogsError::Unreadable(_) => "the answer was not a delivery log".to_owned(),
            LogsError::Timeout => format!("no answer within {} s", TIMEOUT.as_secs()),
            LogsError::Unreachable(_) => "the log host cannot be reached".to_owned(),
            LogsError::Invalid(why) => why.clone(),
        };
        format!("delivery logs unavailable: {why}")
    }

    /// The endpoint is closed to this key or absent, or speaks another language: a
    /// warning at most (the log is experimental), never an error of the account.
    pub fn is_unavailable(&self) -> bool {
        matches!(
            self,
            LogsError::NoOrgId
                | LogsError::Unauthorized
                | LogsError::Forbidden
                | LogsError::NotFound { .. }
                | LogsError::Unreadable(_)
        )
    }
}

/// The client of one account's log.
#[derive(Debug, Clone)]
pub struct LogsClient {
    http: reqwest::Client,
    url: url::Url,
    org_id: Option<String>,
}

impl LogsClient {
    pub fn new(access: &LogsAccess, key: &ApiKey) -> Result<Self, LogsError> {
        let base = access.base.trim_end_matches('/');
        let url = url::Url::parse(&format!("{base}/v1/webhook-logs"))
            .map_err(|e| LogsError::Invalid(format!("logs URL {:?}: {e}", clean(base))))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(LogsError::Invalid(format!(
                "logs URL {:?} must be http(s) with a host",
                clean(base)
            )));
        }
        if let Some(org) = &access.org_id {
            if org.is_empty() || org.len() > MAX_TOKEN_LEN || org.chars().any(char::is_control) {
                return Err(LogsError::Invalid(
                    "the organisation id is malformed".into(),
                ));
            }
        }
        let mut headers = HeaderMap::new();
        let bearer = key
            .bearer()
            .map_err(|_| LogsError::Invalid("the API key has invalid characters".into()))?;
        headers.insert(AUTHORIZATION, bearer);
        headers.insert(
            USER_AGENT,
            reqwest::header::HeaderValue::from_static(concat!(
                "linq-hooks/",
                env!("CARGO_PKG_VERSION")
            )),
        );
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(TIMEOUT)
            // The key must not follow a redirect to another host.
            .redirect(reqwest::redirect::Policy::none());
        if url.scheme() == "http" {
            builder = builder.tls_certs_only(Vec::<reqwest::Certificate>::new());
        }
        let http = builder
            .build()
            .map_err(|e| LogsError::Invalid(format!("HTTP client: {e}")))?;
        Ok(LogsClient {
            http,
            url,
            org_id: access.org_id.clone(),
        })
    }

    /// The request URL of a query, parameters in the official CLI's order.
    fn request_url(&self, org: &str, query: &LogQuery) -> url::Url {
        let mut url = self.url.clone();
        {
            let mut pairs = url.query_pairs_mut();
            pairs
                .append_pair("partner_id", org)
                .append_pair("org_id", org)
                .append_pair("subscription_id", &query.subscription_id)
                .append_pair(
                    "per_page",
                    &query.per_page.clamp(1, MAX_PER_PAGE).to_string(),
                );
            if let Some(status) = query.status.param() {
                pairs.append_pair("status", status);
            }
            if let Some(event_type) = &query.event_type {
                pairs.append_pair("event_type", event_type);
            }
            if let Some(cursor) = &query.cursor {
                pairs.append_pair("cursor", cursor);
            }
        }
        url
    }

    /// One page. No request at all without an organisation id.
    pub async fn page(&self, query: &LogQuery) -> Result<LogPage, LogsError> {
        let org = self.org_id.as_deref().ok_or(LogsError::NoOrgId)?;
        let url = self.request_url(org, query);
        let mut response = self
            .http
            .get(url)
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status().as_u16();
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(LogsError::Unreadable(format!(
                    "over {} MiB",
                    MAX_BODY / (1024 * 1024)
                )));
            }
            body.extend_from_slice(&chunk);
        }
        match status {
            200..=299 => parse_page(&body),
            401 => Err(LogsError::Unauthorized),
            403 => Err(LogsError::Forbidden),
            404 => Err(LogsError::NotFound {
                base: clean(self.url.as_str()).into_owned(),
            }),
            _ => Err(LogsError::Http {
                status,
                snippet: snippet(&body),
            }),
        }
    }

    /// Up to `last` newest entries (at most [`MAX_LAST`]), following `next_cursor` pages
    /// of 50 until the cursor is absent, a page comes back empty, or enough are in.
    pub async fn recent(&self, query: &LogQuery, last: usize) -> Result<Vec<RawEntry>, LogsError> {
        let last = last.clamp(1, MAX_LAST);
        let mut query = query.clone();
        let mut gathered: Vec<RawEntry> = Vec::new();
        loop {
            let left = last - gathered.len();
            query.per_page = u32::try_from(left.min(MAX_PER_PAGE as usize)).unwrap_or(1);
            let page = self.page(&query).await?;
            let empty = page.entries.is_empty();
            gathered.extend(page.entries.into_iter().take(left));
            match page.next_cursor {
                Some(cursor)
                    if !empty
                        && gathered.len() < last
                        && Some(&cursor) != query.cursor.as_ref() =>
                {
                    query.cursor = Some(cursor);
                }
                _ => return Ok(gathered),
            }
        }
    }
}

fn transport(error: reqwest::Error) -> LogsError {
    if error.is_timeout() {
        return LogsError::Timeout;
    }
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    LogsError::Unreachable(clean(&text).chars().take(300).collect())
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let text = clean(&text).trim().to_owned();
    if text.is_empty() {
        "(empty body)".to_owned()
    } else {
        text
    }
}

#[derive(Deserialize)]
struct WirePage {
    webhook_logs: Vec<Box<RawValue>>,
    #[serde(default)]
    pagination: Option<WirePagination>,
}

#[derive(Deserialize)]
struct WirePagination {
    #[serde(default)]
    next_cursor: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireEntry {
    event_id: Option<String>,
    webhook_event_type: Option<String>,
    target_url: Option<String>,
    http_status_code: Option<u16>,
    duration_ms: Option<u64>,
    timestamp: Option<String>,
    status: Option<String>,
    attempt: Option<u32>,
    max_attempts: Option<u32>,
    error_type: Option<String>,
    error_message: Option<String>,
    trace_id: Option<String>,
    subscription_id: Option<String>,
}

/// Parses a 200 answer. Unknown fields are ignored; an answer without `pagination` is
/// one page; an entry that is not an object, or whose known fields have the wrong type,
/// makes the answer unreadable.
pub fn parse_page(body: &[u8]) -> Result<LogPage, LogsError> {
    let page: WirePage = serde_json::from_slice(body)
        .map_err(|e| LogsError::Unreadable(clean(&e.to_string()).into_owned()))?;
    let entries = page
        .webhook_logs
        .into_iter()
        .map(|raw| {
            let wire: WireEntry = serde_json::from_str(raw.get())
                .map_err(|e| LogsError::Unreadable(clean(&e.to_string()).into_owned()))?;
            Ok(RawEntry {
                entry: entry(wire),
                raw,
            })
        })
        .collect::<Result<Vec<_>, LogsError>>()?;
    let next_cursor = page
        .pagination
        .and_then(|p| p.next_cursor)
        .filter(|c| !c.is_empty() && c.len() <= MAX_TOKEN_LEN);
    Ok(LogPage {
        entries,
        next_cursor,
    })
}

fn cleaned(text: Option<String>) -> Option<String> {
    text.map(|t| clean(&t).into_owned())
}

fn entry(wire: WireEntry) -> LogEntry {
    let text = |t: Option<String>| cleaned(t).unwrap_or_default();
    let status = match wire.status.as_deref() {
        Some("success") => AttemptStatus::Success,
        Some("failed") => AttemptStatus::Failed,
        Some("retrying") => AttemptStatus::Retrying,
        other => AttemptStatus::Other(clean(other.unwrap_or("unknown")).into_owned()),
    };
    LogEntry {
        event_id: text(wire.event_id),
        event_type: text(wire.webhook_event_type),
        target_url: text(wire.target_url),
        http_status: wire.http_status_code.filter(|code| *code != 0),
        duration_ms: wire.duration_ms,
        timestamp: wire.timestamp.as_deref().and_then(|t| {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok()
        }),
        status,
        attempt: wire.attempt.unwrap_or(0),
        max_attempts: wire.max_attempts,
        error_type: cleaned(wire.error_type),
        error_message: cleaned(wire.error_message),
        trace_id: cleaned(wire.trace_id),
        subscription_id: text(wire.subscription_id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bases() {
        assert_eq!(
            LogsAccess::default_base("https://api.linqapp.com/api/partner/"),
            DEFAULT_LOGS_BASE
        );
        assert_eq!(
            LogsAccess::default_base("http://127.0.0.1:4010/api/partner"),
            "http://127.0.0.1:4010/api"
        );
        assert_eq!(
            LogsAccess::default_base("https://elsewhere.example/v9"),
            DEFAULT_LOGS_BASE
        );
    }

    #[test]
    fn entries_are_cleaned_and_lenient() {
        let page = parse_page(
            br#"{"webhook_logs":[{"event_id":"e\u001b[2J","attempt":2,"http_status_code":0,
                 "status":"queued","timestamp":"2026-04-07T18:55:58.123Z","extra":{"x":1}}]}"#,
        )
        .expect("page");
        let entry = &page.entries[0].entry;
        assert_eq!(entry.event_id, "e[2J");
        assert_eq!(entry.http_status, None);
        assert_eq!(entry.status, AttemptStatus::Other("queued".into()));
        assert_eq!(entry.key(), "e[2J:2");
        assert!(entry.timestamp.is_some());
        assert!(page.entries[0].raw.get().contains("extra"));
        assert_eq!(page.next_cursor, None);
        assert!(parse_page(b"{\"webhook_logs\":[1]}").is_err());
        assert!(parse_page(b"<html>").is_err());
    }
}
