//! "Why isn't it delivering?" — pure findings about a subscription, from what the app knows
//! of the account: its lines, the event catalogue and the other subscriptions (linq-api.md
//! §3, §4.1, §8.6, §9). No IO: the dashboard, `doctor` and the tests call the same functions.
//!
//! | code | severity | when |
//! |---|---|---|
//! | `invalid-url` | error | the target URL does not parse or has no host |
//! | `not-https` | error | the scheme is not https: Linq posts to https only |
//! | `unreachable-host` | error | localhost; a loopback, private, link-local, CGNAT, unspecified, documentation, multicast or reserved IP (IPv4, IPv6, IPv4-mapped); `.local`, `.internal`, `.invalid`, `.test`, `.example`, `.localhost`, `.home.arpa`, `.onion`; a bare single-label host |
//! | `no-events` | error | no event types: nothing is ever delivered |
//! | `no-phone-is-a-line` | error | none of the phone filter's numbers is a line of the account: never fires |
//! | `event-not-delivered-for-version` | error when it is every subscribed event and the version is pinned, else warning | an event the payload version never carries (`message.edited` before `2026-02-03`); "may" when no version is pinned |
//! | `paused` | warning | paused: no deliveries |
//! | `credentials-in-url` | warning | a user name or password in the URL (never shown) |
//! | `fragment-in-url` | warning | a `#fragment`, which is never sent to the server |
//! | `no-version-pin` | warning | no `?version=`: the legacy `2025-01-01` payload may be used |
//! | `unknown-version` | warning | a `?version=` value other than `2025-01-01` / `2026-02-03` |
//! | `phone-not-a-line` | warning | some filter numbers are not lines of the account (one finding lists them) |
//! | `unknown-event-type` | warning; info when the catalogue is the bundled one | subscribed types missing from the catalogue |
//! | `duplicate-target` | warning; info when the phone filters do not overlap | another active subscription with the same host, port and path (query ignored) |
//! | `routing-id-without-key` | warning | a routing id header other than the default, without a key header: ignored (§4.1) |
//! | `active-paused-twin` | info | same host, port and path, one active and one paused: says which delivers |
//! | `unreadable-fields` | info | fields the server sent in a shape we cannot read: their checks are skipped |
//! | `rotation-in-progress` | info; warning after 24 h | one of a secret rotation's pair (`rotation::apply`, from the pairs the app found): events arrive twice |
//!
//! From Linq's delivery log (`evidence::logs`, optional evidence; `delivery_findings`):
//!
//! | code | severity | when |
//! |---|---|---|
//! | `dropped-4xx` | error | attempts answered with a 4xx other than 429: dropped, those events are lost (codes and counts named) |
//! | `deliveries-failing` | error | the newest 5 or more attempts all failed: the dominant code or error type, and since when |
//! | `exhausted` | error | an event failed for good on a retryable answer (out of attempts) |
//! | `retrying` | warning | events whose newest attempt is a retry scheduled within the last 30 minutes |
//! | `slow-endpoint` | warning | the median duration is over 5 s (Linq waits 10 s), from 3 or more attempts |
//! | `recovered` | info | failures followed by successes: when it recovered, after how many failures |
//!
//! Phone rules are skipped while the account's lines are unknown, catalogue rules while the
//! catalogue is empty. Messages are one sentence built from cleaned, shortened values; they
//! never show the URL itself (its query or user info may hold secrets), only its host.

use crate::api::{
    payload_version, PhoneNumber, Subscription, CURRENT_PAYLOAD_VERSION, DEFAULT_ROUTING_ID_HEADER,
};
use crate::text::clean;
use crate::validate::{normalise_phone, validate_url};
use serde::Serialize;
use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::net::{Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

mod checks;
mod deliveries;
mod headless;
pub mod probe;
pub mod rotation;
mod target;
mod twins;
mod wording;

pub use headless::command_fix;

use checks::*;
use target::*;
use twins::*;
use wording::*;

pub use deliveries::{delivery_findings, FAILING_STREAK, SLOW_MEDIAN_MS};

/// How bad a finding is. `Error > Warning > Info`, so `max` is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One thing wrong (or worth knowing) about a subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Short, stable, kebab-case: one of [`CODES`].
    pub code: &'static str,
    /// One sentence (most are fixed text: borrowed, not one copy per row of 10,000).
    pub message: Cow<'static, str>,
    /// One short imperative sentence.
    pub fix: Cow<'static, str>,
}

