//! `create` and `update`: the form's checks and messages (`validate`), the server's event
//! catalogue, and for `update` only the fields that change.

use super::output::{self, api_error_line};
use super::read::subscription_block;
use super::{check_id, parse_subscription, CliError, Connected};
use crate::api::client::RawCreated;
use crate::api::{ApiError, FieldChange, NewSubscription, Subscription, SubscriptionPatch};
use crate::app::BUNDLED_EVENTS;
use crate::private_files;
use crate::text::clean;
use crate::validate::{
    normalise_phone, validate_e164, validate_routing, validate_url, RoutingField,
};
use output::Exit;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, Zeroizing};

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The https URL that receives the webhooks (unique in the account).
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// An event type to deliver; repeat for more (`linq-hooks events` lists them).
    #[arg(long = "event", value_name = "TYPE", required = true)]
    pub events: Vec<String>,
    /// Only events from this line (E.164); repeat for more. Default: every line.
    #[arg(long = "phone", value_name = "E164")]
    pub phones: Vec<String>,
    /// Turns delivery affinity on: the header that carries the routing token.
    #[arg(long, value_name = "HEADER")]
    pub routing_key_header: Option<String>,
    /// The header that carries the chat id (default Linq-Chat-Id).
    #[arg(long, value_name = "HEADER")]
    pub routing_id_header: Option<String>,
    /// Print the API's JSON object (with `signing_secret`, unless --secret-file).
    #[arg(long)]
    pub json: bool,
    /// Write the signing secret only into this new file (mode 0600, never overwritten).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// The subscription id.
    pub id: String,
    /// A new https target URL.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Replace the event list with these types; repeat for more.
    #[arg(long = "event", value_name = "TYPE", conflicts_with_all = ["add_events", "remove_events"])]
    pub events: Vec<String>,
    /// Add an event type; repeat for more.
    #[arg(long = "add-event", value_name = "TYPE")]
    pub add_events: Vec<String>,
    /// Remove an event type; repeat for more.
    #[arg(long = "remove-event", value_name = "TYPE")]
    pub remove_events: Vec<String>,
    /// Replace the phone filter with these lines (E.164); repeat for more.
    #[arg(long = "phone", value_name = "E164", conflicts_with = "all_lines")]
    pub phones: Vec<String>,
    /// Clear the phone filter: events from every line.
    #[arg(long)]
    pub all_lines: bool,
    /// Print the API's JSON object, every field as returned.
    #[arg(long)]
    pub json: bool,
}

fn usage(flag: &str, message: String) -> CliError {
    CliError::Usage(format!("{flag}: {message}"))
}

/// Normalised like the form's phone editor (spaces, dashes, dots, brackets dropped),
/// checked as E.164, duplicates dropped.
fn phones(raw: &[String]) -> Result<Vec<String>, CliError> {
    let mut out: Vec<String> = Vec::new();
    for r in raw {
        let number = normalise_phone(r.trim());
        validate_e164(&number).map_err(|m| usage("--phone", m))?;
        if !out.contains(&number) {
            out.push(number);
        }
    }
    Ok(out)
}

