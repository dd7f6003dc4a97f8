//! `rotate`: replace a subscription's signing secret without losing an event (issue 20).
//! Start creates a twin (same events, lines, routing headers, payload version) on a distinct
//! URL, its one-time secret into `--secret-file`; `--finish` deletes the old one once the
//! twin is re-read unchanged and active; `--abort` deletes the twin; `--status` lists the
//! rotations in progress, from the audit trail and the `linq_rotation` parameter. The
//! decisions are `lifecycle::rotate`'s; this file does the requests and the printing.

use super::output::{self, api_error_line, Cell, Color, Exit, Table};
use super::secret_out::SecretFile;
use super::{check_id, CliError, Connected};
use crate::api::{SigningSecret, Subscription};
use crate::audit::{self, AuditEntry, Outcome, RotationIds};
use crate::lifecycle::rotate::{self, Pair};
use crate::text::clean;
use crate::validate::validate_url;
use serde_json::json;
use std::path::PathBuf;

/// The most trail entries read to find pairs again (the trail's newest end).
const TRAIL_ENTRIES: usize = 100_000;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("step").required(true).args(["id", "finish", "abort", "status"])))]
pub struct RotateArgs {
    /// Start: the subscription whose signing secret is to be replaced.
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// The new subscription's URL (default: the same URL plus linq_rotation=<n>).
    #[arg(long, value_name = "URL", requires = "id")]
    pub new_url: Option<String>,
    /// Where the new signing secret goes: a new file (mode 0600, never overwritten).
    /// Required to start.
    #[arg(long, value_name = "PATH", requires = "id")]
    pub secret_file: Option<PathBuf>,
    /// Finish: delete the old subscription OLD_ID (its twin is re-read first).
    #[arg(long, value_name = "OLD_ID")]
    pub finish: Option<String>,
    /// Abort: delete the new subscription of OLD_ID's rotation; the old one stays.
    #[arg(long, value_name = "OLD_ID")]
    pub abort: Option<String>,
    /// List the rotations in progress (also found from another machine).
    #[arg(long)]
    pub status: bool,
    /// One JSON object (start, finish, abort) or array (status).
    #[arg(long)]
    pub json: bool,
}

impl RotateArgs {
    /// Everything but `--status` changes the account.
    pub fn writes(&self) -> bool {
        !self.status
    }
}

/// Everything that needs no network: ids, the URL, and a place for the secret (a rotation
/// never starts without one: the secret is shown once).
pub fn check(args: &RotateArgs) -> Result<(), CliError> {
    if let Some(id) = &args.id {
        check_id(id)?;
        if args.secret_file.is_none() {
            return Err(CliError::Usage(
                "--secret-file PATH is required to start a rotation: the new subscription's \
                 signing secret is returned once and goes only into that new file"
                    .into(),
            ));
        }
        if let Some(url) = &args.new_url {
            validate_url(url.trim()).map_err(|m| CliError::Usage(format!("--new-url: {m}")))?;
        }
    }
    for id in [&args.finish, &args.abort].into_iter().flatten() {
        check_id(id)?;
    }
    Ok(())
}

pub async fn run(c: &Connected, args: &RotateArgs) -> Result<(), CliError> {
    check(args)?;
    if let Some(id) = &args.id {
        start(c, id, args).await
    } else if let Some(id) = &args.finish {
        finish(c, id, args.json).await
    } else if let Some(id) = &args.abort {
        abort(c, id, args.json).await
    } else {
        status(c, args.json).await
    }
}

/// This account's trail entries (newest first); an unreadable trail is a note, and the
/// `linq_rotation` parameter still finds default pairs.
fn trail(c: &Connected) -> Vec<AuditEntry> {
    let Some(path) = audit::default_path() else {
        return Vec::new();
    };
    let host = crate::config::host_of(&c.base_url);
    match audit::read(&path, None, TRAIL_ENTRIES) {
        Ok(trail) => trail
            .entries
            .into_iter()
            .filter(|e| e.account.name == c.account.name)
            // The embedded sandbox gets a new port every run: its name is enough.
            .filter(|e| c.sandbox || e.account.host == host)
            .collect(),
        Err(e) => {
            output::note(&format!(
                "cannot read the audit trail {} ({e}): pairs are found by their URL only",
                path.display()
            ));
            Vec::new()
        }
    }
}

