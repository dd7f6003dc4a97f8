//! `export`, `plan` and `apply`: the account's subscriptions as a file, a reviewed plan of
//! what a file would change, and the plan made real — never a silent re-create (which would
//! change a signing secret), never a new secret that is not kept.

use super::lifecycle_files::{read_document, write_export, SecretDir};
use super::output::{self, Exit};
use super::plan_out::{plan_json, plan_text, results_text};
use super::write::event_catalogue;
use super::{CliError, Connected};
use crate::audit::AuditAccount;
use crate::lifecycle::apply::Applier;
use crate::lifecycle::check::Parsed;
use crate::lifecycle::document::{line_column, Format, Problem};
use crate::lifecycle::export::{self, ExportAccount};
use crate::lifecycle::plan::{plan, Action, Blocked, Plan};
use crate::text::clean;
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Write to this new file instead of stdout (refuses an existing one without --force).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// toml or json (default: from the --out name, else toml).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Replace an existing --out file (never a symlink or anything but a regular file).
    #[arg(long, requires = "out")]
    pub force: bool,
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The subscriptions file (TOML or JSON, as `export` writes it).
    pub file: PathBuf,
    /// Delete subscriptions the file does not list (else they are kept).
    #[arg(long)]
    pub prune: bool,
    /// Print {"changes": [...], "summary": {...}}.
    #[arg(long)]
    pub json: bool,
    /// Exit 0 when nothing would change, 3 when something would, 1 on any error.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The subscriptions file (TOML or JSON, as `export` writes it).
    pub file: PathBuf,
    /// Delete subscriptions the file does not list (else they are kept).
    #[arg(long)]
    pub prune: bool,
    /// Apply without asking (required when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Write each new subscription's signing secret to DIR/<id>.whsec (0600; DIR 0700).
    /// Required when the plan creates subscriptions.
    #[arg(long, value_name = "DIR")]
    pub secret_dir: Option<PathBuf>,
    /// Print the plan; change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

fn audit_account(c: &Connected) -> AuditAccount {
    AuditAccount {
        name: c.account.name.clone(),
        key_hint: c.key_hint.clone(),
        host: crate::config::host_of(&c.base_url),
    }
}

pub async fn export(c: &Connected, args: &ExportArgs) -> Result<(), CliError> {
    let format = args.format.unwrap_or_else(|| match &args.out {
        Some(path) => Format::detect(path, ""),
        None => Format::Toml,
    });
    let subs = c.client.list().await?;
    if let Some(bad) = export::unreadable(&subs).first() {
        return Err(CliError::Io {
            what: format!(
                "subscription {} has fields the server sent unreadably ({}): nothing exported",
                clean(&bad.id),
                bad.unreadable.names().join(", ")
            ),
            source: std::io::Error::other("unreadable answer"),
        });
    }
    let now = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let account = ExportAccount {
        name: c.account.name.clone(),
        host: crate::config::host_of(&c.base_url),
        exported_at: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    };
    let text = export::render(&account, &subs, format);
    match &args.out {
        None => output::write_stdout(text.as_bytes()),
        Some(path) => {
            write_export(path, &text, args.force)?;
            output::note(&format!(
                "exported {} subscriptions to {}",
                subs.len(),
                path.display()
            ));
            Ok(())
        }
    }
}

/// Every problem as `FILE:line:column: message` on stderr; the error says how many.
fn report_problems(file: &Path, text: &str, problems: &[Problem]) -> CliError {
    let name = file.display().to_string();
    for p in problems {
        let (line, column) = line_column(text, p.at);
        eprintln!("{}:{line}:{column}: {}", clean(&name), clean(&p.message));
    }
    CliError::Usage(format!(
        "{} problem{} in {}: nothing was sent",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        clean(&name)
    ))
}