/// Every code [`findings`] can return (the table in the module docs).
pub const CODES: [&str; 24] = [
    "invalid-url",
    "not-https",
    "unreachable-host",
    "no-events",
    "no-phone-is-a-line",
    "event-not-delivered-for-version",
    "paused",
    "credentials-in-url",
    "fragment-in-url",
    "no-version-pin",
    "unknown-version",
    "phone-not-a-line",
    "unknown-event-type",
    "duplicate-target",
    "routing-id-without-key",
    "active-paused-twin",
    "unreadable-fields",
    "rotation-in-progress",
    "dropped-4xx",
    "deliveries-failing",
    "exhausted",
    "retrying",
    "slow-endpoint",
    "recovered",
];

/// Payload versions Linq documents (§8.6); ISO dates, so string order is date order.
pub const KNOWN_PAYLOAD_VERSIONS: [&str; 2] = ["2025-01-01", CURRENT_PAYLOAD_VERSION];

/// Event types that only some payload versions carry: (type, first version that has it).
const VERSIONED_EVENTS: [(&str, &str); 1] = [("message.edited", "2026-02-03")];

/// What the app knows of the account.
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    /// `GET /v3/phone_numbers`; `None` until fetched (the phone rules are then skipped).
    pub lines: Option<&'a [PhoneNumber]>,
    /// The event catalogue; empty = unknown (the catalogue rule is then skipped).
    pub catalog: &'a [String],
    /// Whether `catalog` came from `GET /v3/webhook-events` rather than the bundled list.
    pub catalog_from_server: bool,
    /// Every subscription of the account, the one being checked included or not.
    pub subscriptions: &'a [Subscription],
    /// The embedded sandbox: its demo hosts (`*.example`) are expected, so an unreachable
    /// host is worth knowing (info), not an error.
    pub sandbox: bool,
}

/// The findings for `sub`, worst first. O(N) in the account's subscriptions.
pub fn findings(sub: &Subscription, account: &Account) -> Vec<Finding> {
    let known = Known::new(account);
    let (mut out, key) = own_findings(sub, &known);
    if let Some(key) = key.filter(|_| twin_eligible(sub)) {
        let members: Vec<&Subscription> = account
            .subscriptions
            .iter()
            .filter(|o| o.id != sub.id && twin_eligible(o))
            .filter(|o| endpoint_key(&o.target_url).as_deref() == Some(key.as_str()))
            .collect();
        if !members.is_empty() {
            out.extend(Twins::new(members).findings_for(sub, None));
        }
    }
    sort(&mut out);
    out
}

/// The findings of every subscription of the account, in its order; each parses its URL
/// once and twins are found by grouping on host and path once, so the whole is ~O(N).
pub fn findings_for_all(account: &Account) -> Vec<Vec<Finding>> {
    let known = Known::new(account);
    let subs = account.subscriptions;
    let mut all = Vec::with_capacity(subs.len());
    // Each row's endpoint key is kept as a 64-bit hash, not as a string: at 10,000 rows the
    // strings were the peak of the dashboard's memory (~0.7 MB, held until grouped).
    let mut keyed: Vec<(u64, usize)> = Vec::new();
    for (i, sub) in subs.iter().enumerate() {
        let (found, key) = own_findings(sub, &known);
        all.push(found);
        if let Some(key) = key.filter(|_| twin_eligible(sub)) {
            keyed.push((rustc_hash::FxBuildHasher.hash_one(&key), i));
        }
    }
    // Grouped by sorting rather than hashing into a map (cheaper at 10,000); the sort is
    // stable, so each group's members stay in list order. Rows whose hashes are equal are
    // grouped again by their whole keys, so a collision never makes twins.
    keyed.sort_by_key(|&(hash, _)| hash);
    for same_hash in keyed.chunk_by(|a, b| a.0 == b.0).filter(|m| m.len() > 1) {
        let mut exact: Vec<(Option<String>, usize)> = same_hash
            .iter()
            .map(|&(_, i)| (endpoint_key(&subs[i].target_url), i))
            .collect();
        exact.sort_by(|a, b| a.0.cmp(&b.0));
        for members in exact.chunk_by(|a, b| a.0 == b.0).filter(|m| m.len() > 1) {
            let twins = Twins::new(members.iter().map(|&(_, i)| &subs[i]).collect());
            for (pos, &(_, i)) in members.iter().enumerate() {
                let extra = twins.findings_for(&subs[i], Some(pos));
                all[i].extend(extra);
            }
        }
    }
    for found in &mut all {
        sort(found);
    }
    all
}

