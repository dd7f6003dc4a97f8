//! `list`, `get`, `events`, `phones`: read the account, print a table or the API's JSON.

use super::output::{self, Cell, Color, Exit, Table};
use super::{check_id, matching, parse_subscription, CliError, Connected};
use crate::api::{PhoneNumber, Subscription};
use crate::app::{payload_version, Tab};
use crate::text::clean;
use serde_json::value::RawValue;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StatusFilter {
    #[default]
    All,
    Active,
    Paused,
}

impl From<StatusFilter> for Tab {
    fn from(s: StatusFilter) -> Tab {
        match s {
            StatusFilter::All => Tab::All,
            StatusFilter::Active => Tab::Active,
            StatusFilter::Paused => Tab::Paused,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Print the API's JSON: an array of subscription objects, every field as returned.
    #[arg(long)]
    pub json: bool,
    /// Which subscriptions: all, active or paused.
    #[arg(long, value_enum, default_value_t = StatusFilter::All)]
    pub status: StatusFilter,
    /// Only those matching TEXT, like the dashboard's `/`: case-insensitive words that must
    /// all appear in the URL, id, an event type or a phone number.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Every account `profiles` lists but the sandbox, the account's name on each row
    /// (`--json`: one object per line with "account"). Several `--profile` do the same
    /// for the accounts named.
    #[arg(long, conflicts_with_all = ["status", "filter"])]
    pub all_profiles: bool,
}

#[derive(Debug, clap::Args)]
pub struct GetArgs {
    /// The subscription id.
    pub id: String,
    /// Print the API's JSON object, every field as returned.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct JsonArgs {
    /// Print the API's JSON (an array), every field as returned.
    #[arg(long)]
    pub json: bool,
}

pub async fn list(c: &Connected, args: &ListArgs) -> Result<(), CliError> {
    let list = c.client.list_raw().await?;
    let raw = list.items()?;
    let filter = args.filter.as_deref().unwrap_or("");
    // The whole list as JSON needs no typed view (the fast path for scripts): every object
    // as sent; only an item that is not an object is unreadable.
    if args.json && args.status == StatusFilter::All && filter.trim().is_empty() {
        let is_object = |r: &&RawValue| r.get().trim_start().starts_with('{');
        output::write_json_array(raw.iter().copied().filter(is_object))?;
        let others: Vec<&RawValue> = raw.iter().copied().filter(|r| !is_object(r)).collect();
        return unreadable_rows(&others);
    }
    let mut readable: Vec<&RawValue> = Vec::with_capacity(raw.len());
    let mut subs = Vec::with_capacity(raw.len());
    let mut unreadable: Vec<&RawValue> = Vec::new();
    for &r in &raw {
        match parse_subscription(r) {
            Ok(sub) => {
                readable.push(r);
                subs.push(sub);
            }
            Err(_) => unreadable.push(r),
        }
    }
    let rows = matching(&subs, args.status.into(), filter);
    if args.json {
        output::write_json_array(rows.iter().map(|&i| readable[i]))?;
        return unreadable_rows(&unreadable);
    }
    let mut table = Table::new(vec!["ID", "STATUS", "EVENTS", "PHONES", "TARGET"]);
    for &i in &rows {
        table.row(subscription_row(&subs[i]));
    }
    let mut text = if rows.is_empty() {
        String::new()
    } else {
        table.render(output::stdout_color())
    };
    let active = subs.iter().filter(|s| s.is_active).count();
    let summary = format!(
        "{} subscriptions ({active} active, {} paused)",
        subs.len(),
        subs.len() - active
    );
    if rows.len() == subs.len() {
        text.push_str(&format!("{summary}\n"));
    } else {
        text.push_str(&format!("{} shown of {summary}\n", rows.len()));
    }
    output::write_stdout(text.as_bytes())?;
    unreadable_rows(&unreadable)
}

/// After the readable rows are printed: the others counted on stderr (with their ids when
/// those can be read, so `get ID --json` can show one as sent), exit 1. Like `doctor
/// --all`, one bad row does not hide the account.
fn unreadable_rows(rows: &[&RawValue]) -> Result<(), CliError> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = rows
        .iter()
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(r.get()).ok())
        .filter_map(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_string))
        .filter(|id| crate::validate::is_subscription_id(id))
        .take(5)
        .collect();
    let count = match rows.len() {
        1 => "1 subscription could not be read and is not shown".to_string(),
        n => format!("{n} subscriptions could not be read and are not shown"),
    };
    let named = if ids.is_empty() {
        String::new()
    } else {
        format!(
            " ({}; `linq-hooks get ID --json` shows one as the API sent it)",
            ids.join(", ")
        )
    };
    output::error_line("list", &format!("{count}{named}"));
    Err(CliError::Reported(Exit::Failed))
}

pub fn subscription_row(s: &Subscription) -> Vec<Cell> {
    vec![
        Cell::api(&s.id),
        status_cell(s.is_active),
        Cell::plain(s.subscribed_events.len().to_string()),
        Cell::plain(lines_label(s.phone_filter().len())),
        Cell::api(&s.target_url),
    ]
}

