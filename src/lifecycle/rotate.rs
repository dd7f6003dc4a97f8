//! Rotating a signing secret (issue 20). Linq cannot change a subscription's secret
//! (linq-api.md §8.2): a rotation creates a twin on a distinct URL (same events, phones,
//! routing headers and payload version), lets both deliver while the receiver switches to
//! the new secret, then deletes the old one (finish) or the twin (abort).
//!
//! Everything here is pure: the decisions are made from the two subscriptions as re-read
//! and from the audit trail; the CLI and the dashboard do the requests.

use crate::api::{payload_version, NewSubscription, Subscription};
use crate::audit::AuditEntry;
use crate::validate::url_identity;
use std::collections::{BTreeSet, HashMap, HashSet};
use time::OffsetDateTime;

/// The query parameter a default twin URL gets, `linq_rotation=<n>`: distinct URL, same
/// receiver, and a hint that finds the pair again without the trail.
pub const PARAM: &str = "linq_rotation";

/// The audit operations of a rotation, each carrying both ids.
pub const START: &str = "rotate-start";
pub const FINISH: &str = "rotate-finish";
pub const ABORT: &str = "rotate-abort";

/// After this long an unfinished rotation is a warning: duplicates have run for a day.
pub const WARN_AFTER: time::Duration = time::Duration::hours(24);

/// What the receiver must know during the overlap (said by the CLI and the dashboard).
pub const OVERLAP_NOTE: &str = "until the rotation is finished, the receiver gets each event \
twice (once per subscription): deduplicate on event_id (the webhook-id header)";

/// Why finishing is impossible: the old secret is gone with the old subscription.
pub const NO_UNDO: &str = "a finished rotation cannot be undone: the old subscription and \
its signing secret are deleted, and Linq never issues a secret again";

/// The URL split into the part before the query, the query's parameters and the fragment.
fn split(url: &str) -> (&str, Vec<&str>, Option<&str>) {
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let (base, query) = rest.split_once('?').unwrap_or((rest, ""));
    let params = query.split('&').filter(|p| !p.is_empty()).collect();
    (base, params, fragment)
}

fn join(base: &str, params: &[&str], fragment: Option<&str>) -> String {
    let mut out = base.to_string();
    if !params.is_empty() {
        out.push('?');
        out.push_str(&params.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

fn is_rotation_param(param: &str) -> bool {
    param.split('=').next() == Some(PARAM)
}

/// The `n` of `linq_rotation=<n>` in `url`, if any.
/// Runs for every row of the account with each list: the query is scanned in place, no
/// list of its parameters built (the same parts as `split`).
pub fn rotation_number(url: &str) -> Option<u32> {
    let url = url.trim();
    let rest = url.split_once('#').map_or(url, |(rest, _)| rest);
    let (_, query) = rest.split_once('?')?;
    if !query.contains(PARAM) {
        return None;
    }
    query
        .split('&')
        .filter(|p| is_rotation_param(p))
        .find_map(|p| p.split_once('=').and_then(|(_, n)| n.parse().ok()))
}

/// `url` without any `linq_rotation` parameter; every other parameter (`version=` too)
/// kept as written, in order.
pub fn without_rotation(url: &str) -> String {
    let (base, params, fragment) = split(url.trim());
    let kept: Vec<&str> = params
        .into_iter()
        .filter(|p| !is_rotation_param(p))
        .collect();
    join(base, &kept, fragment)
}

/// `url` with `linq_rotation=<n>` as its last parameter (an earlier one replaced).
pub fn with_rotation(url: &str, n: u32) -> String {
    let (base, params, fragment) = split(url.trim());
    let param = format!("{PARAM}={n}");
    let mut kept: Vec<&str> = params
        .into_iter()
        .filter(|p| !is_rotation_param(p))
        .collect();
    kept.push(&param);
    join(base, &kept, fragment)
}

/// The subscription whose URL is the same as `url` for the per-account uniqueness rule.
pub fn collision<'a>(url: &str, existing: &'a [Subscription]) -> Option<&'a Subscription> {
    let identity = url_identity(url);
    existing
        .iter()
        .find(|s| url_identity(&s.target_url) == identity)
}

/// The default twin URL: the old URL with the next free `linq_rotation=<n>`.
pub fn twin_url(old: &Subscription, existing: &[Subscription]) -> String {
    let mut n = rotation_number(&old.target_url).map_or(1, |n| n.saturating_add(1));
    loop {
        let url = with_rotation(&old.target_url, n);
        if collision(&url, existing).is_none() || n == u32::MAX {
            return url;
        }
        n += 1;
    }
}

/// The twin's create body: everything the old one delivers, at `url`. Active (every new
/// subscription is).
pub fn twin(old: &Subscription, url: String) -> NewSubscription {
    let header = |h: &Option<String>| h.clone().filter(|h| !h.trim().is_empty());
    let key = header(&old.routing_key_header);
    NewSubscription {
        target_url: url,
        subscribed_events: old.event_names(),
        phone_numbers: (!old.phone_filter().is_empty()).then(|| old.phone_filter().to_vec()),
        // The id header means nothing without the key header (linq-api.md §4.1).
        routing_id_header: key.as_ref().and(header(&old.routing_id_header)),
        routing_key_header: key,
    }
}

/// Where a pair was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// A `rotate-start` in the audit trail with no finish or abort after it.
    Trail,
    /// Only the `linq_rotation` parameter (another machine, or a trail that is gone).
    Hint,
}