/// The file read, parsed and checked against the account's catalogue, and the plan.
async fn file_plan(c: &Connected, file: &Path, prune: bool) -> Result<Plan, CliError> {
    // The file is read, parsed and (once the catalogue is here) checked on another thread
    // while the list is on the wire and decoded: the plan costs about one list.
    let (catalogue_tx, catalogue_rx) = tokio::sync::oneshot::channel::<Vec<String>>();
    let path = file.to_path_buf();
    let checking = tokio::task::spawn_blocking(move || {
        let text = read_document(&path)?;
        let format = Format::detect(&path, &text);
        let parsed = Parsed::new(&text, format);
        crate::logging::startup("file parsed");
        // Without the catalogue (the command is ending) there is nothing to check.
        let Ok(catalogue) = catalogue_rx.blocking_recv() else {
            return Ok((text, Ok(Vec::new())));
        };
        crate::logging::startup("catalogue here");
        let known: rustc_hash::FxHashSet<&str> = catalogue.iter().map(String::as_str).collect();
        let checked = parsed.check(&|e: &str| known.contains(e));
        crate::logging::startup("file checked");
        Ok::<_, CliError>((text, checked))
    });
    let checked = async {
        let (text, checked) = checking.await.map_err(|e| CliError::Io {
            what: format!("reading {}", clean(&file.display().to_string())),
            source: std::io::Error::other(e),
        })??;
        checked.map_err(|p| report_problems(file, &text, &p))
    };
    let reads = async {
        let (subs, ()) = tokio::join!(c.client.list(), async {
            let (catalogue, _) = event_catalogue(c).await;
            // The checking thread may have ended already (an unreadable file).
            let _ = catalogue_tx.send(catalogue);
        });
        Ok(subs)
    };
    // A bad file ends the command as soon as it is known, whatever the network.
    let (desired, subs) = tokio::try_join!(checked, reads)?;
    let plan = plan(&desired, &subs?, prune);
    crate::logging::startup("plan made");
    Ok(plan)
}

/// `--detailed-exitcode`: 3 for changes here; `cli::run` turns every error into 1.
pub async fn plan_command(c: &Connected, args: &PlanArgs) -> Result<(), CliError> {
    let plan = file_plan(c, &args.file, args.prune).await?;
    let text = match args.json {
        true => plan_json(&plan),
        false => plan_text(&plan, &args.file.display().to_string()),
    };
    output::write_stdout(text.as_bytes())?;
    crate::logging::startup("plan written");
    if args.detailed_exitcode && plan.has_changes() {
        return Err(CliError::Reported(Exit::Changes));
    }
    Ok(())
}

/// What `apply` would send: the plan's changes less the blocked ones.
#[derive(Debug, Clone, Copy, Default)]
struct Sendable {
    create: usize,
    update: usize,
    delete: usize,
    blocked: usize,
}

impl Sendable {
    fn of(plan: &Plan) -> Self {
        let mut out = Self::default();
        for c in &plan.changes {
            match (c.blocked.is_some(), c.action) {
                (_, Action::Keep) => {}
                (true, _) => out.blocked += 1,
                (false, Action::Create) => out.create += 1,
                (false, Action::Update) => out.update += 1,
                (false, Action::Delete) => out.delete += 1,
            }
        }
        out
    }

    fn count(&self) -> usize {
        self.create + self.update + self.delete
    }
}

/// Said before any request: which changes are left out, and the way to make them by hand.
fn refuse_blocked(plan: &Plan, sendable: Sendable) -> Result<(), CliError> {
    let n = sendable.blocked;
    let swaps = plan
        .blocked()
        .any(|c| matches!(c.blocked, Some(Blocked::Swap(_))));
    let mut message = format!(
        "{n} change{} cannot be applied (marked !! above) and will not be sent",
        if n == 1 { "" } else { "s" }
    );
    if swaps {
        message.push_str(
            ". Subscriptions that swap URLs need two applies: first give one of them a \
             temporary URL in the file and apply, then put the final URLs back and apply again",
        );
    }
    if sendable.count() == 0 {
        return Err(CliError::Usage(format!("{message} (nothing was sent)")));
    }
    output::error_line("apply", &message);
    Ok(())
}

