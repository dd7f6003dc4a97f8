//! The audit trail: one JSON line per change linq-hooks makes (dashboard or command) in
//! `$XDG_STATE_HOME/linq-hooks/audit.jsonl` — directory 0700, file 0600, append-only. Never
//! a key or a signing secret: the account is named by profile and key hint (`…abcd`).

use crate::api::{ApiError, Subscription, SubscriptionPatch};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The most of the file `history` reads (its newest end).
const MAX_READ: u64 = 4 << 20;

/// Which account a change was made on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAccount {
    /// The profile's name, `environment` or `sandbox`.
    pub name: String,
    /// `…abcd`, never the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_hint: Option<String>,
    /// `host[:port]` of the API.
    pub host: String,
}

impl AuditAccount {
    /// Whether two records name the same account: the same key (by its hint) on the same
    /// API host, whatever the profile is called; a profile name alone is not an identity
    /// (two different keys may both be `environment`). Without a key (the embedded
    /// sandbox) the name decides. Loopback hosts match whatever their port: an embedded
    /// sandbox listens on a port chosen per run.
    pub fn same_account(&self, other: &AuditAccount) -> bool {
        match (&self.key_hint, &other.key_hint) {
            (Some(a), Some(b)) => a == b && same_host(&self.host, &other.host),
            (None, None) => self.name == other.name && same_host(&self.host, &other.host),
            _ => false,
        }
    }

    /// `acme (api.linqapp.com …abcd)`: the name and what identifies it, for people.
    pub fn label(&self) -> String {
        let hint = self
            .key_hint
            .as_deref()
            .map(|h| format!(" {h}"))
            .unwrap_or_default();
        crate::text::clean(&format!("{} ({}{hint})", self.name, self.host)).into_owned()
    }
}

fn same_host(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || (is_loopback(a) && is_loopback(b))
}

/// `127.0.0.1:PORT`, `localhost`, `[::1]:PORT`.
fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !name.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// How the API answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub ok: bool,
    /// No answer, or one that does not say: the change may or may not have been made
    /// (a timeout, a dropped connection, a 5xx, a session that ended first).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unknown: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Outcome {
    pub fn ok(status: u16) -> Self {
        Self {
            ok: true,
            status: Some(status),
            ..Self::default()
        }
    }

    pub fn failed(err: &ApiError) -> Self {
        Self {
            ok: false,
            unknown: err.outcome_unknown(),
            status: err.status(),
            code: err.code(),
            trace_id: err.trace_id().map(str::to_string),
            error: Some(crate::text::clean(&err.to_string()).into_owned()),
        }
    }

    /// The request was sent but its answer never reached us; `why` says what happened.
    pub fn unknown(why: &str) -> Self {
        Self {
            ok: false,
            unknown: true,
            error: Some(crate::text::clean(why).into_owned()),
            ..Self::default()
        }
    }

    pub fn of<T>(result: &Result<T, ApiError>, status: u16) -> Self {
        match result {
            Ok(_) => Self::ok(status),
            Err(e) => Self::failed(e),
        }
    }
}

/// One line of the trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339, UTC.
    pub time: String,
    pub account: AuditAccount,
    /// `create`, `update`, `pause`, `resume`, `delete`; an undo is `undo-<op>`.
    pub operation: String,
    /// `dashboard` or `cli`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// `{field: {"before": …, "after": …}}` for the fields the change touched.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub changes: Map<String, Value>,
    /// The two subscriptions of a secret rotation (`rotate-start`, `rotate-finish`,
    /// `rotate-abort`), so the pair is found again from the trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<RotationIds>,
    pub outcome: Outcome,
    /// The same for every entry of one bulk change (or of one undo made of several
    /// requests): `H` shows them as one entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<String>,
    /// The run of `apply` this change belongs to: one id shared by all its changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_id: Option<String>,
    /// A signed test delivery (`probe --send`, `T`): what was POSTed — never the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryRecord>,
}

/// Operation of a signed test delivery POSTed to the customer's endpoint.
pub const TEST_DELIVERY: &str = "test-delivery";

/// What a test delivery sent: enough to find it in the receiver's logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    /// `probe-…`: the envelope's `event_id` and the `webhook-id` header.
    pub event_id: String,
    pub event_type: String,
    pub webhook_version: String,
    /// `given-secret` or `random-secret` (which secret signed it; never the secret).
    pub signed_with: String,
}

/// The old subscription of a rotation and its twin with the new secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationIds {
    pub old_id: String,
    pub new_id: String,
}

