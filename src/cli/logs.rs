//! `logs ID`: Linq's delivery log of a subscription (linq-api.md §12) — a table newest
//! first, `--json` one entry per line as the API sent it, or `--tail` to follow it.

use super::output::{self, Cell, Color, Table};
use super::{check_id, CliError, Connected};
use crate::evidence::logs::{
    AttemptStatus, LogEntry, LogQuery, LogsClient, RawEntry, StatusFilter, MAX_LAST,
};
use std::collections::{HashSet, VecDeque};
use std::time::Duration;
use time::OffsetDateTime;

/// `--tail` polls this often (no faster), and backs off to [`TAIL_MAX_WAIT`] after errors.
pub const TAIL_EVERY: Duration = crate::evidence::logs::POLL_EVERY;
const TAIL_MAX_WAIT: Duration = Duration::from_secs(30);
/// How many printed `event_id:attempt` keys `--tail` remembers.
const SEEN_CAP: usize = 10_000;
/// The longest `--event` accepted.
const MAX_EVENT_LEN: usize = 200;

#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// The subscription id
    pub id: String,
    /// Only attempts with this outcome
    #[arg(long, value_enum, default_value_t = StatusFilter::All)]
    pub status: StatusFilter,
    /// Only attempts of this event type
    #[arg(long, value_name = "TYPE")]
    pub event: Option<String>,
    /// How many attempts, newest first (pages of 50 are followed)
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=MAX_LAST as i64))]
    pub last: u32,
    /// Keep polling every 3 s and print new attempts until Ctrl-C
    #[arg(long)]
    pub tail: bool,
    /// One JSON object per line, each entry as the API sent it
    #[arg(long)]
    pub json: bool,
}

pub fn check(args: &LogsArgs) -> Result<(), CliError> {
    check_id(&args.id)?;
    if let Some(event) = &args.event {
        if event.is_empty() || event.len() > MAX_EVENT_LEN || event.chars().any(char::is_control) {
            return Err(CliError::Usage(format!(
                "--event {:?} is not an event type",
                crate::text::clean(event)
            )));
        }
    }
    Ok(())
}

fn query(args: &LogsArgs, per_page: u32) -> LogQuery {
    LogQuery {
        event_type: args.event.clone(),
        status: args.status,
        ..LogQuery::new(args.id.clone(), per_page)
    }
}

pub async fn run(c: &Connected, args: &LogsArgs) -> Result<(), CliError> {
    let client = c.logs_client()?;
    if args.tail {
        return tail(&client, args).await;
    }
    let entries = client
        .recent(&query(args, args.last.min(50)), args.last as usize)
        .await?;
    if args.json {
        return output::write_stdout(json_lines(&entries).as_bytes());
    }
    if entries.is_empty() {
        output::note("no delivery attempts logged for this subscription (with these filters)");
        return Ok(());
    }
    let rows: Vec<&LogEntry> = entries.iter().map(|e| &e.entry).collect();
    output::write_stdout(table(&rows).render(output::stdout_color()).as_bytes())
}

fn json_lines(entries: &[RawEntry]) -> String {
    let mut out = String::new();
    for entry in entries {
        out.push_str(entry.raw.get());
        out.push('\n');
    }
    out
}

/// The table of attempts, in the order given.
pub fn table(entries: &[&LogEntry]) -> Table {
    let local = crate::local_time::offset();
    let time_header = if local.is_some() {
        "TIME"
    } else {
        "TIME (UTC)"
    };
    let mut table = Table::new(vec![
        time_header,
        "EVENT",
        "STATUS",
        "HTTP",
        "ATTEMPT",
        "DURATION",
        "ERROR",
    ]);
    for entry in entries {
        table.row(row(entry, local));
    }
    table
}

fn row(entry: &LogEntry, local: Option<time::UtcOffset>) -> Vec<Cell> {
    let time = entry
        .timestamp
        .map(|t| local_stamp(t, local))
        .unwrap_or_else(|| "?".into());
    let status = match entry.status {
        AttemptStatus::Success => Cell::colored("success", Color::Green),
        AttemptStatus::Retrying => Cell::colored("retrying", Color::Yellow),
        AttemptStatus::Failed => Cell::colored("failed", Color::Red),
        AttemptStatus::Other(ref other) => Cell::api(other),
    };
    let http = match (entry.http_status, &entry.error_type) {
        (Some(code), _) => Cell::plain(code.to_string()),
        (None, Some(kind)) => Cell::api(kind),
        (None, None) => Cell::plain("—"),
    };
    let attempt = match entry.max_attempts {
        Some(max) => format!("{}/{max}", entry.attempt),
        None => entry.attempt.to_string(),
    };
    let duration = entry
        .duration_ms
        .map(|ms| format!("{ms} ms"))
        .unwrap_or_else(|| "—".into());
    vec![
        Cell::plain(time),
        Cell::api(&entry.event_type),
        status,
        http,
        Cell::plain(attempt),
        Cell::plain(duration),
        Cell::api(entry.error_message.as_deref().unwrap_or("")),
    ]
}

