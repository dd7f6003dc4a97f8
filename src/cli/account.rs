//! `profiles` (every account linq-hooks knows, never a key) and `doctor` (is this account
//! usable: config, key, reachability, the key accepted, the clock).

use super::output::{self, Cell, Color, Exit, Table};
use super::{choice, connect_resolved, env_var, CliError, Connected, Globals};
use crate::config::{self, AccountEntry, Accounts};
use crate::diagnose::{self, Finding, Severity};
use futures::StreamExt as _;
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ProfilesArgs {
    /// One JSON array: name, label, host, key source kind, read-only, default.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Also the findings of this subscription: why it may not deliver.
    #[arg(value_name = "ID", conflicts_with = "all")]
    pub id: Option<String>,
    /// Also the findings of every subscription of the account.
    #[arg(long)]
    pub all: bool,
    /// JSON: the checks as an array; with ID or --all an object {checks, subscriptions}.
    #[arg(long)]
    pub json: bool,
    /// With ID or --all: also probe the endpoints (DNS, connect, TLS, HEAD, as `probe`
    /// does; --all probes the active ones) and add the probe's findings.
    #[arg(long)]
    pub probe: bool,
    /// With --probe: also trust the CA certificates of this PEM file.
    #[arg(long, value_name = "PEM", requires = "probe")]
    pub ca_file: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct ProfileRow<'a> {
    name: &'a str,
    label: &'a str,
    host: &'a str,
    key_source: &'a str,
    read_only: bool,
    /// The delivery log's organisation id, when known.
    org_id: Option<&'a str>,
    /// What linq-hooks would use without `--profile` (the choice order).
    chosen: bool,
}

pub fn profiles(globals: &Globals, args: &ProfilesArgs) -> Result<(), CliError> {
    let accounts = Accounts::load_default()?;
    for note in accounts.notes() {
        output::note(&note);
    }
    let entries = accounts.entries(&env_var);
    let chosen = choice(globals)
        .and_then(|c| accounts.choose(&c, &env_var))
        .map(|c| c.entry.name)
        .ok();
    let rows: Vec<ProfileRow> = entries
        .iter()
        .map(|e| ProfileRow {
            name: &e.name,
            label: &e.label,
            host: &e.host,
            key_source: e.key_kind,
            read_only: e.read_only,
            org_id: e.org_id.as_deref(),
            chosen: chosen.as_deref() == Some(e.name.as_str()),
        })
        .collect();
    if args.json {
        let json = serde_json::to_string_pretty(&rows).map_err(|e| CliError::Io {
            what: "writing JSON".into(),
            source: std::io::Error::other(e),
        })?;
        return output::write_stdout(format!("{json}\n").as_bytes());
    }
    let mut table = Table::new(vec![
        "", "NAME", "LABEL", "HOST", "KEY FROM", "ACCESS", "ORG ID",
    ]);
    for row in &rows {
        table.row(vec![
            Cell::plain(if row.chosen { "*" } else { "" }),
            Cell::api(row.name),
            Cell::api(row.label),
            Cell::api(row.host),
            Cell::plain(row.key_source),
            if row.read_only {
                Cell::colored("read-only", Color::Yellow)
            } else {
                Cell::plain("read-write")
            },
            match row.org_id {
                Some(org) => Cell::api(org),
                None => Cell::colored("—", Color::Dim),
            },
        ]);
    }
    output::write_stdout(table.render(output::stdout_color()).as_bytes())
}

/// One line of `doctor`.
#[derive(Debug, Serialize)]
pub struct Check {
    pub check: &'static str,
    /// `None`: not checked, because an earlier check failed.
    pub ok: Option<bool>,
    /// Passed with a reservation (▲): an experimental feature is unavailable.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub warning: bool,
    pub detail: String,
}

impl Check {
    fn pass(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            ok: Some(true),
            warning: false,
            detail: detail.into(),
        }
    }

    fn warn(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            ok: Some(true),
            warning: true,
            detail: detail.into(),
        }
    }

    fn fail(check: &'static str, detail: impl Into<String>) -> Self {
        Self {
            check,
            ok: Some(false),
            warning: false,
            detail: detail.into(),
        }
    }

    fn skipped(check: &'static str) -> Self {
        Self {
            check,
            ok: None,
            warning: false,
            detail: "not checked (see above)".into(),
        }
    }
}