fn rotation_entry(c: &Connected, op: &str, sub: &Subscription, pair: &Pair) -> AuditEntry {
    let mut entry = c.audit_entry(op, &sub.id, &sub.target_url);
    entry.rotation = Some(RotationIds {
        old_id: pair.old_id.clone(),
        new_id: pair.new_id.clone(),
    });
    entry
}

/// A subscription re-read: `None` when the API says it does not exist.
async fn reread(c: &Connected, id: &str) -> Result<Option<Subscription>, CliError> {
    match c.client.get(id).await {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Writes the twin's secret into the `--secret-file` (created before anything was sent;
/// removed again unless written): only a `whsec_` + base64 secret, never anything else.
fn write_twin_secret(file: &mut SecretFile, secret: &SigningSecret) -> Result<(), String> {
    if !secret.is_well_formed() {
        // Not written anywhere: it could carry anything into a file a script reads.
        return Err("the API returned a secret that is not whsec_ and base64".into());
    }
    file.write(secret.expose())
        .map_err(|e| format!("cannot write {} ({e})", file.path().display()))
}

/// The twin exists but its secret reached no one: said loudly, with what to do.
fn secret_not_delivered(pair: &Pair, why: &str) -> CliError {
    output::error_line(
        "rotate",
        &format!(
            "subscription {} EXISTS (the new one of {}'s rotation) but its signing secret could \
             not be delivered: {why}. The secret is shown only once and is now lost: run \
             `linq-hooks rotate --abort {}` to delete it, then start again with a writable \
             --secret-file",
            pair.new_id, pair.old_id, pair.old_id
        ),
    );
    CliError::Reported(Exit::Failed)
}

async fn start(c: &Connected, old_id: &str, args: &RotateArgs) -> Result<(), CliError> {
    let Some(path) = args.secret_file.as_deref() else {
        return Err(CliError::Usage("--secret-file PATH is required".into()));
    };
    let mut secret_file = SecretFile::create(path)?;
    let old = c.client.get(old_id).await?;
    let subs = c.client.list().await?;
    if let Some(pair) = rotate::pair_of(&rotate::in_progress(&trail(c), &subs), &old.id) {
        return Err(CliError::Usage(format!(
            "{} is already rotating ({} → {}): finish or abort that rotation first",
            clean(old_id),
            pair.old_id,
            pair.new_id
        )));
    }
    let url = match &args.new_url {
        Some(url) => url.trim().to_string(),
        None => rotate::twin_url(&old, &subs),
    };
    if let Some(taken) = rotate::collision(&url, &subs) {
        return Err(CliError::Usage(format!(
            "--new-url: {} is the URL of subscription {} (a URL backs one subscription per \
             account); pick another",
            clean(&url),
            clean(&taken.id)
        )));
    }
    let (old_version, new_version) = (
        crate::api::payload_version(&old.target_url),
        crate::api::payload_version(&url),
    );
    if old_version != new_version {
        return Err(CliError::Usage(format!(
            "--new-url: its payload version ({}) differs from the old URL's ({}): the receiver \
             would get another payload shape; keep ?version= as it is",
            new_version.as_deref().map_or("none".into(), clean),
            old_version.as_deref().map_or("none".into(), clean),
        )));
    }
    if !old.is_active {
        output::note(&format!(
            "{} is paused; the new subscription starts active and delivers",
            clean(&old.id)
        ));
    }
    let _on_its_way = crate::interrupt::on_its_way();
    let answer = c.client.create(&rotate::twin(&old, url.clone())).await;
    let mut pair = Pair {
        old_id: old.id.clone(),
        new_id: String::new(),
        since: None,
        found: rotate::Found::Trail,
    };
    let created = match answer {
        Ok(created) => created,
        Err(e) => {
            let entry = c.audit_entry(rotate::START, "", &url);
            c.audit(entry.outcome(Outcome::failed(&e)));
            if e.outcome_unknown() {
                output::error_line(
                    "rotate",
                    &format!(
                        "the create's answer was lost ({}): a new subscription at {} may exist \
                         with a secret nobody has; see `linq-hooks rotate --status` and delete \
                         it if it is there",
                        api_error_line(&e),
                        clean(&url)
                    ),
                );
                return Err(CliError::Reported(Exit::Failed));
            }
            return Err(e.into());
        }
    };
    let new = &created.subscription;
    pair.new_id = new.id.clone();
    c.audit(
        rotation_entry(c, rotate::START, new, &pair)
            .created(new)
            .outcome(Outcome::ok(201)),
    );
    if let Err(why) = write_twin_secret(&mut secret_file, &created.signing_secret) {
        return Err(secret_not_delivered(&pair, &why));
    }
    let finish = format!("linq-hooks rotate --finish {}", old.id);
    if args.json {
        let doc = json!({
            "rotation": "started",
            "old_id": old.id,
            "new_id": new.id,
            "old_url": old.target_url,
            "new_url": new.target_url,
            "signing_secret_file": path.display().to_string(),
            "note": rotate::OVERLAP_NOTE,
            "next": finish,
        });
        return output::write_stdout(format!("{doc}\n").as_bytes());
    }
    let text = output::key_values(&[
        (
            "rotating",
            format!("{} → {}", clean(&old.id), clean(&new.id)),
        ),
        ("old", clean(&old.target_url).into_owned()),
        ("new", clean(&new.target_url).into_owned()),
        (
            "secret",
            format!("written to {} (mode 0600)", path.display()),
        ),
        ("overlap", rotate::OVERLAP_NOTE.to_string()),
        (
            "next",
            format!("switch the receiver to the new secret, then `{finish}`"),
        ),
    ]);
    output::write_stdout(text.as_bytes())
}

/// The pair `id` belongs to: an open one of the trail (even if a subscription is gone), or
/// one the parameter tells from the live list.
async fn find_pair(c: &Connected, id: &str) -> Result<Pair, CliError> {
    let trail = trail(c);
    if let Some(pair) = rotate::pair_of(&rotate::open_in_trail(&trail), id) {
        return Ok(pair.clone());
    }
    let subs = c.client.list().await?;
    rotate::pair_of(&rotate::in_progress(&trail, &subs), id)
        .cloned()
        .ok_or_else(|| {
            CliError::Usage(format!(
                "no rotation in progress involves {} (`linq-hooks rotate --status` lists them)",
                clean(id)
            ))
        })
}

async fn finish(c: &Connected, id: &str, json: bool) -> Result<(), CliError> {
    let pair = find_pair(c, id).await?;
    let old = reread(c, &pair.old_id).await?;
    let new = reread(c, &pair.new_id).await?;
    let refusals = rotate::finish_refusals(&pair, old.as_ref(), new.as_ref());
    let (Some(old), Some(new), true) = (old, new, refusals.is_empty()) else {
        return Err(CliError::Usage(format!(
            "not finishing, nothing deleted: {}",
            refusals.join("; ")
        )));
    };
    let _on_its_way = crate::interrupt::on_its_way();
    let result = c.client.delete(&old.id).await;
    c.audit(
        rotation_entry(c, rotate::FINISH, &old, &pair)
            .deleted(&old)
            .outcome(Outcome::of(&result, 204)),
    );
    result?;
    if json {
        let doc = json!({
            "rotation": "finished",
            "old_id": old.id,
            "new_id": new.id,
            "deleted": old.id,
            "new_url": new.target_url,
        });
        return output::write_stdout(format!("{doc}\n").as_bytes());
    }
    let text = output::key_values(&[
        ("finished", format!("deleted {}", clean(&old.id))),
        (
            "now",
            format!(
                "{} alone delivers {} (new secret)",
                clean(&new.id),
                clean(&new.target_url)
            ),
        ),
        ("undo", rotate::NO_UNDO.to_string()),
    ]);
    output::write_stdout(text.as_bytes())
}

async fn abort(c: &Connected, id: &str, json: bool) -> Result<(), CliError> {
    let pair = find_pair(c, id).await?;
    let Some(new) = reread(c, &pair.new_id).await? else {
        return Err(CliError::Usage(format!(
            "the new subscription {} is already gone: nothing to abort",
            pair.new_id
        )));
    };
    let _on_its_way = crate::interrupt::on_its_way();
    let result = c.client.delete(&new.id).await;
    c.audit(
        rotation_entry(c, rotate::ABORT, &new, &pair)
            .deleted(&new)
            .outcome(Outcome::of(&result, 204)),
    );
    result?;
    if json {
        let doc = json!({
            "rotation": "aborted",
            "old_id": pair.old_id,
            "new_id": new.id,
            "deleted": new.id,
        });
        return output::write_stdout(format!("{doc}\n").as_bytes());
    }
    let text = output::key_values(&[
        ("aborted", format!("deleted {}", clean(&new.id))),
        (
            "now",
            format!(
                "{} keeps delivering with its old secret",
                clean(&pair.old_id)
            ),
        ),
    ]);
    output::write_stdout(text.as_bytes())
}

fn since_text(pair: &Pair) -> String {
    pair.since
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "?".into())
}

async fn status(c: &Connected, json: bool) -> Result<(), CliError> {
    let subs = c.client.list().await?;
    let pairs = rotate::in_progress(&trail(c), &subs);
    let find = |id: &str| subs.iter().find(|s| s.id == id);
    let now = time::OffsetDateTime::now_utc();
    let rows: Vec<(&Pair, Vec<String>)> = pairs
        .iter()
        .map(|p| {
            let refusals = rotate::finish_refusals(p, find(&p.old_id), find(&p.new_id));
            (p, refusals)
        })
        .collect();
    if json {
        let doc: Vec<serde_json::Value> = rows
            .iter()
            .map(|(p, refusals)| {
                json!({
                    "old_id": p.old_id,
                    "new_id": p.new_id,
                    "old_url": find(&p.old_id).map(|s| s.target_url.clone()),
                    "new_url": find(&p.new_id).map(|s| s.target_url.clone()),
                    "since": p.since.and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok()),
                    "found_by": p.found.name(),
                    "overdue": p.overdue(now),
                    "ready_to_finish": refusals.is_empty(),
                    "refusals": refusals,
                })
            })
            .collect();
        let text = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "[]".into());
        return output::write_stdout(format!("{text}\n").as_bytes());
    }
    if rows.is_empty() {
        output::note("no rotation in progress");
        return Ok(());
    }
    let mut table = Table::new(vec!["OLD", "NEW", "SINCE", "FOUND BY", "FINISH"]);
    for (p, refusals) in &rows {
        let ready = match refusals.first() {
            None => Cell::colored("ready", Color::Green),
            Some(why) => Cell::colored(clean(why).into_owned(), Color::Yellow),
        };
        let since = if p.overdue(now) {
            Cell::colored(format!("{} (over 24 h)", since_text(p)), Color::Yellow)
        } else {
            Cell::plain(since_text(p))
        };
        table.row(vec![
            Cell::api(&p.old_id),
            Cell::api(&p.new_id),
            since,
            Cell::plain(p.found.name()),
            ready,
        ]);
    }
    let mut text = table.render(output::stdout_color());
    text.push_str(&format!("\n{}\n", rotate::OVERLAP_NOTE));
    output::write_stdout(text.as_bytes())
}
