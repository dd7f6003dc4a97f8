//! The plan: what the account needs so that it matches the file — pure, data in, data out,
//! so `plan`, `apply` and the dashboard show the same changes.
//!
//! Identity: an entry's `id` when it names a subscription of this account (so a changed URL
//! is an update, which keeps the signing secret); otherwise the target URL's identity (the
//! uniqueness rule's normalisation). An id from another account is ignored: that is how a
//! file moves from staging to production.

use super::check::Desired;
use crate::api::{FieldChange, NewSubscription, Subscription, SubscriptionPatch};
use crate::text::clean;
use crate::validate::url_identity;
use serde::Serialize;
use serde_json::Value;
use std::borrow::Cow;
// Keys from the account and the file, both bounded: a fast hash is enough.
use rustc_hash::FxHashMap as HashMap;

/// The id header the API uses when affinity is on and none was named (linq-api.md §4.1).
pub const DEFAULT_ROUTING_ID_HEADER: &str = "Linq-Chat-Id";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Delete,
    /// Not in the file and kept (without `--prune`).
    Keep,
}

/// One field that changes: JSON values as the API names them (`null` = not set / every
/// line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    pub name: &'static str,
    pub from: Value,
    pub to: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub action: Action,
    /// The subscription's id (none for a create).
    pub id: Option<String>,
    /// The URL after the change (the current one for delete and keep).
    pub target_url: String,
    /// Field by field, for create and update.
    pub fields: Vec<FieldDiff>,
    /// The subscription as it is now (update, delete, keep).
    pub current: Option<Subscription>,
    /// The create's body.
    pub new: Option<NewSubscription>,
    /// The PUT's body: only what differs. For a create of a paused entry, the PUT that
    /// pauses it after the create.
    pub patch: Option<SubscriptionPatch>,
    /// The change (an index in [`Plan::changes`]) that frees the URL this one takes: it
    /// must succeed first, or this one would be refused as a duplicate URL.
    pub after: Option<usize>,
    /// Why this change cannot be applied as planned; `apply` never sends it.
    pub blocked: Option<Blocked>,
}

/// A change that no order of requests can make without a moment where events go to a
/// wrong URL, or that would be refused for a URL the account keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocked {
    /// A cycle of URL moves (A takes B's URL while B takes A's): the others' ids.
    Swap(Vec<String>),
    /// The URL belongs to this subscription, which stays where it is.
    HeldBy { id: String, kept: bool },
    /// It waits for this subscription's change, which is blocked itself.
    Waits(String),
}

impl Blocked {
    /// One sentence for the plan and the refusal.
    pub fn reason(&self) -> String {
        match self {
            Blocked::Swap(ids) => format!(
                "swaps URL with {}: cannot be applied in one step",
                ids.iter().map(|i| clean(i)).collect::<Vec<_>>().join(", ")
            ),
            Blocked::HeldBy { id, kept: true } => format!(
                "takes the URL of {}, which is not in the file and kept: cannot be applied \
                 (--prune deletes it first)",
                clean(id)
            ),
            Blocked::HeldBy { id, kept: false } => format!(
                "takes the URL of {}, which keeps it: cannot be applied",
                clean(id)
            ),
            Blocked::Waits(id) => format!(
                "takes the URL of {}, whose change cannot be applied: cannot be applied either",
                clean(id)
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub delete: usize,
    pub keep: usize,
    pub unchanged: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Creates and updates in file order, then deletes and keeps by URL.
    pub changes: Vec<Change>,
    pub summary: Summary,
}

impl Plan {
    /// Whether applying would send anything.
    pub fn has_changes(&self) -> bool {
        self.summary.create + self.summary.update + self.summary.delete > 0
    }

    pub fn creates(&self) -> usize {
        self.summary.create
    }

    /// The changes `apply` refuses (URL swaps and what waits for them).
    pub fn blocked(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.blocked.is_some())
    }
}

fn list<S: AsRef<str>>(items: &[S]) -> Value {
    Value::Array(items.iter().map(|s| Value::from(s.as_ref())).collect())
}

fn strings<S: AsRef<str>>(items: &[S]) -> Vec<String> {
    items.iter().map(|s| s.as_ref().to_string()).collect()
}

/// Whether `current` (as the server lists it, in any order and with repeats) holds exactly
/// the items of `want` (sorted, without duplicates) — without a copy or a sort: unless
/// `current` is sorted already, each item is found in `want` and ticked off, and every one
/// of `want` must be ticked.
fn same_items<S: AsRef<str>, W: AsRef<str>>(current: &[S], want: &[W]) -> bool {
    let want_names = || want.iter().map(AsRef::as_ref);
    if want.len() > u128::BITS as usize {
        let mut names: Vec<&str> = current.iter().map(AsRef::as_ref).collect();
        names.sort_unstable();
        names.dedup();
        return names.into_iter().eq(want_names());
    }
    // The usual case for phones, sorted already: one comparison per item.
    if current.windows(2).all(|w| w[0].as_ref() < w[1].as_ref()) {
        return current.iter().map(AsRef::as_ref).eq(want_names());
    }
    // Event names are few and mostly of different lengths: comparing the lengths first
    // leaves about one comparison of bytes per item.
    let mut seen = 0u128;
    'items: for item in current {
        let item = item.as_ref();
        for (i, w) in want_names().enumerate() {
            if w.len() == item.len() && w == item {
                seen |= 1 << i;
                continue 'items;
            }
        }
        return false;
    }
    seen.count_ones() as usize == want.len()
}

fn sorted<S: AsRef<str>>(items: &[S]) -> Vec<String> {
    let mut out = strings(items);
    out.sort_unstable();
    out.dedup();
    out
}

fn non_empty(h: &Option<String>) -> Option<&str> {
    h.as_deref().map(str::trim).filter(|h| !h.is_empty())
}

fn same_header(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        (None, None) => true,
        _ => false,
    }
}