/// Signature checks reject deliveries whose timestamp is more than this off (§8.3).
const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// Runs every check in order; later ones are skipped when what they need failed. The
/// connection comes back when the key was accepted, for the findings.
pub async fn doctor(
    globals: &Globals,
    timeout_secs: u64,
    subscription: Option<&str>,
) -> (Vec<Check>, Option<Connected>) {
    let mut checks = Vec::new();
    let path = config::file::default_path();
    let accounts = match Accounts::load_default() {
        Ok(accounts) => {
            checks.push(match (&accounts.config, &path) {
                (Some(loaded), _) => Check::pass(
                    "config",
                    format!(
                        "{} is valid ({} profiles)",
                        loaded.path.display(),
                        loaded.file.profiles.len()
                    ),
                ),
                (None, Some(path)) => Check::pass(
                    "config",
                    format!("no config file at {} (optional)", path.display()),
                ),
                (None, None) => Check::pass("config", "no config directory (optional)"),
            });
            accounts
        }
        Err(e) => {
            checks.push(Check::fail("config", e.to_string()));
            for name in [
                "account",
                "key",
                "reachable",
                "key accepted",
                "clock",
                "delivery logs",
            ] {
                checks.push(Check::skipped(name));
            }
            return (checks, None);
        }
    };
    let chosen = match choice(globals).and_then(|c| accounts.choose(&c, &env_var)) {
        Ok(chosen) => chosen,
        Err(e) => {
            checks.push(Check::fail("account", e.to_string()));
            for name in ["key", "reachable", "key accepted", "clock", "delivery logs"] {
                checks.push(Check::skipped(name));
            }
            return (checks, None);
        }
    };
    checks.push(Check::pass("account", describe(&chosen.entry)));
    let key_kind = chosen.entry.key_kind;
    let resolved = match tokio::task::spawn_blocking(move || chosen.resolve(&env_var)).await {
        Ok(Ok(resolved)) => resolved,
        Ok(Err(e)) => {
            checks.push(Check::fail("key", e.to_string()));
            for name in ["reachable", "key accepted", "clock", "delivery logs"] {
                checks.push(Check::skipped(name));
            }
            return (checks, None);
        }
        Err(e) => {
            checks.push(Check::fail("key", format!("reading the key failed: {e}")));
            return (checks, None);
        }
    };
    let hint = match &resolved.target {
        config::Target::Remote { key, .. } => format!("{} (from {key_kind})", key.hint()),
        config::Target::Sandbox => "the sandbox's demo key".into(),
    };
    checks.push(Check::pass("key", hint));
    let connected = match connect_resolved(resolved, globals.sandbox_db.clone(), timeout_secs).await
    {
        Ok(c) => c,
        Err(e) => {
            checks.push(Check::fail("reachable", e.to_string()));
            for name in ["key accepted", "clock", "delivery logs"] {
                checks.push(Check::skipped(name));
            }
            return (checks, None);
        }
    };
    let mut first_subscription: Option<String> = None;
    let probe = connected.client.probe().await;
    let latency = ms(probe.latency);
    let host = connected.client.target().to_string();
    match &probe.result {
        Err(e) if e.status().is_none() => {
            checks.push(Check::fail(
                "reachable",
                format!("{host}: {}", output::api_error_line(e)),
            ));
            checks.push(Check::skipped("key accepted"));
        }
        result => {
            checks.push(Check::pass(
                "reachable",
                format!("{host} answered in {latency}"),
            ));
            checks.push(match result {
                Ok(lines) => match connected.client.list().await {
                    Ok(subs) => {
                        first_subscription = subs.first().map(|s| s.id.clone());
                        Check::pass(
                        "key accepted",
                        format!(
                            "GET /v3/phone_numbers: {} lines; GET /v3/webhook-subscriptions: {} subscriptions",
                            lines.len(),
                            subs.len()
                        ),
                    )
                    }
                    Err(e) => Check::fail(
                        "key accepted",
                        format!("GET /v3/webhook-subscriptions: {}", output::api_error_line(&e)),
                    ),
                },
                Err(e) => Check::fail(
                    "key accepted",
                    format!("GET /v3/phone_numbers: {}", output::api_error_line(e)),
                ),
            });
        }
    }
    checks.push(clock(probe.server_date, probe.latency));
    if checks.iter().any(|c| c.ok == Some(false)) {
        checks.push(Check::skipped("delivery logs"));
        connected.close().await;
        return (checks, None);
    }
    let logs_of = subscription.map(str::to_owned).or(first_subscription);
    checks.push(delivery_logs(&connected, logs_of.as_deref()).await);
    (checks, Some(connected))
}

/// The delivery log (linq-api.md §12): reachable, the key accepted, how many attempts the
/// first page holds. Experimental, so "unavailable" is a warning, never a failure.
async fn delivery_logs(c: &Connected, subscription: Option<&str>) -> Check {
    const NAME: &str = "delivery logs";
    let Some(id) = subscription else {
        return Check::pass(NAME, "no subscription to read the log of");
    };
    let client = match c.logs_client() {
        Ok(client) => client,
        Err(e) => return Check::warn(NAME, e.sentence()),
    };
    let org = c.logs.org_id.as_deref().unwrap_or("?");
    let started = std::time::Instant::now();
    match client
        .page(&crate::evidence::logs::LogQuery::new(id, 20))
        .await
    {
        Ok(page) => Check::pass(
            NAME,
            format!(
                "{} (org {org}) answered in {}: {} attempts on the first page",
                crate::config::host_of(&c.logs.base),
                ms(started.elapsed()),
                page.entries.len()
            ),
        ),
        Err(e) if e.is_unavailable() => Check::warn(NAME, e.sentence()),
        Err(e) => Check::fail(NAME, format!("{e}")),
    }
}