fn dedup(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        let i = i.trim().to_string();
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// The form's routing rules and messages (`validate::validate_routing`).
fn routing(key: Option<&str>, id: Option<&str>) -> Result<(), CliError> {
    let key = key.map(str::trim).unwrap_or("");
    let id = id.map(str::trim).unwrap_or("");
    validate_routing(key, id).map_err(|(field, m)| match field {
        RoutingField::Key => usage("--routing-key-header", m),
        RoutingField::Id => usage("--routing-id-header", m),
    })
}

/// Event types the user typed must be in the server's catalogue (`GET /v3/webhook-events`),
/// or in the bundled one when the server's cannot be fetched.
async fn check_events(c: &Connected, wanted: &[&String]) -> Result<(), CliError> {
    if wanted.is_empty() {
        return Ok(());
    }
    let (catalog, whose) = event_catalogue(c).await;
    match wanted.iter().find(|e| !catalog.contains(e)) {
        Some(unknown) => Err(CliError::Usage(format!(
            "unknown event type {:?}: not in {whose} catalogue (`linq-hooks events` lists them)",
            clean(unknown)
        ))),
        None => Ok(()),
    }
}

/// The event types the account accepts: the server's catalogue, or the bundled one (said
/// on stderr) when the server's cannot be fetched; and whose it is, for messages.
pub async fn event_catalogue(c: &Connected) -> (Vec<String>, &'static str) {
    match c.client.webhook_events().await {
        Ok(catalog) => (catalog.events, "the server's"),
        Err(e) => {
            output::note(&format!(
                "cannot fetch the event catalogue ({}): checking against the bundled list",
                api_error_line(&e)
            ));
            let bundled = BUNDLED_EVENTS
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect();
            (bundled, "the bundled")
        }
    }
}

/// The `--secret-file`, created (0600, never over an existing file) before anything is
/// sent, and removed again unless the secret was written into it.
struct SecretFile {
    path: PathBuf,
    file: Option<File>,
    written: bool,
}

impl SecretFile {
    fn create(path: &Path) -> Result<Self, CliError> {
        let file = private_files::create_new(path).map_err(|e| {
            let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
                "already exists; refusing to overwrite it".to_string()
            } else {
                format!("cannot create it ({e})")
            };
            usage("--secret-file", format!("{} {why}", path.display()))
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            file: Some(file),
            written: false,
        })
    }

    fn write(&mut self, secret: &str) -> std::io::Result<()> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| std::io::Error::other("secret file already closed"))?;
        // No trailing newline: the file holds exactly the secret.
        file.write_all(secret.as_bytes())?;
        file.sync_all()?;
        self.written = true;
        Ok(())
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        self.file = None;
        if !self.written {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Everything about a create that needs no network.
pub fn check_create(args: &CreateArgs) -> Result<(), CliError> {
    validate_url(args.url.trim()).map_err(|m| usage("--url", m))?;
    phones(&args.phones)?;
    routing(
        args.routing_key_header.as_deref(),
        args.routing_id_header.as_deref(),
    )
}

pub async fn create(c: &Connected, args: &CreateArgs) -> Result<(), CliError> {
    check_create(args)?;
    let url = args.url.trim().to_string();
    let events = dedup(&args.events);
    let phone_numbers = phones(&args.phones)?;
    let mut secret_file = args
        .secret_file
        .as_deref()
        .map(SecretFile::create)
        .transpose()?;
    check_events(c, &events.iter().collect::<Vec<_>>()).await?;
    let header = |h: &Option<String>| {
        h.as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_string)
    };
    let new = NewSubscription {
        target_url: url.clone(),
        subscribed_events: events,
        phone_numbers: (!phone_numbers.is_empty()).then_some(phone_numbers),
        routing_key_header: header(&args.routing_key_header),
        routing_id_header: header(&args.routing_id_header),
    };
    let answer = c.client.create_raw(&new).await;
    let mut entry = c.audit_entry("create", "", &url);
    match &answer {
        Ok(created) => {
            let sub = &created.created.subscription;
            entry.subscription_id = Some(sub.id.clone());
            entry = entry.created(sub);
            c.audit(entry.outcome(crate::audit::Outcome::ok(201)));
        }
        Err(e) => c.audit(entry.outcome(crate::audit::Outcome::failed(e))),
    }
    let created = match answer {
        Ok(created) => created,
        Err(e) if e.outcome_unknown() => return Err(lost_create(c, &url, e, args.json).await),
        Err(e) => return Err(e.into()),
    };
    match secret_file.as_mut() {
        None => print_created(&created, None, args.json),
        Some(file) => match file.write(created.created.signing_secret.expose()) {
            Ok(()) => print_created(&created, Some(&file.path), args.json),
            Err(e) => {
                // The subscription exists; its secret must not be lost with the file.
                output::error_line(
                    "create",
                    &format!(
                        "cannot write the secret to {} ({e}): printing it here instead",
                        file.path.display()
                    ),
                );
                print_created(&created, None, args.json)?;
                Err(CliError::Reported(Exit::Failed))
            }
        },
    }
}