impl AuditEntry {
    pub fn new(
        account: &AuditAccount,
        operation: impl Into<String>,
        source: &str,
        now: time::OffsetDateTime,
    ) -> Self {
        Self {
            time: rfc3339(now),
            account: account.clone(),
            operation: operation.into(),
            source: source.into(),
            subscription_id: None,
            target_url: None,
            changes: Map::new(),
            rotation: None,
            outcome: Outcome::default(),
            batch: None,
            apply_id: None,
            delivery: None,
        }
    }

    /// Marks the entry as part of the bulk change `batch`.
    pub fn in_batch(mut self, batch: Option<&str>) -> Self {
        self.batch = batch.map(str::to_string);
        self
    }

    pub fn on(mut self, id: &str, target_url: &str) -> Self {
        self.subscription_id = Some(id.to_string());
        self.target_url = Some(target_url.to_string());
        self
    }

    pub fn change(mut self, field: &str, before: Value, after: Value) -> Self {
        let mut pair = Map::new();
        pair.insert("before".into(), before);
        pair.insert("after".into(), after);
        self.changes.insert(field.to_string(), Value::Object(pair));
        self
    }

    /// A created subscription: every field, nothing before.
    pub fn created(mut self, sub: &Subscription) -> Self {
        for (field, value) in subscription_fields(sub) {
            self = self.change(&field, Value::Null, value);
        }
        self
    }

    /// A deleted subscription: every field it had, nothing after.
    pub fn deleted(mut self, sub: &Subscription) -> Self {
        for (field, value) in subscription_fields(sub) {
            self = self.change(&field, value, Value::Null);
        }
        self
    }

    /// Before and after of every field a patch sets, `before` read from the subscription.
    pub fn patch(mut self, before: &Subscription, patch: &SubscriptionPatch) -> Self {
        let old = subscription_fields(before);
        let new = serde_json::to_value(patch).unwrap_or(Value::Null);
        if let Value::Object(fields) = new {
            for (field, after) in fields {
                let was = old.get(&field).cloned().unwrap_or(Value::Null);
                self = self.change(&field, was, after);
            }
        }
        self
    }

    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// `pause (is_active true → false)`, `update (subscribed_events, phone_numbers)`.
    pub fn summary(&self) -> String {
        if let Some(d) = &self.delivery {
            return crate::text::clean(&format!(
                "{} ({}, {})",
                self.operation,
                d.event_type,
                d.signed_with.replace('-', " ")
            ))
            .into_owned();
        }
        if let Some(pair) = &self.rotation {
            // The pair says more than the fields of the twin, which are the old one's.
            return format!(
                "{} ({} → {})",
                self.operation,
                short_id(&pair.old_id),
                short_id(&pair.new_id)
            );
        }
        let fields: Vec<String> = self
            .changes
            .iter()
            .map(|(field, pair)| match field.as_str() {
                "is_active" => format!("is_active {} → {}", pair["before"], pair["after"]),
                _ => field.clone(),
            })
            .collect();
        if fields.is_empty()
            || self.operation.ends_with("create")
            || self.operation.ends_with("delete")
        {
            self.operation.clone()
        } else {
            format!("{} ({})", self.operation, fields.join(", "))
        }
    }

    /// `200`, `HTTP 500 · 3006 · trace …`, or `unknown · …` when it may have been made.
    pub fn outcome_text(&self) -> String {
        let o = &self.outcome;
        if o.ok {
            return o.status.map_or("ok".to_string(), |s| s.to_string());
        }
        let mut text = match (o.unknown, o.status) {
            (true, Some(s)) => format!("unknown · HTTP {s}"),
            (true, None) => "unknown".to_string(),
            (false, Some(s)) => format!("HTTP {s}"),
            (false, None) => "failed".to_string(),
        };
        if let Some(code) = o.code {
            text.push_str(&format!(" · {code}"));
        }
        if let Some(trace) = &o.trace_id {
            text.push_str(&format!(" · trace {}", crate::text::clean(trace)));
        }
        text
    }
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The first block of a UUID (`b2c3d4e5`), enough to tell a pair apart in a summary.
fn short_id(id: &str) -> String {
    crate::text::clean(id.split('-').next().unwrap_or(id)).into_owned()
}

/// The writable fields of a subscription, as the API names them.
pub fn subscription_fields(sub: &Subscription) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("target_url".into(), Value::from(sub.target_url.clone()));
    map.insert("subscribed_events".into(), Value::from(sub.event_names()));
    map.insert("is_active".into(), Value::from(sub.is_active));
    map.insert(
        "phone_numbers".into(),
        sub.phone_numbers.clone().map_or(Value::Null, Value::from),
    );
    map.insert(
        "routing_key_header".into(),
        sub.routing_key_header
            .clone()
            .map_or(Value::Null, Value::from),
    );
    map.insert(
        "routing_id_header".into(),
        sub.routing_id_header
            .clone()
            .map_or(Value::Null, Value::from),
    );
    map
}

