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
//!
//! Phone rules are skipped while the account's lines are unknown, catalogue rules while the
//! catalogue is empty. Messages are one sentence built from cleaned, shortened values; they
//! never show the URL itself (its query or user info may hold secrets), only its host.

pub mod probe;

use crate::api::{PhoneNumber, Subscription};
use crate::app::forms::{CURRENT_PAYLOAD_VERSION, DEFAULT_ROUTING_ID_HEADER};
use crate::app::payload_version;
use crate::text::clean;
use crate::validate::{normalise_phone, validate_url};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

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
    /// One sentence.
    pub message: String,
    /// One short imperative sentence.
    pub fix: String,
}

/// Every code [`findings`] can return (the table in the module docs).
pub const CODES: [&str; 17] = [
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
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, sub) in subs.iter().enumerate() {
        let (found, key) = own_findings(sub, &known);
        all.push(found);
        if let Some(key) = key.filter(|_| twin_eligible(sub)) {
            groups.entry(key).or_default().push(i);
        }
    }
    for members in groups.values().filter(|m| m.len() > 1) {
        let twins = Twins::new(members.iter().map(|&i| &subs[i]).collect());
        for (pos, &i) in members.iter().enumerate() {
            let extra = twins.findings_for(&subs[i], Some(pos));
            all[i].extend(extra);
        }
    }
    for found in &mut all {
        sort(found);
    }
    all
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

fn finding(severity: Severity, code: &'static str, message: String, fix: &str) -> Finding {
    Finding {
        severity,
        code,
        message,
        fix: fix.to_string(),
    }
}

/// Findings that need no other subscription, and the endpoint key for twin detection.
fn own_findings(sub: &Subscription, known: &Known) -> (Vec<Finding>, Option<String>) {
    let mut out = Vec::new();
    let unreadable = sub.unreadable.names();
    if !unreadable.is_empty() {
        out.push(finding(
            Severity::Info,
            "unreadable-fields",
            format!(
                "The server sent {} in a shape this version cannot read, so checks on {} are skipped.",
                unreadable.join(", "),
                them(unreadable.len())
            ),
            "Inspect the row with the API or a newer linq-hooks.",
        ));
    }
    if sub.readable("is_active") && !sub.is_active {
        out.push(finding(
            Severity::Warning,
            "paused",
            "Paused: Linq delivers nothing to it until it is resumed.".into(),
            "Resume it with p.",
        ));
    }
    let (key, pin) = if sub.readable("target_url") {
        target_findings(&sub.target_url, known.sandbox, &mut out)
    } else {
        (None, Pin::Unknowable)
    };
    if sub.readable("subscribed_events") {
        event_findings(&sub.subscribed_events, pin, known, &mut out);
    }
    if sub.readable("phone_numbers") {
        if let Some(lines) = &known.lines {
            phone_findings(sub.phone_filter(), lines, &mut out);
        }
    }
    if sub.readable("routing_id_header") && sub.readable("routing_key_header") {
        routing_findings(sub, &mut out);
    }
    (out, key)
}

