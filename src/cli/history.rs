//! `history`: the audit trail of the chosen account, newest first.

use super::output::{self, Cell, Color, Table};
use super::{choice, env_var, CliError, Globals};
use crate::audit::{self, AuditEntry};
use crate::config::Accounts;

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

pub fn run(globals: &Globals, args: &HistoryArgs) -> Result<(), CliError> {
    let account = if args.all_accounts {
        None
    } else {
        // The account's name only: no key is read to show its history.
        Some(
            Accounts::load_default()?
                .choose(&choice(globals)?, &env_var)?
                .entry
                .name,
        )
    };
    let Some(path) = audit::default_path() else {
        return Err(CliError::Usage(
            "no home directory, so no audit trail".into(),
        ));
    };
    let entries =
        audit::read(&path, account.as_deref(), args.limit as usize).map_err(|source| {
            CliError::Io {
                what: format!("reading {}", path.display()),
                source,
            }
        })?;
    if args.json {
        let text = serde_json::to_string_pretty(&entries).map_err(|e| CliError::Io {
            what: "writing JSON".into(),
            source: std::io::Error::other(e),
        })?;
        return output::write_stdout(format!("{text}\n").as_bytes());
    }
    if entries.is_empty() {
        output::note(&format!(
            "no changes recorded{} in {}",
            account.map(|a| format!(" for {a}")).unwrap_or_default(),
            path.display()
        ));
        return Ok(());
    }
    let mut table = Table::new(vec!["TIME", "ACCOUNT", "CHANGE", "OUTCOME", "SUBSCRIPTION"]);
    for e in &entries {
        table.row(vec![
            Cell::plain(
                e.time
                    .replace('T', " ")
                    .chars()
                    .take(19)
                    .collect::<String>(),
            ),
            Cell::api(&e.account.name),
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

fn outcome_cell(e: &AuditEntry) -> Cell {
    let color = if e.outcome.ok {
        Color::Green
    } else {
        Color::Red
    };
    Cell::colored(e.outcome_text(), color)
}
