//! Stage 5 (only when asked): one POST exactly as Linq delivers it (linq-api.md §8.1, §8.3,
//! §8.4, §8.5): both header sets, the envelope of the payload version the URL pins, ids
//! marked as a probe (`probe-…`). Signed with the subscription's secret when the user gives
//! it, else with a fresh random secret — which then tests that the receiver refuses a
//! forged delivery. The secret lives in zeroised memory for the length of the command.

use super::http::{exchange, request, Answer};
use super::{bounded, ms_since, Deadline, Options, Target};
use crate::audit::{AuditAccount, AuditEntry, DeliveryRecord, Outcome, TEST_DELIVERY};
use crate::payload::{self, EventSpec};
use crate::signature;
use base64::Engine as _;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::Method;
use serde::Serialize;
use std::net::SocketAddr;
use std::time::Instant;
use zeroize::Zeroizing;

/// The event type sent when neither `--event` nor the subscription names one.
pub const DEFAULT_EVENT: &str = "message.received";

/// What to send.
pub struct Send {
    /// The subscription's signing secret; `None` signs with a fresh random one.
    pub secret: Option<Zeroizing<String>>,
    pub event_type: String,
    /// The subscription's id (`X-Webhook-Subscription-ID`); a probe id when a URL is given.
    pub subscription_id: Option<String>,
}

impl std::fmt::Debug for Send {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Send")
            .field("secret", &self.secret.as_ref().map(|_| "(redacted)"))
            .field("event_type", &self.event_type)
            .finish()
    }
}

/// Whose secret signed the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Signer {
    /// The secret the user gave (the subscription's, presumably).
    Given,
    /// A random secret: a receiver that verifies must refuse it.
    Random,
}

impl Signer {
    /// How the audit trail says which secret signed (never the secret).
    pub fn audit_name(self) -> &'static str {
        match self {
            Signer::Given => "given-secret",
            Signer::Random => "random-secret",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DeliveryStage {
    pub ms: u64,
    pub signer: Signer,
    pub event_type: String,
    pub event_id: String,
    pub webhook_version: String,
    /// The POST could not be made (no connection, the body could not be built …).
    pub error: Option<String>,
    pub answer: Answer,
}

/// The event the test delivery carries: `given` (`--event`), else one the subscription
/// subscribes to that its payload version delivers (message.received first), else
/// message.received.
pub fn event_for<E: AsRef<str>>(target_url: &str, subscribed: &[E], given: Option<&str>) -> String {
    if let Some(e) = given {
        return e.to_string();
    }
    let version = payload::version_of(target_url);
    let delivered = |e: &&str| version != "2025-01-01" || payload::delivered_to_v1(e);
    let events: Vec<&str> = subscribed
        .iter()
        .map(AsRef::as_ref)
        .filter(delivered)
        .collect();
    events
        .iter()
        .find(|e| **e == DEFAULT_EVENT)
        .or(events.first())
        .map_or_else(|| DEFAULT_EVENT.to_string(), |e| e.to_string())
}

/// A `whsec_` secret of 32 random bytes, as Linq issues them (§8.2).
fn random_secret() -> Zeroizing<String> {
    let bytes = Zeroizing::new(rand::random::<[u8; 32]>());
    Zeroizing::new(format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes[..])
    ))
}

/// The envelope bytes for the version the URL pins, or why there are none.
pub fn envelope(
    target: &Target,
    event_type: &str,
    event_id: &str,
) -> Result<(&'static str, Vec<u8>), String> {
    let version = payload::version_of(target.url.as_str());
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    let trace_id = format!("{:032x}", rand::random::<u128>().max(1));
    let rendered = payload::render(&EventSpec {
        event_id,
        event_type,
        created_at: i64::try_from(now).unwrap_or(0),
        trace_id: &trace_id,
        partner_id: "probe",
        phone_number: None,
        data: None,
    })
    .map_err(|e| format!("cannot build the envelope: {e}"))?;
    rendered
        .bodies
        .into_iter()
        .find(|(v, _)| *v == version)
        .ok_or_else(|| {
            format!(
                "{event_type} is not delivered with the {version} payload: choose another --event"
            )
        })
}