fn target_findings(raw: &str, sandbox: bool, out: &mut Vec<Finding>) -> (Option<String>, Pin) {
    let parsed = Url::parse(raw.trim()).ok();
    let Some((url, key)) = parsed.and_then(|u| key_of(&u).map(|k| (u, k))) else {
        let reason = validate_url(raw)
            .err()
            .unwrap_or_else(|| "it has no host".into());
        out.push(finding(
            Severity::Error,
            "invalid-url",
            format!("The target URL is not usable: {}.", shown(&reason)),
            "Enter a valid https:// URL (e to edit).",
        ));
        return (None, Pin::Unknowable);
    };
    if url.scheme() != "https" {
        out.push(finding(
            Severity::Error,
            "not-https",
            format!(
                "The target URL uses {}://, but Linq delivers only to https.",
                shown(url.scheme())
            ),
            "Use an https:// URL (e to edit).",
        ));
    }
    if let Some(reason) = url.host().and_then(unreachable) {
        let host = url.host_str().unwrap_or_default();
        let (severity, tail) = if sandbox {
            (Severity::Info, " (fine in the sandbox)")
        } else {
            (Severity::Error, "")
        };
        out.push(finding(
            severity,
            "unreachable-host",
            format!("Linq cannot reach {}: it is {reason}{tail}.", shown(host)),
            "Use a public host name Linq can reach, e.g. a tunnel to this machine (e to edit).",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        out.push(finding(
            Severity::Warning,
            "credentials-in-url",
            "The target URL carries a user name or password, readable by anyone who can list subscriptions.".into(),
            "Remove the credentials and verify the webhook signature instead (e to edit).",
        ));
    }
    if url.fragment().is_some() {
        out.push(finding(
            Severity::Warning,
            "fragment-in-url",
            "The target URL has a #fragment, which is never sent to your server.".into(),
            "Remove the #fragment (e to edit).",
        ));
    }
    let pin = match payload_version(raw) {
        None => {
            out.push(finding(
                Severity::Warning,
                "no-version-pin",
                "No ?version= in the target URL, so Linq may send the legacy 2025-01-01 payload."
                    .into(),
                "Pin ?version=2026-02-03 (e to edit, Ctrl-P in the URL field).",
            ));
            Pin::Missing
        }
        Some(v) => match KNOWN_PAYLOAD_VERSIONS.iter().find(|k| **k == v) {
            Some(k) => Pin::Known(k),
            None => {
                out.push(finding(
                    Severity::Warning,
                    "unknown-version",
                    format!(
                        "The payload version \"{}\" is not one Linq documents (2025-01-01, 2026-02-03).",
                        shown(&v)
                    ),
                    "Set ?version=2026-02-03 (e to edit).",
                ));
                Pin::Unknown
            }
        },
    };
    (Some(key), pin)
}

/// Why Linq cannot reach `host`, if it cannot.
fn unreachable(host: Host<&str>) -> Option<&'static str> {
    match host {
        Host::Ipv4(ip) => ipv4_reason(ip),
        Host::Ipv6(ip) => ipv6_reason(ip),
        Host::Domain(name) => domain_reason(name),
    }
}

fn ipv4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        _ if ip.is_unspecified() || a == 0 => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        _ if ip.is_private() => "a private address",
        _ if ip.is_link_local() => "a link-local address",
        (100, 64..=127, _) => "a carrier-grade NAT address",
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => "a documentation address",
        (192, 0, 0) | (198, 18..=19, _) => "a reserved address",
        _ if ip.is_multicast() => "a multicast address",
        _ if a >= 240 => "a reserved address",
        _ => return None,
    })
}

fn ipv6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return ipv4_reason(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = s;
        return ipv4_reason(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    Some(match s[0] {
        _ if ip.is_unspecified() => "an unspecified address",
        _ if ip.is_loopback() => "a loopback address",
        0 if s[1..6] == [0; 5] => "a deprecated IPv4-compatible address",
        x if x & 0xfe00 == 0xfc00 => "a private (unique local) address",
        x if x & 0xffc0 == 0xfe80 => "a link-local address",
        x if x & 0xffc0 == 0xfec0 => "a private (site-local) address",
        x if x & 0xff00 == 0xff00 => "a multicast address",
        0x2001 if s[1] == 0x0db8 => "a documentation address",
        _ => return None,
    })
}

/// Names public DNS never resolves (RFC 6761, 6762, 8375, 7686; `.internal` by ICANN).
const LOCAL_SUFFIXES: [&str; 8] = [
    ".localhost",
    ".local",
    ".internal",
    ".invalid",
    ".test",
    ".example",
    ".home.arpa",
    ".onion",
];

fn domain_reason(name: &str) -> Option<&'static str> {
    // The url crate lowercases hosts of https URLs; a trailing dot is the same name.
    let name = name.trim_end_matches('.');
    if name == "localhost" || name.ends_with(".localhost") {
        return Some("a local name");
    }
    if LOCAL_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return Some("a reserved name public DNS does not resolve");
    }
    if !name.contains('.') {
        return Some("a single-label name public DNS does not resolve");
    }
    None
}

fn event_findings(events: &[String], pin: Pin, known: &Known, out: &mut Vec<Finding>) {
    if events.is_empty() {
        out.push(finding(
            Severity::Error,
            "no-events",
            "It is subscribed to no event types, so nothing is ever delivered.".into(),
            "Choose event types (e to edit).",
        ));
        return;
    }
    let withheld = |e: &String| {
        VERSIONED_EVENTS
            .iter()
            .find(|(name, _)| name == e)
            .is_some_and(|(_, since)| match pin {
                Pin::Known(v) => v < *since,
                Pin::Missing => true,
                Pin::Unknowable | Pin::Unknown => false,
            })
    };
    let gated: Vec<&String> = events.iter().filter(|e| withheld(e)).collect();
    if !gated.is_empty() {
        out.push(match pin {
            Pin::Known(v) => {
                let never_fires = events.iter().all(withheld);
                finding(
                    if never_fires {
                        Severity::Error
                    } else {
                        Severity::Warning
                    },
                    "event-not-delivered-for-version",
                    format!(
                        "{} {} never delivered with the {v} payload{}.",
                        list(&gated),
                        is_are(gated.len()),
                        if never_fires {
                            ", so this subscription never fires"
                        } else {
                            ""
                        }
                    ),
                    "Switch to ?version=2026-02-03 once your receiver reads that payload, or drop the event (e to edit).",
                )
            }
            _ => finding(
                Severity::Warning,
                "event-not-delivered-for-version",
                format!(
                    "{} may never be delivered: without ?version= the legacy 2025-01-01 payload may be used.",
                    list(&gated)
                ),
                "Pin ?version=2026-02-03 (e to edit, Ctrl-P in the URL field).",
            ),
        });
    }
    if known.catalog.is_empty() {
        return;
    }
    let mut seen = HashSet::new();
    let unknown: Vec<&String> = events
        .iter()
        .filter(|e| !known.catalog.contains(e.as_str()) && seen.insert(e.as_str()))
        .collect();
    if unknown.is_empty() {
        return;
    }
    out.push(if known.catalog_from_server {
        finding(
            Severity::Warning,
            "unknown-event-type",
            format!(
                "{} {} not in Linq's event catalogue, so Linq never sends {}.",
                list(&unknown),
                is_are(unknown.len()),
                them(unknown.len())
            ),
            "Remove the unknown event types (e to edit).",
        )
    } else {
        finding(
            Severity::Info,
            "unknown-event-type",
            format!(
                "{} {} not in the bundled event catalogue; {} may be newer than this version.",
                list(&unknown),
                is_are(unknown.len()),
                if unknown.len() == 1 { "it" } else { "they" }
            ),
            "Refresh with r to check against the server's catalogue.",
        )
    });
}