fn opt(h: Option<&str>) -> Value {
    h.map_or(Value::Null, Value::from)
}

/// The fields of `current` that differ from `want`, and the PUT that changes them.
fn diff(current: &Subscription, want: &Desired) -> (Vec<FieldDiff>, SubscriptionPatch) {
    let mut fields = Vec::new();
    let mut patch = SubscriptionPatch::default();
    // The same text is the same identity: the URL is parsed only when the text differs.
    if current.target_url != want.target_url
        && url_identity(&current.target_url) != want.url_identity
    {
        fields.push(FieldDiff {
            name: "target_url",
            from: current.target_url.clone().into(),
            to: want.target_url.clone().into(),
        });
        patch.target_url = Some(want.target_url.clone());
    }
    if !same_items(&current.subscribed_events, &want.events) {
        let events = sorted(&current.subscribed_events);
        fields.push(FieldDiff {
            name: "subscribed_events",
            from: list(&events),
            to: list(&want.events),
        });
        patch.subscribed_events = Some(strings(&want.events));
    }
    if !same_items(current.phone_filter(), &want.phones) {
        let phones = sorted(current.phone_filter());
        let value = |p: &[String]| if p.is_empty() { Value::Null } else { list(p) };
        fields.push(FieldDiff {
            name: "phone_numbers",
            from: value(&phones),
            to: value(&want.phones),
        });
        patch.phone_numbers = Some(if want.phones.is_empty() {
            FieldChange::Clear
        } else {
            FieldChange::Set(want.phones.clone())
        });
    }
    if current.is_active != want.is_active {
        fields.push(FieldDiff {
            name: "is_active",
            from: current.is_active.into(),
            to: want.is_active.into(),
        });
        patch.is_active = Some(want.is_active);
    }
    let key_now = non_empty(&current.routing_key_header);
    let key_want = want.routing_key_header.as_deref();
    if !same_header(key_now, key_want) {
        fields.push(FieldDiff {
            name: "routing_key_header",
            from: opt(key_now),
            to: opt(key_want),
        });
        patch.routing_key_header = Some(match key_want {
            Some(k) => FieldChange::Set(k.to_string()),
            None => FieldChange::Clear,
        });
    }
    // The id header counts only with affinity on; unnamed, it is the API's default.
    if key_want.is_some() {
        let id_now = non_empty(&current.routing_id_header).unwrap_or(DEFAULT_ROUTING_ID_HEADER);
        let id_want = want
            .routing_id_header
            .as_deref()
            .unwrap_or(DEFAULT_ROUTING_ID_HEADER);
        if !id_now.eq_ignore_ascii_case(id_want) {
            fields.push(FieldDiff {
                name: "routing_id_header",
                from: key_now.map_or(Value::Null, |_| id_now.into()),
                to: id_want.into(),
            });
            patch.routing_id_header = Some(match &want.routing_id_header {
                Some(h) => FieldChange::Set(h.clone()),
                None => FieldChange::Clear,
            });
        }
    }
    (fields, patch)
}

fn create(want: &Desired) -> Change {
    let mut fields = vec![
        FieldDiff {
            name: "target_url",
            from: Value::Null,
            to: want.target_url.clone().into(),
        },
        FieldDiff {
            name: "subscribed_events",
            from: Value::Null,
            to: list(&want.events),
        },
    ];
    if !want.phones.is_empty() {
        fields.push(FieldDiff {
            name: "phone_numbers",
            from: Value::Null,
            to: list(&want.phones),
        });
    }
    fields.push(FieldDiff {
        name: "is_active",
        from: Value::Null,
        to: want.is_active.into(),
    });
    for (name, value) in [
        ("routing_key_header", &want.routing_key_header),
        ("routing_id_header", &want.routing_id_header),
    ] {
        if let Some(v) = value {
            fields.push(FieldDiff {
                name,
                from: Value::Null,
                to: v.clone().into(),
            });
        }
    }
    Change {
        action: Action::Create,
        id: None,
        target_url: want.target_url.clone(),
        fields,
        current: None,
        new: Some(NewSubscription {
            target_url: want.target_url.clone(),
            subscribed_events: strings(&want.events),
            phone_numbers: (!want.phones.is_empty()).then(|| want.phones.clone()),
            routing_key_header: want.routing_key_header.clone(),
            routing_id_header: want.routing_id_header.clone(),
        }),
        // The API creates active subscriptions: a paused entry is paused right after.
        patch: (!want.is_active).then(|| SubscriptionPatch::pause(false)),
        after: None,
        blocked: None,
    }
}

