//! `history`: the audit trail of the chosen account, newest first.

use super::output::{self, Cell, Color, Table};
use super::{resolve_account, CliError, Globals};
use crate::audit::{self, AuditAccount, AuditEntry};
use crate::config::{Resolved, Target};
use crate::text::clean;

#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// One JSON array of the entries, as recorded.
    #[arg(long)]
    pub json: bool,
    /// At most this many entries (newest first).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub limit: u32,
    /// Every account's changes, not only the chosen account's.
    #[arg(long)]
    pub all_accounts: bool,
}

/// Who the resolved account is in the trail: its key's hint on its API host (what
/// `Connected::audit_entry` records), never the key.
pub fn identity(resolved: &Resolved) -> AuditAccount {
    match &resolved.target {
        Target::Remote { base_url, key, .. } => AuditAccount {
            name: resolved.entry.name.clone(),
            key_hint: Some(key.hint()),
            host: crate::config::host_of(base_url),
        },
        // The embedded sandbox: no key of its own, a loopback port chosen per run.
        Target::Sandbox => AuditAccount {
            name: resolved.entry.name.clone(),
            key_hint: None,
            host: "127.0.0.1".into(),
        },
    }
}

pub fn run(globals: &Globals, args: &HistoryArgs) -> Result<(), CliError> {
    let account = if args.all_accounts {
        None
    } else {
        // The key is read for its hint (the account's identity); nothing is sent.
        Some(identity(&resolve_account(globals)?))
    };
    let Some(path) = audit::default_path() else {
        return Err(CliError::Usage(
            "no home directory, so no audit trail".into(),
        ));
    };
    let trail = audit::read(&path, account.as_ref(), args.limit as usize).map_err(|source| {
        CliError::Io {
            what: format!("reading {}", path.display()),
            source,
        }
    })?;
    if let Some(note) = trail.unreadable_note() {
        output::note(&format!("{note} in {}", path.display()));
    }
    let entries = trail.entries;
    if args.json {
        let cleaned: Vec<serde_json::Value> = entries.iter().map(cleaned_json).collect();
        let text = serde_json::to_string_pretty(&cleaned).map_err(|e| CliError::Io {
            what: "writing JSON".into(),
            source: std::io::Error::other(e),
        })?;
        return output::write_stdout(format!("{text}\n").as_bytes());
    }
    if entries.is_empty() {
        output::note(&format!(
            "no changes recorded{} in {}",
            account
                .map(|a| format!(" for {}", a.label()))
                .unwrap_or_default(),
            path.display()
        ));
        return Ok(());
    }
    let mut table = Table::new(vec!["TIME", "ACCOUNT", "CHANGE", "OUTCOME", "SUBSCRIPTION"]);
    for e in &entries {
        table.row(vec![
            Cell::api(
                &e.time
                    .replace('T', " ")
                    .chars()
                    .take(19)
                    .collect::<String>(),
            ),
            Cell::plain(e.account.label()),
            Cell::api(&e.summary()),
            outcome_cell(e),
            Cell::api(&format!(
                "{} {}",
                e.subscription_id.as_deref().unwrap_or(""),
                e.target_url.as_deref().unwrap_or("")
            )),
        ]);
    }
    output::write_stdout(table.render(output::stdout_color()).as_bytes())
}

/// The entry as recorded, every string in it cleaned: the trail is a file anyone with the
/// account's uid may have edited, and `--json` often ends up on a terminal too.
fn cleaned_json(entry: &AuditEntry) -> serde_json::Value {
    fn walk(value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(clean(&s).into_owned()),
            Value::Array(items) => Value::Array(items.into_iter().map(walk).collect()),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (clean(&k).into_owned(), walk(v)))
                    .collect(),
            ),
            other => other,
        }
    }
    walk(serde_json::to_value(entry).unwrap_or_default())
}

fn outcome_cell(e: &AuditEntry) -> Cell {
    let color = if e.outcome.ok {
        Color::Green
    } else {
        Color::Red
    };
    Cell::colored(clean(&e.outcome_text()).into_owned(), color)
}