fn status_cell(active: bool) -> Cell {
    if active {
        Cell::colored("active", Color::Green)
    } else {
        Cell::colored("paused", Color::Yellow)
    }
}

fn lines_label(n: usize) -> String {
    match n {
        0 => "all lines".into(),
        1 => "1 line".into(),
        n => format!("{n} lines"),
    }
}

pub async fn get(c: &Connected, args: &GetArgs) -> Result<(), CliError> {
    check_id(&args.id)?;
    let raw = c.client.get_raw(&args.id).await?;
    if args.json {
        return output::write_stdout(output::json_value(&raw).as_bytes());
    }
    let sub = parse_subscription(&raw)?;
    output::write_stdout(subscription_block(&sub, &[]).as_bytes())
}

const TIME: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");

fn utc(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(TIME)
        .unwrap_or_else(|_| t.to_string())
}

/// The key/value block for one subscription; `extra` lines go after the status.
pub fn subscription_block(s: &Subscription, extra: &[(&str, String)]) -> String {
    let color = output::stdout_color();
    let status = status_cell(s.is_active);
    let payload = match payload_version(&s.target_url) {
        Some(v) => format!("{} (pinned by ?version=)", clean(&v)),
        None => "default (no ?version= in the URL)".into(),
    };
    let phones = if s.phone_filter().is_empty() {
        "all lines".to_string()
    } else {
        clean(&s.phone_filter().join(", ")).into_owned()
    };
    let routing = match (&s.routing_key_header, &s.routing_id_header) {
        (Some(key), id) if !key.is_empty() => format!(
            "affinity on: key header {}, id header {}",
            clean(key),
            clean(id.as_deref().unwrap_or("Linq-Chat-Id"))
        ),
        _ => "affinity off".into(),
    };
    let mut pairs: Vec<(&str, String)> = vec![
        ("id", clean(&s.id).into_owned()),
        ("target", clean(&s.target_url).into_owned()),
        (
            "status",
            format!(
                "{}{}",
                output::painted(&status, color),
                if s.is_active { "" } else { " (no deliveries)" }
            ),
        ),
    ];
    pairs.extend(extra.iter().cloned());
    pairs.extend([
        ("payload", payload),
        ("created", utc(s.created_at)),
        ("updated", utc(s.updated_at)),
        ("phones", phones),
        ("routing", routing),
        ("events", s.subscribed_events.len().to_string()),
    ]);
    let mut text = output::key_values(&pairs);
    for e in &s.subscribed_events {
        text.push_str(&format!("  {}\n", clean(e)));
    }
    text
}

pub async fn events(c: &Connected, args: &JsonArgs) -> Result<(), CliError> {
    let raw = c.client.events_raw().await?;
    if args.json {
        return output::write_stdout(output::json_array(raw.iter().map(|r| &**r)).as_bytes());
    }
    let mut text = String::new();
    for r in &raw {
        // Event types are strings; anything else is shown as the JSON it is.
        let name: String = serde_json::from_str(r.get()).unwrap_or_else(|_| r.get().to_string());
        text.push_str(&clean(&name));
        text.push('\n');
    }
    output::write_stdout(text.as_bytes())
}

pub async fn phones(c: &Connected, args: &JsonArgs) -> Result<(), CliError> {
    let raw = c.client.phones_raw().await?;
    if args.json {
        return output::write_stdout(output::json_array(raw.iter().map(|r| &**r)).as_bytes());
    }
    let lines: Vec<PhoneNumber> = raw
        .iter()
        .map(|r| serde_json::from_str(r.get()))
        .collect::<Result<_, _>>()
        .map_err(|e| {
            CliError::Api(crate::api::ApiError::Decode {
                status: 200,
                detail: e.to_string(),
                trace_id: None,
            })
        })?;
    let mut table = Table::new(vec!["NUMBER", "TYPE", "REPUTATION", "FORWARDING", "ID"]);
    for l in &lines {
        let reputation = l
            .reputation
            .as_ref()
            .map(|r| r.status.as_str())
            .unwrap_or("");
        let reputation_cell = match reputation {
            "HEALTHY" => Cell::colored(reputation, Color::Green),
            "AT_RISK" => Cell::colored(reputation, Color::Yellow),
            "CRITICAL" => Cell::colored(reputation, Color::Red),
            other => Cell::api(other),
        };
        table.row(vec![
            Cell::api(&l.phone_number),
            Cell::api(l.line_type.as_deref().unwrap_or("")),
            reputation_cell,
            Cell::api(l.forwarding_number.as_deref().unwrap_or("")),
            Cell::api(&l.id),
        ]);
    }
    let mut text = if lines.is_empty() {
        String::new()
    } else {
        table.render(output::stdout_color())
    };
    text.push_str(&format!("{}\n", lines_count(lines.len())));
    output::write_stdout(text.as_bytes())
}

fn lines_count(n: usize) -> String {
    match n {
        1 => "1 line".into(),
        n => format!("{n} lines"),
    }
}