/// The created subscription on stdout: the API's object (the secret in it, or replaced by
/// `signing_secret_file`), or a key/value block. Buffers holding the secret are wiped.
fn print_created(
    created: &RawCreated,
    secret_file: Option<&Path>,
    json: bool,
) -> Result<(), CliError> {
    let sub = &created.created.subscription;
    if json {
        let text: Zeroizing<Vec<u8>> = match secret_file {
            None => {
                let body = created.body.trim_ascii();
                // Sized up front: growing would leave a copy of the secret in freed memory.
                let mut text = Zeroizing::new(Vec::with_capacity(body.len() + 1));
                text.extend_from_slice(body);
                text.push(b'\n');
                text
            }
            Some(path) => {
                let mut object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(&created.body).map_err(|e| {
                        CliError::Api(ApiError::Decode {
                            status: 200,
                            detail: e.to_string(),
                            trace_id: None,
                        })
                    })?;
                if let Some(serde_json::Value::String(mut s)) = object.remove("signing_secret") {
                    s.zeroize();
                }
                object.insert(
                    "signing_secret_file".into(),
                    path.display().to_string().into(),
                );
                let mut text = serde_json::to_vec(&object).unwrap_or_default();
                text.push(b'\n');
                Zeroizing::new(text)
            }
        };
        return output::write_stdout(&text);
    }
    let block = subscription_block(sub, &[]);
    let text = match secret_file {
        Some(path) => Zeroizing::new(format!(
            "{block}secret   written to {} (mode 0600)\n",
            path.display()
        )),
        None => {
            let secret = created.created.signing_secret.expose();
            let note = "   (shown once: store it now)\n";
            // Sized up front: growing would leave a copy of the secret in freed memory.
            let mut text = Zeroizing::new(String::with_capacity(
                block.len() + secret.len() + note.len() + 16,
            ));
            text.push_str(&block);
            text.push_str("secret   ");
            text.push_str(secret);
            text.push_str(note);
            text
        }
    };
    output::write_stdout(text.as_bytes())
}

/// The create's answer was lost: it may or may not exist. Re-list and say which (never
/// retry: a second POST could make a second subscription or fail on the URL rule).
async fn lost_create(c: &Connected, url: &str, err: ApiError, json: bool) -> CliError {
    let first = api_error_line(&err);
    let message = match c.client.list().await {
        Ok(list) => match list.iter().find(|s| s.target_url == url) {
            Some(s) => format!(
                "the answer was lost ({first}), but a subscription with this URL exists now: {}. \
                 Its signing secret is lost; delete it (linq-hooks delete {}) and create it again",
                clean(&s.id),
                clean(&s.id)
            ),
            None => format!(
                "the answer was lost ({first}); no subscription with this URL exists, so nothing \
                 was created: it is safe to run the command again"
            ),
        },
        Err(list_err) => format!(
            "the answer was lost ({first}) and checking failed ({}): see whether it exists with \
             linq-hooks list --filter {}",
            api_error_line(&list_err),
            clean(url)
        ),
    };
    output::error_line("create", &message);
    if json {
        eprintln!("{}", output::envelope(&CliError::Api(err)));
    }
    CliError::Reported(Exit::Failed)
}

/// Everything about an update that needs no network (the URL is checked only once it is
/// known to differ from the current one, as in the form).
pub fn check_update(args: &UpdateArgs) -> Result<(), CliError> {
    check_id(&args.id)?;
    let asks_change = args.url.is_some()
        || !args.events.is_empty()
        || !args.add_events.is_empty()
        || !args.remove_events.is_empty()
        || !args.phones.is_empty()
        || args.all_lines;
    if !asks_change {
        return Err(CliError::Usage(
            "nothing to update: give --url, --event, --add-event, --remove-event, --phone or --all-lines"
                .into(),
        ));
    }
    phones(&args.phones).map(|_| ())
}

