//! `rotation-in-progress`: a subscription is one of a secret rotation's pair (issue 20).
//! Info while the overlap is fresh, a warning after a day (duplicates have run that long).
//! The pair's own `duplicate-target` is dropped: the rotation finding says it better.

use super::{endpoint_key, finding, Finding, Severity};
use crate::api::Subscription;
use crate::lifecycle::rotate::Pair;
use std::collections::HashMap;
use time::OffsetDateTime;

/// `14:02` today, `2026-12-05 14:02` on another day (UTC, as the trail records).
pub fn since_label(since: Option<OffsetDateTime>, now: OffsetDateTime) -> String {
    let Some(t) = since else {
        return "an unknown time".into();
    };
    let hm = format!("{:02}:{:02}", t.hour(), t.minute());
    if t.date() == now.date() {
        hm
    } else {
        format!("{} {hm}", t.date())
    }
}

/// The rotation finding of `sub`, if it belongs to one of `pairs`.
pub fn rotation_finding(
    sub: &Subscription,
    pairs: &[Pair],
    now: OffsetDateTime,
) -> Option<Finding> {
    let pair = pairs.iter().find(|p| p.involves(&sub.id))?;
    Some(finding_of(sub, pair, now))
}

/// The rotation finding of `sub`, one of `pair`.
fn finding_of(sub: &Subscription, pair: &Pair, now: OffsetDateTime) -> Finding {
    let role = if pair.old_id == sub.id {
        "the old one (old secret)"
    } else {
        "the new one (new secret)"
    };
    let overdue = pair.overdue(now);
    let severity = if overdue {
        Severity::Warning
    } else {
        Severity::Info
    };
    let message =
        format!(
        "Secret rotation since {} UTC, 2 subscriptions: this is {role}; the receiver gets each \
         event twice{}",
        since_label(pair.since, now),
        if overdue { " — for over 24 hours now" } else { "" }
    );
    finding(
        severity,
        "rotation-in-progress",
        message,
        "Switch the receiver to the new secret and deduplicate on event_id, then finish with R",
    )
}

/// Adds the rotation finding to each subscription of a pair, and drops `duplicate-target`
/// where the partner is the only other active subscription at that endpoint.
pub fn apply(all: &mut [Vec<Finding>], subs: &[Subscription], pairs: &[Pair], now: OffsetDateTime) {
    if pairs.is_empty() {
        return;
    }
    // Looked up, not searched for: a bulk rotation of thousands of subscriptions stays
    // linear in the account's size. The first pair naming an id is its pair.
    let mut pair_of: HashMap<&str, &Pair> = HashMap::new();
    for pair in pairs {
        pair_of.entry(pair.old_id.as_str()).or_insert(pair);
        pair_of.entry(pair.new_id.as_str()).or_insert(pair);
    }
    let mut active_at: HashMap<Option<String>, Vec<&str>> = HashMap::new();
    for o in subs.iter().filter(|o| o.is_active) {
        active_at
            .entry(endpoint_key(&o.target_url))
            .or_default()
            .push(&o.id);
    }
    for (i, sub) in subs.iter().enumerate() {
        let Some(pair) = pair_of.get(sub.id.as_str()) else {
            continue;
        };
        let Some(found) = all.get_mut(i) else {
            continue;
        };
        let partner = pair.partner(&sub.id);
        let others = active_at
            .get(&endpoint_key(&sub.target_url))
            .is_some_and(|ids| ids.iter().any(|&o| o != sub.id && o != partner));
        if !others {
            found.retain(|f| f.code != "duplicate-target");
        }
        found.push(finding_of(sub, pair, now));
        super::sort(found);
    }
}