/// The findings of the listed rows only (the others stay empty), without the rules that
/// compare rows with each other (duplicate targets): what the first screen of a large list
/// needs before [`findings_for_all`] runs after it is drawn.
pub fn findings_for_rows(account: &Account, rows: &[usize]) -> Vec<Vec<Finding>> {
    let known = Known::new(account);
    let subs = account.subscriptions;
    let mut all: Vec<Vec<Finding>> = vec![Vec::new(); subs.len()];
    for &i in rows {
        if let (Some(sub), Some(slot)) = (subs.get(i), all.get_mut(i)) {
            let (mut found, _) = own_findings(sub, &known);
            sort(&mut found);
            *slot = found;
        }
    }
    all
}

/// Adds findings from other evidence (the delivery log) to a subscription's, worst first.
pub fn merge(found: &mut Vec<Finding>, more: Vec<Finding>) {
    found.extend(more);
    sort(found);
}

/// The worst severity among `findings`, `None` when there are none.
pub fn worst(findings: &[Finding]) -> Option<Severity> {
    findings.iter().map(|f| f.severity).max()
}

/// What identifies a delivery endpoint: host (lowercase, no trailing dot), port (the
/// scheme's default when absent) and path; the query and fragment are ignored.
pub fn endpoint_key(target_url: &str) -> Option<String> {
    Url::parse(target_url.trim()).ok().and_then(|u| key_of(&u))
}

fn key_of(url: &Url) -> Option<String> {
    let host = url.host_str().filter(|h| !h.is_empty())?;
    let port = url.port_or_known_default().unwrap_or(0);
    Some(format!(
        "{}:{port}{}",
        host.trim_end_matches('.'),
        url.path()
    ))
}

// ---------------------------------------------------------------------------------------
// Rules on the subscription alone
// ---------------------------------------------------------------------------------------

/// The account data prepared once per call (sets instead of slices).
struct Known<'a> {
    sandbox: bool,
    lines: Option<HashSet<String>>,
    catalog: HashSet<&'a str>,
    catalog_from_server: bool,
}

impl<'a> Known<'a> {
    fn new(account: &Account<'a>) -> Self {
        Self {
            sandbox: account.sandbox,
            lines: account
                .lines
                .map(|lines| lines.iter().map(|l| phone_key(&l.phone_number)).collect()),
            catalog: account.catalog.iter().map(String::as_str).collect(),
            catalog_from_server: account.catalog_from_server,
        }
    }
}

/// The payload version as far as the URL tells.
#[derive(Clone, Copy, PartialEq)]
enum Pin {
    /// The URL is unusable: no version rule applies.
    Unknowable,
    Missing,
    Known(&'static str),
    Unknown,
}

fn finding(
    severity: Severity,
    code: &'static str,
    message: impl Into<Cow<'static, str>>,
    fix: &'static str,
) -> Finding {
    Finding {
        severity,
        code,
        message: message.into(),
        fix: Cow::Borrowed(fix),
    }
}

fn sort(found: &mut [Finding]) {
    // Stable: within a severity, the rule order above (deterministic) is kept.
    found.sort_by_key(|f| Reverse(f.severity));
}
