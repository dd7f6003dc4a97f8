//! `pause`, `resume`, `delete` on ids or on `--match TEXT` (the dashboard's filter): plan,
//! confirm, then four requests at a time, every item reported.

use super::output::{self, api_error_line, Cell, Color, Exit, Table};
use super::{check_id, matching, CliError, Connected};
use crate::api::{ApiError, Subscription, SubscriptionPatch};
use crate::app::Tab;
use crate::text::clean;
use futures::stream::{self, StreamExt};
use serde::Serialize;
use std::io::IsTerminal;

/// Requests in flight at once: quick for a hundred items, gentle on the API.
const CONCURRENCY: usize = 4;

#[derive(Debug, clap::Args)]
pub struct BulkArgs {
    /// Subscription ids.
    #[arg(
        value_name = "ID",
        required_unless_present = "matching",
        conflicts_with = "matching"
    )]
    pub ids: Vec<String>,
    /// Every subscription matching TEXT, like the dashboard's `/` filter (and list --filter).
    #[arg(long = "match", id = "matching", value_name = "TEXT")]
    pub matching: Option<String>,
    /// Print what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Change more than one subscription without asking (required when stdin is not a
    /// terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print a JSON array of {id, ok, status, error?}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Pause,
    Resume,
    Delete,
}

impl Action {
    fn verb(self) -> &'static str {
        match self {
            Action::Pause => "pause",
            Action::Resume => "resume",
            Action::Delete => "delete",
        }
    }

    /// The `status` of an item that was changed.
    fn done(self) -> &'static str {
        match self {
            Action::Pause => "paused",
            Action::Resume => "resumed",
            Action::Delete => "deleted",
        }
    }

    /// The `status` of an item `--dry-run` would change.
    fn would(self) -> &'static str {
        match self {
            Action::Pause => "would_pause",
            Action::Resume => "would_resume",
            Action::Delete => "would_delete",
        }
    }

    /// Already in the wanted state: nothing to send.
    fn unchanged(self, sub: &Subscription) -> bool {
        match self {
            Action::Pause => !sub.is_active,
            Action::Resume => sub.is_active,
            Action::Delete => false,
        }
    }
}

/// One line of the report (README "Scripting"): `status` is paused/resumed/deleted,
/// unchanged (already so; nothing sent), would_* (`--dry-run`), not_found or failed.
#[derive(Debug, Serialize)]
struct ItemReport {
    id: String,
    ok: bool,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ItemError>,
    #[serde(skip)]
    target_url: String,
}

/// The item's error, with the fields of the Linq envelope support asks for.
#[derive(Debug, Serialize)]
struct ItemError {
    status: Option<u16>,
    code: Option<u32>,
    message: String,
    trace_id: Option<String>,
}

impl ItemError {
    fn from_api(e: &ApiError) -> Self {
        let message = match e {
            ApiError::Linq(f) => f.message.clone(),
            other => other.to_string(),
        };
        Self {
            status: e.status(),
            code: e.code(),
            message,
            trace_id: e.trace_id().map(str::to_string),
        }
    }
}

/// What the command will act on: the subscription when the list has it.
struct Target {
    id: String,
    sub: Option<Subscription>,
}

/// Ids well-formed, a `--match` with some text.
pub fn check(args: &BulkArgs) -> Result<(), CliError> {
    for id in &args.ids {
        check_id(id)?;
    }
    if let Some(text) = &args.matching {
        if text.trim().is_empty() {
            return Err(CliError::Usage(
                "--match needs some text (an empty match would select every subscription)".into(),
            ));
        }
    }
    Ok(())
}