/// `audit.jsonl` in linq-hooks' state directory (`$XDG_STATE_HOME/linq-hooks`, the data
/// directory where the platform has no state directory).
pub fn default_path() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("com", "linq-hooks", "linq-hooks")?;
    let dir = dirs.state_dir().unwrap_or(dirs.data_dir()).to_path_buf();
    Some(dir.join("audit.jsonl"))
}

/// Appends one entry (creating the directory 0700 and the file 0600), its `time` stamped
/// now: the clock a caller holds may be cached (the dashboard's advances on ticks only).
pub fn append(path: &Path, entry: &AuditEntry) -> std::io::Result<()> {
    let mut file = open_trail(path)?;
    // One write per line: appends of concurrent writers do not interleave within it.
    file.write_all(&stamped_line(entry)?)
}

fn open_trail(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        crate::private_files::create_dir(dir)?;
    }
    crate::private_files::open_append(path)
}

/// The entry as one JSON line, stamped now.
fn stamped_line(entry: &AuditEntry) -> std::io::Result<Vec<u8>> {
    let stamped = AuditEntry {
        time: rfc3339(time::OffsetDateTime::now_utc()),
        ..entry.clone()
    };
    let mut line = serde_json::to_vec(&stamped).map_err(std::io::Error::other)?;
    line.push(b'\n');
    Ok(line)
}

/// The default trail opened once for a run of many changes (`apply`): the same checks as
/// [`append`] once, then one `write` per entry, each as soon as its request answered.
pub struct OpenTrail {
    path: PathBuf,
    file: std::fs::File,
}

impl OpenTrail {
    /// The default trail; the error is one sentence for a warning.
    pub fn open_default() -> Result<Self, String> {
        let path = default_path().ok_or("no home directory for the audit trail")?;
        let file = open_trail(&path)
            .map_err(|e| format!("cannot write the audit trail {}: {e}", path.display()))?;
        Ok(Self { path, file })
    }

    /// Appends one entry (stamped now); the error is one sentence for a warning.
    pub fn record(&self, entry: &AuditEntry) -> Result<(), String> {
        stamped_line(entry)
            .and_then(|line| (&self.file).write_all(&line))
            .map_err(|e| format!("cannot write the audit trail {}: {e}", self.path.display()))
    }
}

/// Appends to the default trail; the error is one sentence for a warning.
pub fn record(entry: &AuditEntry) -> Result<(), String> {
    let path = default_path().ok_or("no home directory for the audit trail")?;
    append(&path, entry)
        .map_err(|e| format!("cannot write the audit trail {}: {e}", path.display()))
}

/// What [`read`] found: entries newest first, and how many lines it had to skip.
#[derive(Debug, Default)]
pub struct Trail {
    pub entries: Vec<AuditEntry>,
    /// Lines that are not an entry (invalid UTF-8, not JSON, not an entry's shape) among
    /// those read before `limit` was reached.
    pub unreadable: usize,
}

impl Trail {
    /// `2 unreadable lines skipped`, or nothing.
    pub fn unreadable_note(&self) -> Option<String> {
        match self.unreadable {
            0 => None,
            1 => Some("1 unreadable line skipped".into()),
            n => Some(format!("{n} unreadable lines skipped")),
        }
    }
}

/// The newest `limit` entries (of `account`'s identity, when given: see
/// [`AuditAccount::same_account`]), newest first. Only the newest 4 MiB are read; a line the
/// window cuts at its start is older than the window and left out. Unreadable lines are
/// skipped and counted; a missing file is an empty trail.
pub fn read(path: &Path, account: Option<&AuditAccount>, limit: usize) -> std::io::Result<Trail> {
    // Not `File::open`: a FIFO there would hang `history` (and `H`), a symlink be followed.
    let mut file = match crate::private_files::open_read(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Trail::default()),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    // One byte before the window too: whether the window starts at a line's start.
    let start = len.saturating_sub(MAX_READ + 1);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.take(MAX_READ + 1).read_to_end(&mut bytes)?;
    let mut lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    if start > 0 && !lines.is_empty() {
        // Up to the first newline: the rest of a line that began before the window (or
        // the byte before the window when a line starts right at it).
        lines.remove(0);
    }
    let mut trail = Trail::default();
    for line in lines.iter().rev() {
        if trail.entries.len() >= limit {
            break;
        }
        if line.trim_ascii().is_empty() {
            continue;
        }
        let Ok(entry) = serde_json::from_slice::<AuditEntry>(line) else {
            trail.unreadable += 1;
            continue;
        };
        if account.is_none_or(|a| a.same_account(&entry.account)) {
            trail.entries.push(entry);
        }
    }
    Ok(trail)
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
