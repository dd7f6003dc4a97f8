//! `create` and `update`: the form's checks and messages (`validate`), the server's event
//! catalogue, and for `update` only the fields that change.

use super::output::{self, api_error_line};
use super::read::subscription_block;
use super::secret_out::{SecretOut, SecretPlace};
use super::{check_id, parse_subscription, CliError, Connected};
use crate::api::client::RawCreated;
use crate::api::{ApiError, FieldChange, NewSubscription, Subscription, SubscriptionPatch};
use crate::app::BUNDLED_EVENTS;
use crate::text::clean;
use crate::validate::{
    normalise_phone, url_identity, validate_e164, validate_routing, validate_url, RoutingField,
};
use output::Exit;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;
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
    // Where the one-time secret goes is checked before anything is sent.
    let secret_out = SecretOut::prepare(args.secret_file.as_deref())?;
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
    let sent_at = time::OffsetDateTime::now_utc();
    // Until the secret is delivered and the create recorded.
    let _on_its_way = crate::interrupt::on_its_way();
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
        Err(e) if e.outcome_unknown() => {
            return Err(lost_create(c, &url, sent_at, e, args.json).await)
        }
        Err(e) => return Err(e.into()),
    };
    let id = created.created.subscription.id.clone();
    secret_out.deliver("create", &id, &created.created.signing_secret, |place| {
        render_created(&created, place, args.json)
    })
}

/// The created subscription's text for stdout: the API's object (the secret in it, or
/// replaced by `signing_secret_file`), or a key/value block. Buffers holding the secret
/// are wiped.
fn render_created(
    created: &RawCreated,
    place: SecretPlace<'_>,
    json: bool,
) -> Result<Zeroizing<Vec<u8>>, CliError> {
    let sub = &created.created.subscription;
    if json {
        return Ok(match place {
            SecretPlace::Inline(_) => {
                let body = created.body.trim_ascii();
                // Sized up front: growing would leave a copy of the secret in freed memory.
                let mut text = Zeroizing::new(Vec::with_capacity(body.len() + 1));
                text.extend_from_slice(body);
                text.push(b'\n');
                text
            }
            SecretPlace::File(path) => {
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
        });
    }
    let block = subscription_block(sub, &[]);
    let mut text = match place {
        SecretPlace::File(path) => Zeroizing::new(format!(
            "{block}secret   written to {} (mode 0600)\n",
            path.display()
        )),
        SecretPlace::Inline(secret) => {
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
    // Moved, not copied: the bytes stay in the buffer that is wiped.
    Ok(Zeroizing::new(std::mem::take(&mut *text).into_bytes()))
}

/// How many times a lost create is looked for, and the gap between looks: a server that
/// timed out may still be finishing the create (seen: it appeared 2 s later).
const LOOKS: u32 = 4;
const LOOK_GAP: Duration = Duration::from_secs(1);
/// The longest one look may take (the server that lost the answer may be slow).
const LOOK_TIMEOUT: Duration = Duration::from_secs(5);

/// How much older than the create a subscription found for its URL must be to count as
/// one that existed before it (the server's clock and ours may differ).
const EARLIER: time::Duration = time::Duration::minutes(5);

/// What the looks after a lost create saw.
enum Seen {
    Exists(Subscription),
    Absent { looks: u32 },
    Unknown(String),
}

/// Lists the account up to [`LOOKS`] times, [`LOOK_GAP`] apart, until a subscription with
/// `url`'s identity (the uniqueness rule's) shows up.
async fn look_for(c: &Connected, url: &str) -> Seen {
    let wanted = url_identity(url);
    let mut absent = 0;
    let mut last_error = String::new();
    for look in 0..LOOKS {
        if look > 0 {
            tokio::time::sleep(LOOK_GAP).await;
        }
        match tokio::time::timeout(LOOK_TIMEOUT, c.client.list()).await {
            Ok(Ok(list)) => match list.iter().find(|s| url_identity(&s.target_url) == wanted) {
                Some(s) => return Seen::Exists(s.clone()),
                None => absent += 1,
            },
            Ok(Err(e)) => last_error = api_error_line(&e),
            Err(_) => last_error = format!("no answer within {} s", LOOK_TIMEOUT.as_secs()),
        }
    }
    if absent > 0 {
        Seen::Absent { looks: absent }
    } else {
        Seen::Unknown(last_error)
    }
}

/// The create's answer was lost: it may or may not exist. Look again (a few times: the
/// server may still be creating it) and say only what was seen. Never retried: a second
/// POST could make a second subscription or fail on the URL rule.
async fn lost_create(
    c: &Connected,
    url: &str,
    sent_at: time::OffsetDateTime,
    err: ApiError,
    json: bool,
) -> CliError {
    let first = api_error_line(&err);
    let message = match look_for(c, url).await {
        // Not ours: the URL rule refuses a second one, and this one's secret is not lost
        // (telling the user to delete it would delete a working subscription).
        Seen::Exists(s) if s.readable("created_at") && s.created_at < sent_at - EARLIER => {
            format!(
                "the answer was lost ({first}); a subscription with this URL existed before \
                 this create ({}, created {}), so the server does not create a second one: \
                 nothing to delete, its secret is as it was",
                clean(&s.id),
                s.created_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            )
        }
        Seen::Exists(s) => {
            let id = clean(&s.id);
            format!(
                "the answer was lost ({first}), but a subscription with this URL exists now: {id}. \
                 Its signing secret is lost; delete it (`linq-hooks delete {id}`) and create it again"
            )
        }
        Seen::Absent { looks } => format!(
            "the answer was lost ({first}); no subscription with this URL is listed \
             ({looks} looks over {} s): it is safe to run the command again (a 409 then \
             means it was created late: delete it and create it again)",
            (LOOKS - 1) * LOOK_GAP.as_secs() as u32
        ),
        Seen::Unknown(why) => format!(
            "the answer was lost ({first}) and looking for it failed ({why}): it may exist; \
             see with `linq-hooks list --filter {}` before running the command again",
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
        .filter(|e| !current.subscribed_events.iter().any(|have| have == *e))
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
    let _on_its_way = crate::interrupt::on_its_way();
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
            if !current.subscribed_events.iter().any(|have| have == r) {
                output::note(&format!(
                    "{} is not subscribed: nothing to remove",
                    clean(r)
                ));
            }
        }
        let mut events: Vec<String> = current
            .subscribed_events
            .iter()
            .filter(|e| !remove.iter().any(|r| r == *e))
            .map(String::from)
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
        let old: BTreeSet<&str> = current
            .subscribed_events
            .iter()
            .map(|e| e.as_str())
            .collect();
        if events.iter().map(String::as_str).collect::<BTreeSet<_>>() != old {
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