pub async fn update(c: &Connected, args: &UpdateArgs) -> Result<(), CliError> {
    check_update(args)?;
    let new_phones = phones(&args.phones)?;
    let raw = c.client.get_raw(&args.id).await?;
    let current = parse_subscription(&raw)?;
    let patch = patch_for(&current, args, new_phones)?;
    let added: Vec<&String> = patch
        .subscribed_events
        .iter()
        .flatten()
        .filter(|e| !current.subscribed_events.contains(e))
        .collect();
    check_events(c, &added).await?;
    if patch.is_empty() {
        if args.json {
            output::note("nothing to change");
            return output::write_stdout(output::json_value(&raw).as_bytes());
        }
        return output::write_stdout(
            format!("nothing to change ({})\n", clean(&current.id)).as_bytes(),
        );
    }
    let answer = c.client.update_raw(&args.id, &patch).await;
    let entry = c
        .audit_entry("update", &current.id, &current.target_url)
        .patch(&current, &patch);
    c.audit(entry.outcome(crate::audit::Outcome::of(&answer, 200)));
    let updated = answer?;
    if args.json {
        return output::write_stdout(output::json_value(&updated).as_bytes());
    }
    let sub = parse_subscription(&updated)?;
    let changed = changed_fields(&patch).join(", ");
    output::write_stdout(subscription_block(&sub, &[("changed", changed)]).as_bytes())
}

/// The PUT body: only what differs from `current`. Unknown event types already on the
/// subscription are kept verbatim.
fn patch_for(
    current: &Subscription,
    args: &UpdateArgs,
    new_phones: Vec<String>,
) -> Result<SubscriptionPatch, CliError> {
    let mut patch = SubscriptionPatch::default();
    if let Some(url) = &args.url {
        let url = url.trim();
        // An unchanged URL is the server's own: not re-checked (as in the form).
        if url != current.target_url {
            validate_url(url).map_err(|m| usage("--url", m))?;
            patch.target_url = Some(url.to_string());
        }
    }
    let events = if !args.events.is_empty() {
        Some(dedup(&args.events))
    } else if !args.add_events.is_empty() || !args.remove_events.is_empty() {
        let remove = dedup(&args.remove_events);
        for r in &remove {
            if !current.subscribed_events.contains(r) {
                output::note(&format!(
                    "{} is not subscribed: nothing to remove",
                    clean(r)
                ));
            }
        }
        let mut events: Vec<String> = current
            .subscribed_events
            .iter()
            .filter(|e| !remove.contains(e))
            .cloned()
            .collect();
        for a in dedup(&args.add_events) {
            if !events.contains(&a) {
                events.push(a);
            }
        }
        Some(events)
    } else {
        None
    };
    if let Some(events) = events {
        if events.is_empty() {
            return Err(CliError::Usage(
                "pick at least one event (this would leave none)".into(),
            ));
        }
        let old: BTreeSet<&String> = current.subscribed_events.iter().collect();
        if events.iter().collect::<BTreeSet<_>>() != old {
            patch.subscribed_events = Some(events);
        }
    }
    let old_phones: BTreeSet<&String> = current.phone_filter().iter().collect();
    if args.all_lines && !old_phones.is_empty() {
        patch.phone_numbers = Some(FieldChange::Clear);
    } else if !new_phones.is_empty() && new_phones.iter().collect::<BTreeSet<_>>() != old_phones {
        patch.phone_numbers = Some(FieldChange::Set(new_phones));
    }
    Ok(patch)
}

fn changed_fields(patch: &SubscriptionPatch) -> Vec<&'static str> {
    let mut out = Vec::new();
    if patch.target_url.is_some() {
        out.push("target URL");
    }
    if patch.subscribed_events.is_some() {
        out.push("events");
    }
    if patch.phone_numbers.is_some() {
        out.push("phone filter");
    }
    out
}