pub async fn deliver(
    target: &Target,
    address: SocketAddr,
    options: &Options,
    send: &Send,
    deadline: &Deadline,
) -> DeliveryStage {
    let start = Instant::now();
    let event_id = format!("probe-{}", uuid::Uuid::new_v4());
    let (signer, secret) = match &send.secret {
        Some(s) => (Signer::Given, s.clone()),
        None => (Signer::Random, random_secret()),
    };
    let mut stage = DeliveryStage {
        ms: 0,
        signer,
        event_type: bounded(&send.event_type),
        event_id: event_id.clone(),
        webhook_version: payload::version_of(target.url.as_str()).to_string(),
        error: None,
        answer: Answer::default(),
    };
    let request = match signed(target, send, &secret, &event_id) {
        Ok(r) => r,
        Err(e) => {
            stage.error = Some(bounded(&e));
            return stage;
        }
    };
    drop(secret);
    match super::reopen(target, address, &options.trust, deadline).await {
        Ok(io) => stage.answer = exchange(io, request, deadline).await,
        Err(e) => stage.error = Some(bounded(&format!("no connection for the POST: {e}"))),
    }
    stage.ms = ms_since(start);
    stage
}

/// The POST with the raw body and both header sets.
fn signed(
    target: &Target,
    send: &Send,
    secret: &str,
    event_id: &str,
) -> Result<hyper::Request<Full<Bytes>>, String> {
    let (_, body) = envelope(target, &send.event_type, event_id)?;
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let standard = signature::sign_standard(secret, event_id, timestamp, &body)
        .map_err(|e| format!("the signing secret is unusable ({e})"))?;
    let legacy = signature::sign_legacy(secret, timestamp, &body);
    let subscription = send
        .subscription_id
        .clone()
        .unwrap_or_else(|| format!("probe-{}", uuid::Uuid::new_v4()));
    let timestamp = timestamp.to_string();
    request(Method::POST, target)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(signature::HEADER_ID, event_id)
        .header(signature::HEADER_TIMESTAMP, &timestamp)
        .header(signature::HEADER_SIGNATURE, standard)
        .header("X-Webhook-Event", &send.event_type)
        .header("X-Webhook-Subscription-ID", subscription)
        .header(signature::HEADER_LEGACY_TIMESTAMP, &timestamp)
        .header(signature::HEADER_LEGACY_SIGNATURE, legacy)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("cannot build the request: {e}"))
}

impl DeliveryStage {
    /// How the audit trail records the POST: `ok` for a 2xx, the status for another
    /// answer, `unknown` when it may have arrived but no answer came (a timeout, a dropped
    /// connection). `None` when it was never sent (no connection, no body).
    pub fn audit_outcome(&self) -> Option<Outcome> {
        if self.error.is_some() {
            return None;
        }
        let answer = &self.answer;
        Some(match answer.status {
            Some(status) if (200..300).contains(&status) => Outcome::ok(status),
            Some(status) => Outcome {
                ok: false,
                status: Some(status),
                error: Some(answer.detail("POST")),
                ..Outcome::default()
            },
            None => Outcome::unknown(&match answer.timed_out_ms {
                Some(ms) => format!("no answer within {ms} ms"),
                None => answer.detail("POST"),
            }),
        })
    }

    /// The entry's record of what was sent (never the secret).
    pub fn record(&self) -> DeliveryRecord {
        DeliveryRecord {
            event_id: self.event_id.clone(),
            event_type: self.event_type.clone(),
            webhook_version: self.webhook_version.clone(),
            signed_with: self.signer.audit_name().into(),
        }
    }

    /// The audit line of this POST to `target_url`, for `account`, or `None` when nothing
    /// was sent.
    pub fn audit_entry(
        &self,
        account: &AuditAccount,
        source: &str,
        subscription_id: Option<&str>,
        target_url: &str,
        now: time::OffsetDateTime,
    ) -> Option<AuditEntry> {
        let outcome = self.audit_outcome()?;
        let mut entry = AuditEntry::new(account, TEST_DELIVERY, source, now)
            .on(subscription_id.unwrap_or_default(), target_url)
            .outcome(outcome);
        if subscription_id.is_none() {
            entry.subscription_id = None;
        }
        entry.delivery = Some(self.record());
        Some(entry)
    }

    pub fn detail(&self) -> String {
        let with = match self.signer {
            Signer::Given => "signed with the given secret",
            Signer::Random => "signed with a random secret (none given)",
        };
        let outcome = match &self.error {
            Some(e) => e.clone(),
            None => self.answer.detail("POST"),
        };
        format!(
            "{outcome} · {} {} · {with}",
            self.event_type, self.webhook_version
        )
    }
}