fn phone_key(number: &str) -> String {
    normalise_phone(number.trim())
}

fn phone_findings(filter: &[String], lines: &HashSet<String>, out: &mut Vec<Finding>) {
    let missing: Vec<&String> = filter
        .iter()
        .filter(|n| !lines.contains(&phone_key(n)))
        .collect();
    if missing.is_empty() {
        return;
    }
    out.push(if missing.len() == filter.len() {
        finding(
            Severity::Error,
            "no-phone-is-a-line",
            format!(
                "None of the phone filter's numbers ({}) is a line of this account, so the subscription never fires.",
                list(&missing)
            ),
            "Put the account's lines in the phone filter, or clear it to hear every line (e to edit).",
        )
    } else {
        finding(
            Severity::Warning,
            "phone-not-a-line",
            format!(
                "{} {} not a line of this account, so no events come from {}.",
                list(&missing),
                is_are(missing.len()),
                them(missing.len())
            ),
            "Remove the numbers that are not lines from the phone filter (e to edit).",
        )
    });
}

fn routing_findings(sub: &Subscription, out: &mut Vec<Finding>) {
    let set = |h: &Option<String>| {
        h.as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_string)
    };
    let id = set(&sub.routing_id_header);
    // The server may report the default id header with affinity off: that is no mistake.
    if let (Some(id), None) = (id, set(&sub.routing_key_header)) {
        if !id.eq_ignore_ascii_case(DEFAULT_ROUTING_ID_HEADER) {
            out.push(finding(
                Severity::Warning,
                "routing-id-without-key",
                format!(
                    "The routing id header {} is set without a routing key header, so Linq ignores it.",
                    shown(&id)
                ),
                "Set a routing key header too, or clear the id header (e to edit).",
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------
// Twins: other subscriptions with the same host, port and path
// ---------------------------------------------------------------------------------------

/// Whether a subscription takes part in twin detection (its URL and state are known).
fn twin_eligible(sub: &Subscription) -> bool {
    sub.readable("target_url") && sub.readable("is_active")
}

/// One endpoint's subscriptions, indexed so that each member's check is O(its filter).
struct Twins<'s> {
    members: Vec<&'s Subscription>,
    /// Positions of active members, in account order.
    active: Vec<usize>,
    paused: Vec<usize>,
    /// Active members that hear every line.
    all_lines: Vec<usize>,
    /// Active members with a phone filter, by (normalised) number.
    by_phone: HashMap<String, Vec<usize>>,
}

/// The other active (or paused) members of a group, as far as messages need them.
struct Others {
    first: Option<usize>,
    count: usize,
}

/// How many overlapping twins are named before "and others".
const NAMED: usize = 3;

impl<'s> Twins<'s> {
    fn new(members: Vec<&'s Subscription>) -> Self {
        let mut twins = Twins {
            members,
            active: Vec::new(),
            paused: Vec::new(),
            all_lines: Vec::new(),
            by_phone: HashMap::new(),
        };
        for (pos, sub) in twins.members.iter().enumerate() {
            if !sub.is_active {
                twins.paused.push(pos);
                continue;
            }
            twins.active.push(pos);
            let filter = sub.phone_filter();
            if filter.is_empty() {
                twins.all_lines.push(pos);
            }
            for number in filter {
                let list = twins.by_phone.entry(phone_key(number)).or_default();
                // A number listed twice in one filter is indexed once.
                if list.last() != Some(&pos) {
                    list.push(pos);
                }
            }
        }
        twins
    }

    /// Up to `NAMED + 1` active twins that may deliver the same event as `me` (phone
    /// filters overlap), in account order. Stops early: a group of thousands sharing one
    /// number costs a few steps per member, not thousands.
    fn overlapping(&self, me: &Subscription, me_pos: Option<usize>) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::with_capacity(NAMED + 1);
        let mut add = |pos: usize| {
            if Some(pos) != me_pos && !found.contains(&pos) {
                found.push(pos);
            }
            found.len() > NAMED
        };
        let filter = me.phone_filter();
        let full = if filter.is_empty() {
            self.active.iter().any(|&p| add(p))
        } else {
            self.all_lines.iter().any(|&p| add(p))
        };
        if !full && !filter.is_empty() {
            let mut lists = filter
                .iter()
                .filter_map(|n| self.by_phone.get(&phone_key(n)));
            lists.any(|list| list.iter().any(|&p| add(p)));
        }
        found.sort_unstable();
        found
    }

    fn ids(&self, positions: impl Iterator<Item = usize>) -> Vec<&'s str> {
        positions.map(|p| self.members[p].id.as_str()).collect()
    }

    fn findings_for(&self, me: &Subscription, me_pos: Option<usize>) -> Vec<Finding> {
        let mut out = Vec::new();
        // Counts and the first other member, not lists: O(1) per member, so a group of
        // thousands stays linear.
        let others = |positions: &[usize], me_in: bool| Others {
            first: positions.iter().copied().find(|&p| Some(p) != me_pos),
            count: positions.len() - usize::from(me_in && me_pos.is_some()),
        };
        let active = others(&self.active, me.is_active);
        let paused = others(&self.paused, !me.is_active);
        if me.is_active {
            let overlapping = self.overlapping(me, me_pos);
            if !overlapping.is_empty() {
                let more = overlapping.len() > NAMED;
                let ids = self.ids(overlapping.into_iter().take(NAMED));
                let n = ids.len() + usize::from(more);
                let names = if more {
                    format!("{} and others", list(&ids))
                } else {
                    list(&ids)
                };
                out.push(finding(
                    Severity::Warning,
                    "duplicate-target",
                    format!(
                        "{} {names} {} also active at the same host and path with an overlapping phone filter, so events may arrive twice.",
                        plural(n, "Subscription", "Subscriptions"),
                        is_are(n),
                    ),
                    "Delete or pause one of them (Ctrl-D, p), or give each a distinct phone filter.",
                ));
            } else if active.count > 0 {
                out.push(finding(
                    Severity::Info,
                    "duplicate-target",
                    format!(
                        "{} other active {} {} the same host and path, but the phone filters do not overlap, so no event arrives twice.",
                        active.count,
                        plural(active.count, "subscription", "subscriptions"),
                        plural(active.count, "shares", "share")
                    ),
                    "Nothing to do while the phone filters stay apart.",
                ));
            }
            if let Some(first) = paused.first {
                out.push(finding(
                    Severity::Info,
                    "active-paused-twin",
                    format!(
                        "Paused subscription {}{} {} the same host and path; this one is the one that delivers.",
                        shown(&self.members[first].id),
                        and_more(paused.count - 1),
                        plural(paused.count, "has", "have")
                    ),
                    "Delete the paused twin if it is no longer needed (Ctrl-D on its row).",
                ));
            }
        } else {
            if let Some(first) = active.first {
                out.push(finding(
                    Severity::Info,
                    "active-paused-twin",
                    format!(
                        "Active subscription {}{} at the same host and path {}, not this paused one.",
                        shown(&self.members[first].id),
                        and_more(active.count - 1),
                        plural(active.count, "delivers", "deliver")
                    ),
                    "Delete this one if it is no longer needed (Ctrl-D); resuming it (p) may duplicate deliveries.",
                ));
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------

/// The longest value shown in a message, in characters.
const SHOWN_CHARS: usize = 48;
/// How many values a list shows before "and N more".
const LISTED: usize = 5;

/// A value from the API or the user, safe for one terminal line.
fn shown(s: &str) -> String {
    let cleaned = clean(s);
    if cleaned.chars().count() <= SHOWN_CHARS {
        return cleaned.into_owned();
    }
    let mut cut: String = cleaned.chars().take(SHOWN_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    let mut text = items
        .iter()
        .take(LISTED)
        .map(|s| shown(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ");
    text.push_str(&and_more(items.len().saturating_sub(LISTED)));
    text
}

fn and_more(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" and {n} more")
    }
}

fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

fn is_are(n: usize) -> &'static str {
    plural(n, "is", "are")
}

fn them(n: usize) -> &'static str {
    plural(n, "it", "them")
}

fn sort(found: &mut [Finding]) {
    // Stable: within a severity, the rule order above (deterministic) is kept.
    found.sort_by_key(|f| Reverse(f.severity));
}