pub async fn apply_command(c: &Connected, args: &ApplyArgs) -> Result<(), CliError> {
    let plan = file_plan(c, &args.file, args.prune).await?;
    output::write_stdout(plan_text(&plan, &args.file.display().to_string()).as_bytes())?;
    if !plan.has_changes() {
        return Ok(());
    }
    let sendable = Sendable::of(&plan);
    if sendable.blocked > 0 {
        refuse_blocked(&plan, sendable)?;
    }
    let creates = sendable.create;
    if creates > 0 && args.secret_dir.is_none() {
        let message = format!(
            "the plan creates {creates} subscription{}, each with a new signing secret shown only once: \
             give --secret-dir DIR to keep them",
            if creates == 1 { "" } else { "s" }
        );
        if args.dry_run {
            output::note(&message);
        } else {
            return Err(CliError::Usage(format!("{message} (nothing was sent)")));
        }
    }
    if args.dry_run {
        output::note("--dry-run: nothing was sent");
        return Ok(());
    }
    let secrets = match (&args.secret_dir, creates) {
        (Some(dir), n) if n > 0 => Some(SecretDir::prepare(dir)?),
        _ => None,
    };
    if !args.yes {
        confirm(sendable).await?;
    }
    // Until every answer is recorded; after a Ctrl-C nothing new is sent.
    let _on_its_way = crate::interrupt::on_its_way();
    // Opened once for the run; if it cannot be, each entry tries (and warns) by itself.
    let trail = crate::audit::OpenTrail::open_default().ok();
    let record = |entry: crate::audit::AuditEntry| match &trail {
        Some(trail) => {
            if let Err(reason) = trail.record(&entry) {
                output::note(&format!("not recorded in the audit trail: {reason}"));
            }
        }
        None => c.audit(entry),
    };
    let no_secrets = NoCreates;
    let applier = Applier {
        client: &c.client,
        account: audit_account(c),
        apply_id: uuid::Uuid::new_v4().to_string(),
        secrets: match &secrets {
            Some(dir) => dir,
            None => &no_secrets,
        },
        record: &record,
    };
    let results = applier.apply(&plan).await;
    let not_sent = results
        .iter()
        .filter(|r| r.result.as_ref().is_err_and(|f| f.not_sent))
        .count();
    let failed = results.iter().filter(|r| r.result.is_err()).count() - not_sent;
    output::write_stdout(results_text(&results).as_bytes())?;
    if failed + not_sent > 0 {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let mut what = Vec::new();
        if failed > 0 {
            what.push(format!("{failed} change{} failed", plural(failed)));
        }
        if not_sent > 0 {
            what.push(format!("{not_sent} change{} not sent", plural(not_sent)));
        }
        output::error_line(
            "apply",
            &format!(
                "{} (listed above); the others were made. `linq-hooks plan` shows what is left",
                what.join(", ")
            ),
        );
        return Err(CliError::Reported(Exit::Failed));
    }
    Ok(())
}

/// The store of a plan without creates: never called.
struct NoCreates;

impl crate::lifecycle::apply::SecretStore for NoCreates {
    fn store(
        &self,
        _id: &str,
        _url: &str,
        _secret: &crate::api::SigningSecret,
    ) -> Result<PathBuf, String> {
        Err("no --secret-dir".into())
    }
}

/// y/N on a terminal; without one only `--yes` will do.
async fn confirm(s: Sendable) -> Result<(), CliError> {
    let count = s.count();
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "apply would make {count} changes and stdin is not a terminal: nothing changed; \
             add --yes to go ahead (or --dry-run to see them)"
        )));
    }
    let left_out = match s.blocked {
        0 => String::new(),
        n => format!("; {n} that cannot be applied left out"),
    };
    let question = format!(
        "Apply {count} changes ({} create, {} update, {} delete{left_out})?",
        s.create, s.update, s.delete
    );
    if super::bulk::ask_yes(&question).await? {
        Ok(())
    } else {
        Err(CliError::Usage("not confirmed: nothing changed".into()))
    }
}