fn describe(entry: &AccountEntry) -> String {
    let access = if entry.read_only { ", read-only" } else { "" };
    format!("{} — {} ({}{access})", entry.name, entry.label, entry.host)
}

/// The local clock against the server's `Date` (taken mid-request, 1 s resolution).
fn clock(server: Option<time::OffsetDateTime>, latency: Duration) -> Check {
    let Some(server) = server else {
        return Check::skipped("clock");
    };
    let now = time::OffsetDateTime::now_utc() - latency / 2;
    let skew = (now - server).whole_seconds();
    let direction = if skew >= 0 { "ahead of" } else { "behind" };
    let detail = format!(
        "this machine is {}s {direction} the server's clock (Date header, ±1 s); signature checks allow {SIGNATURE_TOLERANCE_SECS} s",
        skew.abs()
    );
    if skew.abs() > SIGNATURE_TOLERANCE_SECS {
        Check::fail("clock", detail)
    } else {
        Check::pass("clock", detail)
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// One subscription's findings, for `doctor ID|--all`.
#[derive(Serialize)]
struct SubscriptionFindings {
    id: String,
    target_url: String,
    findings: Vec<Finding>,
    /// Whether it is delivering (only active ones are probed by `--all --probe`).
    #[serde(skip)]
    active: bool,
}

/// `--probe`: the probe's findings join each subscription's (the one asked for, or every
/// active one), as `probe` would print them.
async fn add_probe_findings(
    found: &mut [SubscriptionFindings],
    trust: &crate::evidence::probe::tls::Trust,
    timeout_secs: u64,
    one: bool,
) {
    let probed: Vec<usize> = (0..found.len())
        .filter(|&i| one || found[i].active)
        .collect();
    let urls: Vec<String> = probed
        .iter()
        .map(|&i| found[i].target_url.clone())
        .collect();
    let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
    let reports = super::probe::probe_each(
        &urls,
        trust,
        Duration::from_secs(timeout_secs),
        usize::from(super::probe::DEFAULT_CONCURRENCY),
    )
    .await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    for (&i, report) in probed.iter().zip(reports) {
        // An unprobeable URL already has its configuration finding (invalid-url, …).
        if let Ok(report) = report {
            let probe = diagnose::probe::findings(&report, now);
            found[i].findings = diagnose::probe::merged(&found[i].findings, &probe);
        }
    }
}

/// `doctor`: runs the checks and prints them; with an id or `--all` also the findings.
/// Exit 1 when a check failed or a finding is an error.
pub async fn doctor_command(globals: &Globals, args: &DoctorArgs) -> Result<(), CliError> {
    if let Some(id) = &args.id {
        super::check_id(id)?;
    }
    let wanted = args.all || args.id.is_some();
    if args.probe && !wanted {
        return Err(CliError::Usage(
            "--probe needs a subscription ID or --all".into(),
        ));
    }
    let trust = if args.probe {
        let trust = crate::evidence::probe::tls::Trust::load(args.ca_file.as_deref())
            .map_err(CliError::Usage)?;
        Some(trust)
    } else {
        None
    };
    let (checks, connected) = doctor(globals, globals.timeout, args.id.as_deref()).await;
    let subscriptions = match (connected, wanted) {
        (Some(c), true) => {
            let found = subscription_findings(&c, args.id.as_deref()).await;
            c.close().await;
            let mut found = found?;
            if let Some(trust) = &trust {
                add_probe_findings(&mut found, trust, globals.timeout, args.id.is_some()).await;
            }
            Some(found)
        }
        (Some(c), false) => {
            c.close().await;
            None
        }
        (None, _) => None,
    };
    let exit = print_doctor(&checks, subscriptions.as_deref(), args.json)?;
    match exit {
        Exit::Ok => Ok(()),
        exit => Err(CliError::Reported(exit)),
    }
}

/// The findings of one subscription (`only`) or all, from the same engine as the dashboard.
async fn subscription_findings(
    c: &Connected,
    only: Option<&str>,
) -> Result<Vec<SubscriptionFindings>, CliError> {
    let (subs, lines, catalog) = tokio::join!(
        c.client.list(),
        c.client.phone_numbers(),
        c.client.webhook_events()
    );
    let subs = subs?;
    let (catalog, from_server) = match catalog {
        Ok(c) if !c.events.is_empty() => (c.events, true),
        _ => (
            crate::app::BUNDLED_EVENTS
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            false,
        ),
    };
    let account = diagnose::Account {
        lines: lines.as_deref().ok(),
        catalog: &catalog,
        catalog_from_server: from_server,
        subscriptions: &subs,
        sandbox: c.sandbox,
    };
    if let Some(id) = only {
        // Not in the list: ask the API, so its 404 and trace id are the answer.
        let sub = match subs.iter().find(|s| s.id == id) {
            Some(s) => s.clone(),
            None => c.client.get(id).await?,
        };
        let mut findings = diagnose::findings(&sub, &account);
        diagnose::merge(&mut findings, log_findings(c, &sub.id).await);
        return Ok(vec![SubscriptionFindings {
            findings: for_commands(findings, &sub.id),
            active: sub.is_active,
            id: sub.id,
            target_url: sub.target_url,
        }]);
    }
    let all = diagnose::findings_for_all(&account);
    // The logs of every subscription, four requests at a time.
    let logs: Vec<Vec<Finding>> = futures::stream::iter(subs.iter())
        .map(|s| log_findings(c, &s.id))
        .buffered(4)
        .collect()
        .await;
    Ok(subs
        .iter()
        .zip(all)
        .zip(logs)
        .map(|((s, mut findings), from_log)| {
            diagnose::merge(&mut findings, from_log);
            SubscriptionFindings {
                id: s.id.clone(),
                target_url: s.target_url.clone(),
                findings: for_commands(findings, &s.id),
                active: s.is_active,
            }
        })
        .collect())
}

/// The fixes worded for a shell (`linq-hooks resume ID`), not for the dashboard's keys.
fn for_commands(mut findings: Vec<Finding>, id: &str) -> Vec<Finding> {
    for f in &mut findings {
        f.fix = diagnose::command_fix(&f.fix, id).into();
    }
    findings
}

/// How many of a subscription's newest attempts the findings look at.
const LOG_WINDOW: usize = 50;

/// Findings from the subscription's newest attempts in the delivery log; none when the
/// log cannot be read (the `delivery logs` check has said why).
async fn log_findings(c: &Connected, id: &str) -> Vec<Finding> {
    let Ok(client) = c.logs_client() else {
        return Vec::new();
    };
    let query = crate::evidence::logs::LogQuery::new(id, 50);
    match client.recent(&query, LOG_WINDOW).await {
        Ok(entries) => {
            let log: Vec<_> = entries.into_iter().map(|e| e.entry).collect();
            diagnose::delivery_findings(&log, time::OffsetDateTime::now_utc())
        }
        Err(_) => Vec::new(),
    }
}

/// Prints the checks (and findings); `Exit::Failed` when a check failed or a finding is
/// an error.
fn print_doctor(
    checks: &[Check],
    subscriptions: Option<&[SubscriptionFindings]>,
    json: bool,
) -> Result<Exit, CliError> {
    let failed = checks.iter().any(|c| c.ok == Some(false))
        || subscriptions.is_some_and(|subs| {
            subs.iter()
                .any(|s| diagnose::worst(&s.findings) == Some(Severity::Error))
        });
    if json {
        let value = match subscriptions {
            None => serde_json::to_value(checks),
            Some(subs) => serde_json::to_value(serde_json::json!({
                "checks": checks,
                "subscriptions": subs,
            })),
        };
        let text = value
            .and_then(|v| serde_json::to_string_pretty(&v))
            .map_err(|e| CliError::Io {
                what: "writing JSON".into(),
                source: std::io::Error::other(e),
            })?;
        output::write_stdout(format!("{text}\n").as_bytes())?;
    } else {
        let color = output::stdout_color();
        let mut out = String::new();
        for c in checks {
            let (mark, paint) = match c.ok {
                Some(true) if c.warning => ("▲", Color::Yellow),
                Some(true) => ("✓", Color::Green),
                Some(false) => ("✗", Color::Red),
                None => ("–", Color::Dim),
            };
            let mark = output::painted(&Cell::colored(mark, paint), color);
            out.push_str(&format!(
                "{mark} {:<13} {}\n",
                c.check,
                crate::text::clean(&c.detail)
            ));
        }
        for sub in subscriptions.unwrap_or_default() {
            out.push_str(&format!(
                "\n{}  {}\n",
                crate::text::clean(&sub.id),
                crate::text::clean(&sub.target_url)
            ));
            if sub.findings.is_empty() {
                out.push_str("  ✓ nothing found wrong\n");
            }
            for f in &sub.findings {
                out.push_str(&super::probe::finding_lines(f, color));
            }
        }
        output::write_stdout(out.as_bytes())?;
    }
    Ok(if failed { Exit::Failed } else { Exit::Ok })
}