pub async fn run(c: &Connected, action: Action, args: &BulkArgs) -> Result<(), CliError> {
    check(args)?;
    // Ids need only their own rows (one GET each, for the state before and the audit);
    // only `--match` needs the whole list to select from.
    let subs = match &args.matching {
        Some(_) => c.client.list().await?,
        None => Vec::new(),
    };
    let targets = match &args.matching {
        Some(text) => select_matching(&subs, text),
        None => fetch_ids(c, &args.ids).await?,
    };
    if targets.is_empty() {
        if let Some(text) = &args.matching {
            output::note(&format!("no subscription matches {:?}", clean(text)));
        }
        return print_reports(&[], args.json);
    }
    let (skip, change): (Vec<Target>, Vec<Target>) = targets
        .into_iter()
        .partition(|t| t.sub.as_ref().is_some_and(|s| action.unchanged(s)));
    let mut reports: Vec<(usize, ItemReport)> = Vec::new();
    let order = |id: &str| position(args, &subs, id);
    for t in &skip {
        reports.push((order(&t.id), report(t, true, "unchanged", None)));
    }
    if args.dry_run {
        for t in &change {
            let (ok, status, error) = match &t.sub {
                Some(_) => (true, action.would(), None),
                None => (false, "not_found", Some(not_in_list())),
            };
            reports.push((order(&t.id), report(t, ok, status, error)));
        }
    } else {
        if change.len() > 1 && !args.yes {
            confirm(action, &change).await?;
        }
        // Until every answer is recorded; after a Ctrl-C nothing new is sent.
        let _on_its_way = crate::interrupt::on_its_way();
        let results: Vec<(String, Option<Result<(), ApiError>>)> = stream::iter(&change)
            .map(|t| async move {
                if crate::interrupt::stop_requested() {
                    return (t.id.clone(), None);
                }
                (t.id.clone(), Some(apply(c, action, &t.id).await))
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (id, result) in results {
            let Some(t) = change.iter().find(|t| t.id == id) else {
                continue;
            };
            let Some(result) = result else {
                reports.push((
                    order(&id),
                    report(
                        t,
                        false,
                        "not_sent",
                        Some(ItemError {
                            status: None,
                            code: None,
                            message: "not sent: interrupted (Ctrl-C) before it started".into(),
                            trace_id: None,
                        }),
                    ),
                ));
                continue;
            };
            c.audit(audit_item(c, action, t, &result));
            let r = match result {
                Ok(()) => report(t, true, action.done(), None),
                Err(e) => {
                    output::error_line(action.verb(), &format!("{}: {}", id, api_error_line(&e)));
                    report(t, false, "failed", Some(ItemError::from_api(&e)))
                }
            };
            reports.push((order(&id), r));
        }
    }
    reports.sort_by_key(|(i, _)| *i);
    let reports: Vec<ItemReport> = reports.into_iter().map(|(_, r)| r).collect();
    print_reports(&reports, args.json)?;
    match reports.iter().filter(|r| !r.ok).count() {
        0 => Ok(()),
        _ => Err(CliError::Reported(Exit::Failed)),
    }
}

/// `--match`: in list order, as the dashboard shows it.
fn select_matching(subs: &[Subscription], text: &str) -> Vec<Target> {
    matching(subs, Tab::All, text)
        .into_iter()
        .map(|i| Target {
            id: subs[i].id.clone(),
            sub: Some(subs[i].clone()),
        })
        .collect()
}

/// Ids in the order given (each once), each with its row from one `GET` (four at a time).
/// A 404 is an id the account does not have: it is still sent, and the API's own answer is
/// its report. Any other failure stops the command before anything is written, as a failed
/// list did.
async fn fetch_ids(c: &Connected, ids: &[String]) -> Result<Vec<Target>, CliError> {
    let mut unique: Vec<String> = Vec::new();
    for id in ids {
        let id = id.to_ascii_lowercase();
        if !unique.contains(&id) {
            unique.push(id);
        }
    }
    let fetched: Vec<Result<Target, ApiError>> = stream::iter(unique)
        .map(|id| async move {
            match c.client.get_raw(&id).await {
                Ok(raw) => Ok(Target {
                    id,
                    sub: Some(lenient(&raw)),
                }),
                Err(e) if e.status() == Some(404) => Ok(Target { id, sub: None }),
                Err(e) => Err(e),
            }
        })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    Ok(fetched.into_iter().collect::<Result<Vec<_>, _>>()?)
}

/// A row read as the list reads it: a field in a shape we cannot read is marked, not fatal.
fn lenient(raw: &serde_json::value::RawValue) -> Subscription {
    serde_json::from_str(raw.get()).unwrap_or_else(|_| {
        let row: serde_json::Value = serde_json::from_str(raw.get()).unwrap_or_default();
        Subscription::from_row_lenient(&row)
    })
}

fn position(args: &BulkArgs, subs: &[Subscription], id: &str) -> usize {
    match &args.matching {
        Some(_) => subs.iter().position(|s| s.id == id),
        None => args.ids.iter().position(|i| i.eq_ignore_ascii_case(id)),
    }
    .unwrap_or(usize::MAX)
}

fn not_in_list() -> ItemError {
    ItemError {
        status: None,
        code: None,
        message: "not in the account's list of subscriptions".into(),
        trace_id: None,
    }
}

fn report(t: &Target, ok: bool, status: &'static str, error: Option<ItemError>) -> ItemReport {
    ItemReport {
        id: t.id.clone(),
        ok,
        status,
        error,
        target_url: t
            .sub
            .as_ref()
            .map(|s| s.target_url.clone())
            .unwrap_or_default(),
    }
}

/// One item of a multi-item command, for the audit trail.
fn audit_item(
    c: &Connected,
    action: Action,
    t: &Target,
    result: &Result<(), ApiError>,
) -> crate::audit::AuditEntry {
    let url = t.sub.as_ref().map(|s| s.target_url.as_str()).unwrap_or("");
    let (op, status) = match action {
        Action::Pause => ("pause", 200),
        Action::Resume => ("resume", 200),
        Action::Delete => ("delete", 204),
    };
    let mut entry = c.audit_entry(op, &t.id, url);
    match (action, &t.sub) {
        (Action::Delete, Some(sub)) => {
            entry = entry.deleted(sub);
        }
        (Action::Pause | Action::Resume, sub) => {
            let after = action == Action::Resume;
            let before = sub
                .as_ref()
                .map_or(serde_json::Value::Null, |s| s.is_active.into());
            entry = entry.change("is_active", before, after.into());
        }
        _ => {}
    }
    entry.outcome(crate::audit::Outcome::of(result, status))
}

/// Ids that are not in the list are still sent: the API's own answer (404, with its trace
/// id) is the report.
async fn apply(c: &Connected, action: Action, id: &str) -> Result<(), ApiError> {
    match action {
        Action::Pause => c
            .client
            .update(id, &SubscriptionPatch::pause(false))
            .await
            .map(|_| ()),
        Action::Resume => c
            .client
            .update(id, &SubscriptionPatch::pause(true))
            .await
            .map(|_| ()),
        Action::Delete => c.client.delete(id).await,
    }
}

/// More than one change: `y/N` on a terminal; without a terminal only `--yes` will do.
async fn confirm(action: Action, change: &[Target]) -> Result<(), CliError> {
    let verb = action.verb();
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "{verb} would change {} subscriptions and stdin is not a terminal: nothing changed; \
             add --yes to go ahead (or --dry-run to see them)",
            change.len()
        )));
    }
    for t in change {
        let url = t.sub.as_ref().map(|s| s.target_url.as_str()).unwrap_or("");
        eprintln!("  {verb}  {}  {}", clean(&t.id), clean(url));
    }
    let question = format!("{} {} subscriptions?", capitalise(verb), change.len());
    if ask_yes(&question).await? {
        Ok(())
    } else {
        Err(CliError::Usage("not confirmed: nothing changed".into()))
    }
}

