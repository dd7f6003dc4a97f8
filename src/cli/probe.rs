//! `probe ID|URL` and `probe --all`: what the endpoint does when this machine talks to it
//! (`evidence::probe`), judged by `diagnose::probe`. One ✓/▲/✖ line per stage, then the
//! findings as `doctor` prints them; `--json` gives one object per probe, one per line.
//! Exit 1 when any finding is an error.

use super::output::{self, Cell, Color, Exit};
use super::{connect, CliError, Connected, Globals};
use crate::api::Subscription;
use crate::diagnose::probe::{self as judge, StageLine};
use crate::diagnose::{Finding, Severity};
use crate::evidence::probe::delivery::{self, Send};
use crate::evidence::probe::{self, tls::Trust, Options, ProbeReport, Target};
use crate::text::clean;
use futures::StreamExt as _;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use zeroize::Zeroizing;

/// Probes in flight at once for `--all` unless told otherwise.
pub const DEFAULT_CONCURRENCY: u16 = 32;
/// The largest secret file read.
const MAX_SECRET_FILE: u64 = 4096;

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// A subscription id, or an http(s) URL (probed without an account).
    #[arg(
        value_name = "ID|URL",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    pub target: Option<String>,
    /// Probe every active subscription of the account (stages 1–4).
    #[arg(long, conflicts_with = "send")]
    pub all: bool,
    /// With --all: probes in flight at once (1 to 256).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Also POST one signed test delivery, exactly as Linq delivers (a real request to the
    /// endpoint). Without a secret it signs with a random one: a 2xx then is a finding.
    #[arg(long)]
    pub send: bool,
    /// The subscription's signing secret, from this environment variable.
    #[arg(
        long,
        value_name = "VAR",
        requires = "send",
        conflicts_with = "secret_file"
    )]
    pub secret_env: Option<String>,
    /// The subscription's signing secret, from this file (first line).
    #[arg(long, value_name = "FILE", requires = "send")]
    pub secret_file: Option<PathBuf>,
    /// The event type of the test delivery (default: one the subscription subscribes to,
    /// else message.received).
    #[arg(long, value_name = "TYPE", requires = "send")]
    pub event: Option<String>,
    /// Also trust the CA certificates of this PEM file.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// One JSON object per probe: {url, stages: [{name, ok, ms, detail}], findings}.
    #[arg(long)]
    pub json: bool,
}

/// One probe as printed.
#[derive(Serialize)]
struct Printed<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    url: &'a str,
    stages: &'a [StageLine],
    findings: &'a [Finding],
}

/// What to probe, once the arguments are read.
enum Wanted {
    Url(Target),
    Id(String),
    All,
}

pub async fn run(globals: &Globals, args: &ProbeArgs) -> Result<(), CliError> {
    let wanted = wanted(args)?;
    let secret = read_secret(args)?;
    let trust = Trust::load(args.ca_file.as_deref()).map_err(CliError::Usage)?;
    let timeout = Duration::from_secs(globals.timeout);
    let failed = match wanted {
        Wanted::Url(target) => {
            let send = args.send.then(|| Send {
                secret,
                event_type: args
                    .event
                    .clone()
                    .unwrap_or_else(|| delivery::DEFAULT_EVENT.into()),
                subscription_id: None,
            });
            let options = Options {
                timeout,
                trust,
                send,
            };
            // No account: the trail names none (the POST went to the URL, not to Linq).
            let account = crate::audit::AuditAccount {
                name: NO_ACCOUNT.into(),
                key_hint: None,
                host: String::new(),
            };
            let record = |entry: crate::audit::AuditEntry| {
                if let Err(reason) = crate::audit::record(&entry) {
                    output::note(&format!("not recorded in the audit trail: {reason}"));
                }
            };
            let report = probe::probe(&target, &options).await;
            audit_delivery(&report, &account, None, record);
            print_report(None, &report, args.json)?
        }
        Wanted::Id(id) => {
            let connected = connect(globals).await?;
            let result = probe_id(&connected, &id, args, secret, trust, timeout).await;
            connected.close().await;
            result?
        }
        Wanted::All => {
            let connected = connect(globals).await?;
            let result = probe_all(&connected, args, trust, timeout).await;
            connected.close().await;
            result?
        }
    };
    if failed {
        Err(CliError::Reported(Exit::Failed))
    } else {
        Ok(())
    }
}