impl Found {
    pub fn name(self) -> &'static str {
        match self {
            Found::Trail => "audit trail",
            Found::Hint => "linq_rotation parameter",
        }
    }
}

/// A rotation in progress: the old subscription and its twin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub old_id: String,
    pub new_id: String,
    /// When it started (the trail's time, or the twin's `created_at`).
    pub since: Option<OffsetDateTime>,
    pub found: Found,
}

impl Pair {
    pub fn involves(&self, id: &str) -> bool {
        self.old_id == id || self.new_id == id
    }

    /// The other subscription of the pair.
    pub fn partner(&self, id: &str) -> &str {
        if self.old_id == id {
            &self.new_id
        } else {
            &self.old_id
        }
    }

    /// True once the overlap has lasted longer than [`WARN_AFTER`].
    pub fn overdue(&self, now: OffsetDateTime) -> bool {
        self.since.is_some_and(|t| now - t > WARN_AFTER)
    }
}

/// Rotations started and neither finished nor aborted, from the trail of one account
/// (entries newest first, as `audit::read` returns them). Failed steps change nothing.
pub fn open_in_trail(entries: &[AuditEntry]) -> Vec<Pair> {
    let mut open: Vec<Pair> = Vec::new();
    for entry in entries.iter().rev() {
        let Some(ids) = entry.rotation.as_ref().filter(|_| entry.outcome.ok) else {
            continue;
        };
        match entry.operation.as_str() {
            START => {
                open.retain(|p| p.new_id != ids.new_id);
                open.push(Pair {
                    old_id: ids.old_id.clone(),
                    new_id: ids.new_id.clone(),
                    since: OffsetDateTime::parse(
                        &entry.time,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .ok(),
                    found: Found::Trail,
                });
            }
            FINISH | ABORT => open.retain(|p| p.new_id != ids.new_id),
            _ => {}
        }
    }
    open
}

/// Pairs told by the `linq_rotation` parameter alone: two subscriptions whose URLs are the
/// same apart from it; the higher number is the twin (no parameter counts as 0).
pub fn from_hint(subs: &[Subscription]) -> Vec<Pair> {
    let numbers: Vec<Option<u32>> = subs
        .iter()
        .map(|s| rotation_number(&s.target_url))
        .collect();
    if numbers.iter().all(Option::is_none) {
        return Vec::new();
    }
    // Each URL's identity without its parameter is read once, and the candidates for the
    // old one of each twin are looked up, not searched for: an account where a bulk
    // rotation left thousands of twins stays linear in its size.
    let bases: Vec<String> = subs
        .iter()
        .map(|s| url_identity(&without_rotation(&s.target_url)))
        .collect();
    let mut by_base: HashMap<&str, Vec<(u32, usize)>> = HashMap::new();
    for (i, base) in bases.iter().enumerate() {
        let number = numbers[i].unwrap_or(0);
        by_base.entry(base).or_default().push((number, i));
    }
    for same in by_base.values_mut() {
        same.sort_unstable();
    }
    let mut pairs = Vec::new();
    for (i, new) in subs.iter().enumerate() {
        let Some(n) = numbers[i] else {
            continue;
        };
        let Some(same) = by_base.get(bases[i].as_str()) else {
            continue;
        };
        // The highest number below `n`; of equal numbers the last in list order.
        let below = same.partition_point(|&(number, _)| number < n);
        let old = same[..below]
            .iter()
            .rev()
            .map(|&(_, j)| &subs[j])
            .find(|s| s.id != new.id);
        if let Some(old) = old {
            pairs.push(Pair {
                old_id: old.id.clone(),
                new_id: new.id.clone(),
                since: Some(new.created_at),
                found: Found::Hint,
            });
        }
    }
    // A chain (0 → 1 → 2) is one rotation at a time: keep the newest step of each old.
    let olds: HashSet<String> = pairs.iter().map(|p| p.old_id.clone()).collect();
    pairs.retain(|p| !olds.contains(&p.new_id));
    pairs
}

/// The rotations in progress: the trail's (those whose two subscriptions both still exist,
/// when `subs` is the account's list) and then the hint's not already among them.
pub fn in_progress(trail: &[AuditEntry], subs: &[Subscription]) -> Vec<Pair> {
    combine(open_in_trail(trail), subs)
}

/// [`in_progress`] from the trail's open pairs already found (the dashboard keeps them).
pub fn combine(open: Vec<Pair>, subs: &[Subscription]) -> Vec<Pair> {
    let mut pairs = Vec::new();
    if !open.is_empty() {
        let ids: HashSet<&str> = subs.iter().map(|s| s.id.as_str()).collect();
        pairs.extend(
            open.into_iter()
                .filter(|p| ids.contains(p.old_id.as_str()) && ids.contains(p.new_id.as_str())),
        );
    }
    let hints = from_hint(subs);
    if !hints.is_empty() {
        let mut taken: HashSet<String> = pairs
            .iter()
            .flat_map(|p| [p.old_id.clone(), p.new_id.clone()])
            .collect();
        for hint in hints {
            if !taken.contains(&hint.old_id) && !taken.contains(&hint.new_id) {
                taken.insert(hint.old_id.clone());
                taken.insert(hint.new_id.clone());
                pairs.push(hint);
            }
        }
    }
    pairs
}

/// The pair that `id` belongs to (as old or as new). `trail_only` pairs matter for a
/// finish asked by an id whose partner is already gone.
pub fn pair_of<'a>(pairs: &'a [Pair], id: &str) -> Option<&'a Pair> {
    pairs.iter().find(|p| p.involves(id))
}

