//! `find TEXT` and `list --all-profiles`: many accounts at once, read concurrently (at most
//! [`fleet::CONCURRENCY`] at a time, each key command run once). An account that cannot be
//! read is one line on stderr and does not stop the others; the command then exits 1 after
//! printing everything else.

use super::output::{self, Cell, Exit, Table};
use super::read::subscription_row;
use super::{env_var, CliError, Globals};
use crate::api::Subscription;
use crate::config::{Accounts, SANDBOX};
use crate::fleet::{self, AccountRead, Needle};
use crate::text::clean;
use serde_json::value::RawValue;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct FindArgs {
    /// What to look for: an id prefix, part of a target URL or host, part of a phone
    /// number, or an event type (`message.` for the whole group).
    #[arg(value_name = "TEXT")]
    pub text: String,
    /// Every account `profiles` lists but the sandbox (the default when no --profile).
    #[arg(long)]
    pub all_profiles: bool,
    /// One JSON object per line: the subscription's fields as returned, plus "account".
    #[arg(long)]
    pub json: bool,
}

/// One account's subscriptions: the API's objects as they came, and the typed view of
/// those that could be read.
pub struct AccountList {
    /// The objects kept (with a search: only the hits), as the API sent them.
    pub raw: Vec<Box<RawValue>>,
    /// `(index into raw, subscription)` of the readable rows kept.
    pub subs: Vec<(usize, Subscription)>,
    /// Objects that could not be read as a subscription.
    pub unreadable: usize,
}

impl AccountList {
    fn unreadable(&self) -> usize {
        self.unreadable
    }
}

/// The accounts a fleet command reads: the `--profile` names given, else every account
/// `profiles` lists except the sandbox (it is searched only when named).
pub fn account_names(globals: &Globals, all_profiles: bool) -> Result<Vec<String>, CliError> {
    if all_profiles && !globals.profiles.is_empty() {
        return Err(CliError::Usage(
            "--all-profiles or --profile NAME…, not both".into(),
        ));
    }
    if !globals.profiles.is_empty() {
        let mut names = globals.profiles.clone();
        names.dedup();
        return Ok(names);
    }
    let accounts = Accounts::load_default()?;
    let names: Vec<String> = accounts
        .entries(&env_var)
        .into_iter()
        .filter(|e| e.name != SANDBOX)
        .map(|e| e.name)
        .collect();
    if names.is_empty() {
        return Err(CliError::Usage(
            "no accounts to read: add profiles to config.toml, set LINQ_API_V3_API_KEY, or name the sandbox with --profile sandbox".into(),
        ));
    }
    Ok(names)
}

/// Reads every named account's list, at most [`fleet::CONCURRENCY`] at a time.
/// With `only`, each account keeps just its hits: a fleet of 20 × 1,000 holds a few rows,
/// not 20,000.
pub async fn read_lists(
    globals: &Globals,
    names: Vec<String>,
    only: Option<&Needle>,
) -> Vec<AccountRead<AccountList>> {
    let accounts = match Accounts::load_default() {
        Ok(a) => Arc::new(a),
        Err(e) => {
            let reason = e.to_string();
            return names
                .into_iter()
                .map(|account| AccountRead {
                    account,
                    result: Err(reason.clone()),
                })
                .collect();
        }
    };
    fleet::read_all(names, fleet::CONCURRENCY, |name| {
        read_one(globals.clone(), accounts.clone(), name, only.cloned())
    })
    .await
}

async fn read_one(
    globals: Globals,
    accounts: Arc<Accounts>,
    name: String,
    only: Option<Needle>,
) -> Result<AccountList, String> {
    let connected = super::session::connect_named(&globals, &accounts, name).await?;
    let raw = connected.client.list_raw().await;
    connected.close().await;
    let list = raw.map_err(|e| output::api_error_line(&e))?;
    let items = list.items().map_err(|e| output::api_error_line(&e))?;
    // Owned: the accounts' answers outlive this read (the hits are printed at the end).
    let mut kept = AccountList {
        raw: Vec::new(),
        subs: Vec::new(),
        unreadable: 0,
    };
    for item in items {
        let Ok(sub) = serde_json::from_str::<Subscription>(item.get()) else {
            kept.unreadable += 1;
            continue;
        };
        if only
            .as_ref()
            .is_some_and(|n| fleet::matches(&sub, n).is_none())
        {
            continue;
        }
        kept.subs.push((kept.raw.len(), sub));
        kept.raw.push(item.to_owned());
    }
    Ok(kept)
}

/// The failures on stderr, one line an account; `Exit::Failed` when any.
fn report_failures<T>(command: &str, reads: &[AccountRead<T>]) -> Exit {
    let mut exit = Exit::Ok;
    for read in reads {
        if let Err(reason) = &read.result {
            output::error_line(
                command,
                &format!("account {}: {}", clean(&read.account), clean(reason)),
            );
            exit = Exit::Failed;
        }
    }
    exit
}