fn wanted(args: &ProbeArgs) -> Result<Wanted, CliError> {
    if args.all {
        return Ok(Wanted::All);
    }
    let raw = args.target.as_deref().unwrap_or_default();
    if raw.contains("://") {
        return Target::parse(raw)
            .map(Wanted::Url)
            .map_err(|e| CliError::Usage(format!("{}: {e}", clean(raw))));
    }
    super::check_id(raw)?;
    Ok(Wanted::Id(raw.to_string()))
}

/// The secret from `--secret-env` or `--secret-file`, checked for shape (never quoted).
fn read_secret(args: &ProbeArgs) -> Result<Option<Zeroizing<String>>, CliError> {
    let secret = if let Some(var) = &args.secret_env {
        match std::env::var(var) {
            Ok(v) => Zeroizing::new(v),
            Err(_) => {
                return Err(CliError::Usage(format!(
                    "--secret-env: the environment variable {} is not set (or not UTF-8)",
                    clean(var)
                )))
            }
        }
    } else if let Some(path) = &args.secret_file {
        secret_file(path)?
    } else {
        return Ok(None);
    };
    let trimmed = Zeroizing::new(secret.trim().to_string());
    crate::signature::parse_secret(&trimmed)
        .map_err(|e| CliError::Usage(format!("the signing secret is unusable: {e}")))?;
    Ok(Some(trimmed))
}

/// A regular file (no symlink, device, FIFO or directory) of at most 4 KiB; its first line.
fn secret_file(path: &Path) -> Result<Zeroizing<String>, CliError> {
    use std::io::Read as _;
    let shown = clean(&path.display().to_string()).into_owned();
    let usage = |why: String| CliError::Usage(format!("--secret-file {shown}: {why}"));
    let meta = std::fs::symlink_metadata(path).map_err(|e| usage(e.to_string()))?;
    if !meta.file_type().is_file() {
        return Err(usage("not a regular file".into()));
    }
    let mut bytes = Zeroizing::new(Vec::new());
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_SECRET_FILE + 1).read_to_end(&mut bytes))
        .map_err(|e| usage(e.to_string()))?;
    if bytes.len() as u64 > MAX_SECRET_FILE {
        return Err(usage("larger than 4 KiB: not a secret file".into()));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| usage("not UTF-8".into()))?;
    Ok(Zeroizing::new(
        text.lines().next().unwrap_or_default().to_string(),
    ))
}

async fn probe_id(
    c: &Connected,
    id: &str,
    args: &ProbeArgs,
    secret: Option<Zeroizing<String>>,
    trust: Trust,
    timeout: Duration,
) -> Result<bool, CliError> {
    let sub = c.client.get(id).await?;
    let target = Target::parse(&sub.target_url).map_err(|e| {
        CliError::Usage(format!(
            "{}: its target URL cannot be probed: {e}",
            clean(id)
        ))
    })?;
    let send = args.send.then(|| Send {
        secret,
        event_type: delivery::event_for(
            &sub.target_url,
            &sub.subscribed_events,
            args.event.as_deref(),
        ),
        subscription_id: Some(sub.id.clone()),
    });
    let options = Options {
        timeout,
        trust,
        send,
    };
    let report = probe::probe(&target, &options).await;
    let account = c.audit_account();
    audit_delivery(&report, &account, Some(&sub.id), |entry| c.audit(entry));
    print_report(Some(&sub.id), &report, args.json)
}

/// The audit trail's name for the account of `probe URL --send` (there is none).
pub const NO_ACCOUNT: &str = "none";

/// Records the test delivery's POST, when one may have reached the endpoint, with its
/// outcome (never the secret).
fn audit_delivery(
    report: &ProbeReport,
    account: &crate::audit::AuditAccount,
    id: Option<&str>,
    record: impl FnOnce(crate::audit::AuditEntry),
) {
    let now = time::OffsetDateTime::now_utc();
    let entry = report
        .delivery
        .as_ref()
        .and_then(|d| d.audit_entry(account, "cli", id, &report.url, now));
    if let Some(entry) = entry {
        record(entry);
    }
}

