//! Twins: other subscriptions with the same host, port and path.

use super::*;

/// Whether a subscription takes part in twin detection (its URL and state are known).
pub(super) fn twin_eligible(sub: &Subscription) -> bool {
    sub.readable("target_url") && sub.readable("is_active")
}

/// One endpoint's subscriptions, indexed so that each member's check is O(its filter).
pub(super) struct Twins<'s> {
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
pub(super) struct Others {
    first: Option<usize>,
    count: usize,
}

/// How many overlapping twins are named before "and others".
pub(super) const NAMED: usize = 3;

impl<'s> Twins<'s> {
    pub(super) fn new(members: Vec<&'s Subscription>) -> Self {
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
    pub(super) fn overlapping(&self, me: &Subscription, me_pos: Option<usize>) -> Vec<usize> {
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

    pub(super) fn ids(&self, positions: impl Iterator<Item = usize>) -> Vec<&'s str> {
        positions.map(|p| self.members[p].id.as_str()).collect()
    }

    pub(super) fn findings_for(&self, me: &Subscription, me_pos: Option<usize>) -> Vec<Finding> {
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