/// Compares the file's entries with the account's subscriptions.
pub fn plan(desired: &[Desired], account: &[Subscription], prune: bool) -> Plan {
    // Ids as the file's (lower case); the server's are lower case already, as a rule.
    let by_id: HashMap<Cow<str>, usize> = account
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let id = match s.id.bytes().any(|b| b.is_ascii_uppercase()) {
                true => Cow::Owned(s.id.to_ascii_lowercase()),
                false => Cow::Borrowed(s.id.as_str()),
            };
            (id, i)
        })
        .collect();
    // Each account URL's identity, parsed only when needed: for an entry no id matched, or
    // for a URL that moves. A file exported from this account needs neither.
    let url_index = || -> HashMap<String, usize> {
        account
            .iter()
            .enumerate()
            .map(|(i, s)| (url_identity(&s.target_url), i))
            .collect()
    };
    let mut by_url: Option<HashMap<String, usize>> = None;
    let mut claimed = vec![false; account.len()];
    let mut matched: Vec<Option<usize>> = desired
        .iter()
        .map(|d| {
            let i = *by_id.get(d.id.as_deref()?)?;
            claimed[i] = true;
            Some(i)
        })
        .collect();
    // Then by URL, among the subscriptions no id claimed.
    for (d, m) in desired.iter().zip(matched.iter_mut()) {
        if m.is_none() {
            let by_url = by_url.get_or_insert_with(url_index);
            if let Some(&i) = by_url.get(d.url_identity.as_str()) {
                if !claimed[i] {
                    claimed[i] = true;
                    *m = Some(i);
                }
            }
        }
    }
    let mut summary = Summary::default();
    let mut changes = Vec::new();
    // The change of each account subscription, and the changes that take a URL (with the
    // subscription they change, none for a create).
    let mut change_of: Vec<Option<usize>> = vec![None; account.len()];
    let mut takes: Vec<(usize, &str, Option<usize>)> = Vec::new();
    for (d, m) in desired.iter().zip(&matched) {
        match m {
            None => {
                summary.create += 1;
                takes.push((changes.len(), &d.url_identity, None));
                changes.push(create(d));
            }
            Some(i) => {
                let current = &account[*i];
                let (fields, patch) = diff(current, d);
                if patch.is_empty() {
                    summary.unchanged += 1;
                    continue;
                }
                summary.update += 1;
                if patch.target_url.is_some() {
                    takes.push((changes.len(), &d.url_identity, Some(*i)));
                }
                change_of[*i] = Some(changes.len());
                changes.push(Change {
                    action: Action::Update,
                    id: Some(current.id.clone()),
                    target_url: d.target_url.clone(),
                    fields,
                    current: Some(current.clone()),
                    new: None,
                    patch: Some(patch),
                    after: None,
                    blocked: None,
                });
            }
        }
    }
    let mut rest: Vec<usize> = (0..account.len()).filter(|i| !claimed[*i]).collect();
    rest.sort_by(|a, b| {
        let (a, b) = (&account[*a], &account[*b]);
        a.target_url.cmp(&b.target_url).then(a.id.cmp(&b.id))
    });
    for i in rest {
        let s = &account[i];
        let action = if prune { Action::Delete } else { Action::Keep };
        match action {
            Action::Delete => summary.delete += 1,
            _ => summary.keep += 1,
        }
        change_of[i] = Some(changes.len());
        changes.push(Change {
            action,
            id: Some(s.id.clone()),
            target_url: s.target_url.clone(),
            fields: Vec::new(),
            current: Some(s.clone()),
            new: None,
            patch: None,
            after: None,
            blocked: None,
        });
    }
    for (taker, identity, own) in takes {
        let by_url = by_url.get_or_insert_with(url_index);
        let Some(&holder) = by_url.get(identity) else {
            continue;
        };
        if Some(holder) == own {
            continue;
        }
        let frees = change_of[holder].filter(|&h| {
            let c = &changes[h];
            c.action == Action::Delete || c.patch.as_ref().is_some_and(|p| p.target_url.is_some())
        });
        match frees {
            Some(h) => changes[taker].after = Some(h),
            None => {
                let kept = change_of[holder].is_some_and(|h| changes[h].action == Action::Keep);
                changes[taker].blocked = Some(Blocked::HeldBy {
                    id: account[holder].id.clone(),
                    kept,
                });
            }
        }
    }
    super::order::mark_blocked(&mut changes);
    Plan { changes, summary }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