/// Prints one probe; whether an error finding came out.
fn print_report(id: Option<&str>, report: &ProbeReport, json: bool) -> Result<bool, CliError> {
    let (text, failed) = render(id, report, json);
    output::write_stdout(text.as_bytes())?;
    Ok(failed)
}

/// A probe's findings and its text (human or one JSON line); whether any is an error.
pub fn render(id: Option<&str>, report: &ProbeReport, json: bool) -> (String, bool) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let findings = judge::findings(report, now);
    let failed = crate::diagnose::worst(&findings) == Some(Severity::Error);
    let stages = judge::stage_lines(report, &findings);
    if json {
        let printed = Printed {
            id,
            url: &report.url,
            stages: &stages,
            findings: &findings,
        };
        let line = serde_json::to_string(&printed).unwrap_or_else(|_| "{}".into());
        return (format!("{line}\n"), failed);
    }
    let color = output::stdout_color();
    let mut out = String::new();
    match id {
        Some(id) => out.push_str(&format!("{}  {}\n", clean(id), clean(&report.url))),
        None => out.push_str(&format!("{}\n", clean(&report.url))),
    }
    for line in &stages {
        let (mark, paint) = match line.worst {
            None | Some(Severity::Info) => ("✓", Color::Green),
            Some(Severity::Warning) => ("▲", Color::Yellow),
            Some(Severity::Error) => ("✖", Color::Red),
        };
        let mark = output::painted(&Cell::colored(mark, paint), color);
        out.push_str(&format!(
            "{mark} {:<8} {:>6} ms  {}\n",
            line.name, line.ms, line.detail
        ));
    }
    if findings.is_empty() {
        out.push_str("  ✓ nothing found wrong\n");
    }
    for f in &findings {
        out.push_str(&finding_lines(f, color));
    }
    (out, failed)
}

/// A finding as `doctor` prints it: mark, severity, code, message; then the fix.
pub fn finding_lines(f: &Finding, color: bool) -> String {
    let (mark, paint) = match f.severity {
        Severity::Error => ("✖", Color::Red),
        Severity::Warning => ("▲", Color::Yellow),
        Severity::Info => ("·", Color::Dim),
    };
    let mark = output::painted(&Cell::colored(mark, paint), color);
    format!(
        "  {mark} {:<7} {} — {}\n          → {}\n",
        f.severity.label(),
        f.code,
        clean(&f.message),
        clean(&f.fix)
    )
}

/// Probes (stages 1–4) of these target URLs, `concurrency` at a time, in their order;
/// `Err` for a URL that cannot be probed (the configuration findings say why).
pub async fn probe_each(
    urls: &[&str],
    trust: &Trust,
    timeout: Duration,
    concurrency: usize,
) -> Vec<Result<ProbeReport, String>> {
    futures::stream::iter(urls.iter().map(|url| probe_url(url, trust, timeout)))
        .buffered(concurrency.max(1))
        .collect()
        .await
}

async fn probe_url(url: &str, trust: &Trust, timeout: Duration) -> Result<ProbeReport, String> {
    let target = Target::parse(url)?;
    let options = Options {
        timeout,
        trust: trust.clone(),
        send: None,
    };
    Ok(probe::probe(&target, &options).await)
}

/// `--all`: every active subscription, `concurrency` at a time, printed in list order as
/// each is done.
async fn probe_all(
    c: &Connected,
    args: &ProbeArgs,
    trust: Trust,
    timeout: Duration,
) -> Result<bool, CliError> {
    let subs = c.client.list().await?;
    let active: Vec<Subscription> = subs.into_iter().filter(|s| s.is_active).collect();
    let mut failed = false;
    // Printed as each is done, in list order.
    let mut probes = futures::stream::iter(
        active
            .iter()
            .map(|sub| probe_url(&sub.target_url, &trust, timeout)),
    )
    .buffered(usize::from(args.concurrency));
    let mut index = 0;
    while let Some(result) = probes.next().await {
        let sub = &active[index];
        index += 1;
        let text = match result {
            Ok(report) => {
                let (text, bad) = render(Some(&sub.id), &report, args.json);
                failed |= bad;
                text
            }
            Err(e) => {
                // Not probeable (the configuration findings say why): a line, no finding.
                output::note(&format!("{}: not probed: {e}", sub.id));
                continue;
            }
        };
        output::write_stdout(text.as_bytes())?;
    }
    Ok(failed)
}
