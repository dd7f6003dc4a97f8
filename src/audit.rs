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

/// How the API answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub ok: bool,
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
            status: err.status(),
            code: err.code(),
            trace_id: err.trace_id().map(str::to_string),
            error: Some(crate::text::clean(&err.to_string()).into_owned()),
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
    pub outcome: Outcome,
    /// The run of `apply` this change belongs to: one id shared by all its changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_id: Option<String>,
}

impl AuditEntry {
    pub fn new(
        account: &AuditAccount,
        operation: impl Into<String>,
        source: &str,
        now: time::OffsetDateTime,
    ) -> Self {
        Self {
            time: now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            account: account.clone(),
            operation: operation.into(),
            source: source.into(),
            subscription_id: None,
            target_url: None,
            changes: Map::new(),
            outcome: Outcome::default(),
            apply_id: None,
        }
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

    /// `200`, or `HTTP 500 · 3006 · trace …`.
    pub fn outcome_text(&self) -> String {
        let o = &self.outcome;
        if o.ok {
            return o.status.map_or("ok".to_string(), |s| s.to_string());
        }
        let mut text = o
            .status
            .map_or("failed".to_string(), |s| format!("HTTP {s}"));
        if let Some(code) = o.code {
            text.push_str(&format!(" · {code}"));
        }
        if let Some(trace) = &o.trace_id {
            text.push_str(&format!(" · trace {}", crate::text::clean(trace)));
        }
        text
    }
}

/// The writable fields of a subscription, as the API names them.
pub fn subscription_fields(sub: &Subscription) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("target_url".into(), Value::from(sub.target_url.clone()));
    map.insert(
        "subscribed_events".into(),
        Value::from(sub.subscribed_events.clone()),
    );
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

/// Appends one entry (creating the directory 0700 and the file 0600).
pub fn append(path: &Path, entry: &AuditEntry) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::private_files::create_dir(dir)?;
    }
    let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut file = crate::private_files::open_append(path)?;
    // One write per line: appends of concurrent writers do not interleave within it.
    file.write_all(&line)
}

/// Appends to the default trail; the error is one sentence for a warning.
pub fn record(entry: &AuditEntry) -> Result<(), String> {
    let path = default_path().ok_or("no home directory for the audit trail")?;
    append(&path, entry)
        .map_err(|e| format!("cannot write the audit trail {}: {e}", path.display()))
}

/// The newest `limit` entries (of `account`, when given), newest first. Unreadable lines
/// are skipped; a missing file is an empty history.
pub fn read(path: &Path, account: Option<&str>, limit: usize) -> std::io::Result<Vec<AuditEntry>> {
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    let start = len.saturating_sub(MAX_READ);
    file.seek(SeekFrom::Start(start))?;
    let mut text = String::new();
    file.take(MAX_READ).read_to_string(&mut text)?;
    let mut lines: Vec<&str> = text.lines().collect();
    if start > 0 && !lines.is_empty() {
        // The first line may be cut in the middle.
        lines.remove(0);
    }
    Ok(lines
        .iter()
        .rev()
        .filter_map(|l| serde_json::from_str::<AuditEntry>(l).ok())
        .filter(|e| account.is_none_or(|a| e.account.name == a))
        .take(limit)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn entries_append_to_a_private_file_and_read_back_newest_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/linq-hooks/audit.jsonl");
        let account = AuditAccount {
            name: "acme".into(),
            key_hint: Some("…abcd".into()),
            host: "api.linqapp.com".into(),
        };
        let other = AuditAccount {
            name: "other".into(),
            ..account.clone()
        };
        let now = time::OffsetDateTime::UNIX_EPOCH;
        for (acct, op) in [
            (&account, "pause"),
            (&other, "delete"),
            (&account, "resume"),
        ] {
            let entry = AuditEntry::new(acct, op, "cli", now)
                .on(
                    "b2c3d4e5-f6a7-8901-bcde-f23456789012",
                    "https://h.example/x",
                )
                .change("is_active", Value::from(true), Value::from(false))
                .outcome(Outcome::ok(200));
            append(&path, &entry).unwrap();
        }
        assert_eq!(crate::private_files::mode(&path).unwrap(), 0o600);
        assert_eq!(
            crate::private_files::mode(path.parent().unwrap()).unwrap(),
            0o700
        );
        let ops: Vec<String> = read(&path, Some("acme"), 10)
            .unwrap()
            .into_iter()
            .map(|e| e.operation)
            .collect();
        assert_eq!(ops, ["resume", "pause"]);
        assert_eq!(read(&path, None, 1).unwrap().len(), 1);
        assert!(read(&dir.path().join("none"), None, 5).unwrap().is_empty());
    }
}