/// Asks `question [y/N]` on stderr and reads the answer from stdin (a terminal: callers
/// check). Only y/yes says yes.
pub async fn ask_yes(question: &str) -> Result<bool, CliError> {
    eprint!("{question} [y/N] ");
    // Blocking read on a blocking thread: the runtime (and an embedded sandbox) stays free.
    let answer = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).map(|_| line)
    })
    .await
    .map_err(|e| CliError::Io {
        what: "reading the answer".into(),
        source: std::io::Error::other(e.to_string()),
    })?
    .map_err(|source| CliError::Io {
        what: "reading the answer".into(),
        source,
    })?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn print_reports(reports: &[ItemReport], json: bool) -> Result<(), CliError> {
    if json {
        // One item per line, like the other arrays.
        let items: Vec<String> = reports
            .iter()
            .filter_map(|r| serde_json::to_string(r).ok())
            .collect();
        let text = match items.is_empty() {
            true => "[]\n".to_string(),
            false => format!("[\n{}\n]\n", items.join(",\n")),
        };
        return output::write_stdout(text.as_bytes());
    }
    if reports.is_empty() {
        return output::write_stdout(b"nothing to do\n");
    }
    let mut table = Table::new(vec!["RESULT", "ID", "TARGET"]);
    for r in reports {
        let result = match (r.ok, r.status) {
            (false, s) => Cell::colored(s, Color::Red),
            (true, "unchanged") => Cell::colored("unchanged", Color::Dim),
            (true, s) if s.starts_with("would_") => Cell::plain(s.replace('_', " ")),
            (true, s) => Cell::colored(s, Color::Green),
        };
        table.row(vec![result, Cell::api(&r.id), Cell::api(&r.target_url)]);
    }
    output::write_stdout(table.render(output::stdout_color()).as_bytes())
}