/// `2026-04-07 20:55:58` in the local offset (UTC when it is unknown).
pub fn local_stamp(t: OffsetDateTime, local: Option<time::UtcOffset>) -> String {
    let t = t.to_offset(local.unwrap_or(time::UtcOffset::UTC));
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    t.format(&format).unwrap_or_else(|_| "?".into())
}

/// The `event_id:attempt` keys printed so far, oldest forgotten first.
#[derive(Default)]
struct Seen {
    keys: HashSet<String>,
    order: VecDeque<String>,
}

impl Seen {
    /// Whether `key` is new (and remembers it).
    fn insert(&mut self, key: String) -> bool {
        if !self.keys.insert(key.clone()) {
            return false;
        }
        self.order.push_back(key);
        if self.order.len() > SEEN_CAP {
            if let Some(old) = self.order.pop_front() {
                self.keys.remove(&old);
            }
        }
        true
    }
}

/// The wait after a poll: 3 s after an answer, doubling after each failed poll up to 30 s.
pub fn next_wait(failures_in_a_row: u32) -> Duration {
    if failures_in_a_row == 0 {
        return TAIL_EVERY;
    }
    let factor = 1u32 << failures_in_a_row.min(4);
    (TAIL_EVERY * factor).min(TAIL_MAX_WAIT)
}

/// `--tail`: the last 10 first, then every 3 s the newest 20; prints each attempt once
/// (oldest first, so the newest is at the bottom); exits 0 on Ctrl-C or SIGTERM.
async fn tail(client: &LogsClient, args: &LogsArgs) -> Result<(), CliError> {
    let mut seen = Seen::default();
    // The first poll fails loudly: the log cannot be read at all.
    let first = client.page(&query(args, 10)).await?;
    print_new(&first.entries, &mut seen, args.json)?;
    let mut failures = 0u32;
    let stop = shutdown();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = tokio::time::sleep(next_wait(failures)) => {}
        }
        let newest = query(args, 20);
        let polled = tokio::select! {
            _ = &mut stop => return Ok(()),
            polled = client.page(&newest) => polled,
        };
        match polled {
            Ok(page) => {
                if failures > 0 {
                    output::note("delivery log readable again");
                }
                failures = 0;
                print_new(&page.entries, &mut seen, args.json)?;
            }
            Err(e) => {
                if failures == 0 {
                    output::note(&format!("{}; backing off", e.sentence()));
                }
                failures = failures.saturating_add(1);
            }
        }
    }
}

fn print_new(entries: &[RawEntry], seen: &mut Seen, json: bool) -> Result<(), CliError> {
    let fresh: Vec<&RawEntry> = entries
        .iter()
        .rev()
        .filter(|e| seen.insert(e.entry.key()))
        .collect();
    if fresh.is_empty() {
        return Ok(());
    }
    let text = if json {
        fresh
            .iter()
            .map(|e| format!("{}\n", e.raw.get()))
            .collect::<String>()
    } else {
        let local = crate::local_time::offset();
        let rows: Vec<Vec<Cell>> = fresh.iter().map(|e| row(&e.entry, local)).collect();
        rows.iter()
            .map(|cells| {
                let line: Vec<String> = cells
                    .iter()
                    .map(|c| output::painted(c, output::stdout_color()))
                    .collect();
                format!("{}\n", line.join("  "))
            })
            .collect()
    };
    output::write_stdout(text.as_bytes())
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_backs_off_to_thirty_seconds() {
        assert_eq!(next_wait(0), Duration::from_secs(3));
        assert_eq!(next_wait(1), Duration::from_secs(6));
        assert_eq!(next_wait(2), Duration::from_secs(12));
        assert_eq!(next_wait(3), Duration::from_secs(24));
        assert_eq!(next_wait(4), Duration::from_secs(30));
        assert_eq!(next_wait(99), Duration::from_secs(30));
    }

    #[test]
    fn seen_keys_print_once_and_stay_bounded() {
        let mut seen = Seen::default();
        assert!(seen.insert("e:1".into()));
        assert!(!seen.insert("e:1".into()));
        assert!(seen.insert("e:2".into()));
        for n in 0..SEEN_CAP + 5 {
            seen.insert(format!("x:{n}"));
        }
        assert_eq!(seen.keys.len(), SEEN_CAP);
    }
}