fn set<S: AsRef<str>>(items: &[S]) -> BTreeSet<&str> {
    items.iter().map(AsRef::as_ref).collect()
}

fn difference<S: AsRef<str>>(label: &str, old: &[S], new: &[S]) -> Option<String> {
    let (old, new) = (set(old), set(new));
    if old == new {
        return None;
    }
    let only_old: Vec<&str> = old.difference(&new).copied().collect();
    let only_new: Vec<&str> = new.difference(&old).copied().collect();
    let mut parts = Vec::new();
    if !only_old.is_empty() {
        parts.push(format!("missing {}", only_old.join(", ")));
    }
    if !only_new.is_empty() {
        parts.push(format!("extra {}", only_new.join(", ")));
    }
    Some(format!("its {label} differ ({})", parts.join("; ")))
}

fn lines(phones: &[String]) -> Vec<String> {
    if phones.is_empty() {
        vec!["every line".to_string()]
    } else {
        phones.to_vec()
    }
}

/// Why deleting the old subscription would lose events, from the two as re-read (`None`:
/// gone). Empty: finishing is safe. Each reason is one clause naming what changed.
pub fn finish_refusals(
    pair: &Pair,
    old: Option<&Subscription>,
    new: Option<&Subscription>,
) -> Vec<String> {
    let mut out = Vec::new();
    let Some(old) = old else {
        out.push(format!(
            "the old subscription {} is already deleted: nothing to finish",
            pair.old_id
        ));
        return out;
    };
    let Some(new) = new else {
        out.push(format!(
            "the new subscription {} is gone: deleting the old one would stop every delivery \
             (abort with `linq-hooks rotate --abort {}`)",
            pair.new_id, pair.old_id
        ));
        return out;
    };
    if !new.is_active {
        out.push(format!(
            "the new subscription {} is paused: nothing would be delivered once the old one \
             is deleted (resume it first)",
            new.id
        ));
    }
    let diff = |d: Option<String>| d.map(|d| format!("the new subscription {}", d));
    out.extend(diff(difference(
        "events",
        &old.subscribed_events,
        &new.subscribed_events,
    )));
    out.extend(diff(difference(
        "phone lines",
        &lines(old.phone_filter()),
        &lines(new.phone_filter()),
    )));
    let header = |h: &Option<String>| h.clone().filter(|h| !h.is_empty());
    let key = header(&old.routing_key_header);
    // The id header counts only with a key header (otherwise it is ignored by Linq).
    if key != header(&new.routing_key_header)
        || (key.is_some() && header(&old.routing_id_header) != header(&new.routing_id_header))
    {
        out.push("the new subscription's routing headers differ".to_string());
    }
    if payload_version(&old.target_url) != payload_version(&new.target_url) {
        out.push(format!(
            "the new subscription's payload version differs ({} instead of {})",
            payload_version(&new.target_url).unwrap_or_else(|| "none".into()),
            payload_version(&old.target_url).unwrap_or_else(|| "none".into())
        ));
    }
    out
}

#[cfg(test)]
#[path = "rotate_tests.rs"]
mod tests;