/// `{"account": NAME, …the object's own fields}`: the API's object as it came, with the
/// account's name put first.
fn with_account(account: &str, raw: &RawValue) -> String {
    let name = serde_json::to_string(account).unwrap_or_else(|_| "\"?\"".into());
    let body = raw.get().trim_start();
    let rest = body.strip_prefix('{').unwrap_or(body).trim_start();
    if rest.starts_with('}') {
        format!("{{\"account\":{name}}}")
    } else {
        format!("{{\"account\":{name},{rest}")
    }
}

pub async fn find(globals: &Globals, args: &FindArgs) -> Result<(), CliError> {
    let needle = Needle::new(&args.text).map_err(|e| CliError::Usage(e.to_string()))?;
    let names = account_names(globals, args.all_profiles)?;
    let searched = names.len();
    let reads = read_lists(globals, names, Some(&needle)).await;
    let mut table = Table::new(vec!["ACCOUNT", "ID", "STATUS", "TARGET", "MATCHED"]);
    let mut json = String::new();
    let mut hits = 0usize;
    for read in &reads {
        let Ok(list) = &read.result else { continue };
        for (i, sub) in &list.subs {
            let Some(on) = fleet::matches(sub, &needle) else {
                continue;
            };
            hits += 1;
            if args.json {
                json.push_str(&with_account(&read.account, &list.raw[*i]));
                json.push('\n');
            } else {
                let row = subscription_row(sub);
                let mut cells = vec![Cell::api(&read.account)];
                cells.extend(row.into_iter().enumerate().filter_map(|(k, c)| {
                    // id, status, target of the list's row.
                    matches!(k, 0 | 1 | 4).then_some(c)
                }));
                cells.push(Cell::api(&on.label()));
                table.row(cells);
            }
        }
        if list.unreadable() > 0 {
            output::note(&format!(
                "account {}: {} subscriptions could not be read (not searched)",
                clean(&read.account),
                list.unreadable()
            ));
        }
    }
    let failed = report_failures("find", &reads);
    if args.json {
        output::write_stdout(json.as_bytes())?;
    } else {
        let mut text = if hits > 0 {
            table.render(output::stdout_color())
        } else {
            String::new()
        };
        let read_ok = reads.iter().filter(|r| r.result.is_ok()).count();
        text.push_str(&format!(
            "{hits} {} in {read_ok} of {searched} accounts\n",
            if hits == 1 { "hit" } else { "hits" }
        ));
        output::write_stdout(text.as_bytes())?;
    }
    finish(failed)
}

/// `list --all-profiles` (or several `--profile`): every account's subscriptions, the
/// account's name on each row; `--json` one object per line with "account".
pub async fn list_all(globals: &Globals, all_profiles: bool, json: bool) -> Result<(), CliError> {
    let names = account_names(globals, all_profiles && globals.profiles.is_empty())?;
    let reads = read_lists(globals, names, None).await;
    let mut table = Table::new(vec![
        "ACCOUNT", "ID", "STATUS", "EVENTS", "PHONES", "TARGET",
    ]);
    let mut text = String::new();
    let (mut total, mut active) = (0usize, 0usize);
    let mut unreadable = false;
    for read in &reads {
        let Ok(list) = &read.result else { continue };
        for (i, sub) in &list.subs {
            total += 1;
            active += usize::from(sub.is_active);
            if json {
                text.push_str(&with_account(&read.account, &list.raw[*i]));
                text.push('\n');
            } else {
                let mut cells = vec![Cell::api(&read.account)];
                cells.extend(subscription_row(sub));
                table.row(cells);
            }
        }
        if list.unreadable() > 0 {
            unreadable = true;
            output::note(&format!(
                "account {}: {} subscriptions could not be read",
                clean(&read.account),
                list.unreadable()
            ));
        }
    }
    let mut exit = report_failures("list", &reads);
    if unreadable {
        exit = Exit::Failed;
    }
    if !json {
        if total > 0 {
            text = table.render(output::stdout_color());
        }
        let read_ok = reads.iter().filter(|r| r.result.is_ok()).count();
        text.push_str(&format!(
            "{total} subscriptions ({active} active, {} paused) in {read_ok} of {} accounts\n",
            total - active,
            reads.len()
        ));
    }
    output::write_stdout(text.as_bytes())?;
    finish(exit)
}

fn finish(exit: Exit) -> Result<(), CliError> {
    match exit {
        Exit::Ok => Ok(()),
        other => Err(CliError::Reported(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_goes_first_in_the_object() {
        let raw = RawValue::from_string(r#" { "id": "x", "is_active": true }"#.into()).unwrap();
        assert_eq!(
            with_account("acme \"prod\"", &raw),
            r#"{"account":"acme \"prod\"","id": "x", "is_active": true }"#
        );
        let empty = RawValue::from_string("{}".into()).unwrap();
        assert_eq!(with_account("a", &empty), r#"{"account":"a"}"#);
    }
}
