//! Derived views of the state: which rows are visible, the counts, time labels.

use super::Tab;
pub use crate::api::payload_version;
use crate::api::Subscription;
use crate::diagnose::{Finding, Severity};
use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub active: usize,
    pub paused: usize,
}

impl Counts {
    pub fn of(subs: &[Subscription]) -> Self {
        let active = subs.iter().filter(|s| s.is_active).count();
        Self {
            active,
            paused: subs.len() - active,
        }
    }

    pub fn all(&self) -> usize {
        self.active + self.paused
    }
}

/// Indexes of the subscriptions that pass the tab and the filter. The filter is
/// case-insensitive; several words must all match (URL, id, an event or a phone number).
/// `search` holds [`search_text`] of each subscription (kept by the app when the list
/// changes, so a keystroke does not lowercase 10,000 URLs); when it does not line up with
/// `subs`, fields are matched one by one.
/// `findings[i]`: the findings of subscription `i` (empty when not known): the Problems tab
/// shows those with an error or a warning, and a filter word also matches the start of a
/// finding's code (`paused`, `no-version`) — a prefix, so that `l` does not match every
/// `unreachable-host`.
pub fn visible_rows(
    subs: &[Subscription],
    search: &[String],
    tab: Tab,
    filter: &str,
    findings: &[Vec<Finding>],
) -> Vec<usize> {
    let words: Vec<String> = filter.split_whitespace().map(str::to_lowercase).collect();
    if matches!(tab, Tab::All) && words.is_empty() {
        // Every row (the first frame's case): sized once, nothing to test.
        return (0..subs.len()).collect();
    }
    let cached = search.len() == subs.len();
    let no_findings: &[Finding] = &[];
    subs.iter()
        .enumerate()
        .filter(|(i, s)| match tab {
            Tab::All => true,
            Tab::Active => s.is_active,
            Tab::Paused => !s.is_active,
            Tab::Problems => is_problem(findings.get(*i).map_or(no_findings, Vec::as_slice)),
        })
        .filter(|(i, s)| {
            let codes = findings.get(*i).map_or(no_findings, Vec::as_slice);
            words.iter().all(|w| {
                let in_fields = match search.get(*i) {
                    Some(text) if cached => text.contains(w.as_str()),
                    _ => matches_word(s, w),
                };
                in_fields || codes.iter().any(|f| f.code.starts_with(w.as_str()))
            })
        })
        .map(|(i, _)| i)
        .collect()
}

/// An error or a warning among `findings`: the Problems tab.
pub fn is_problem(findings: &[Finding]) -> bool {
    crate::diagnose::worst(findings) >= Some(Severity::Warning)
}

/// Everything the filter looks at, lowercased, one field per line (a filter word has no
/// whitespace, so it never matches across fields).
pub fn search_text(s: &Subscription) -> String {
    let mut text = format!("{}\n{}", s.target_url, s.id);
    let events = s.subscribed_events.iter().map(|e| e.as_str());
    for e in events.chain(s.phone_filter().iter().map(String::as_str)) {
        text.push('\n');
        text.push_str(e);
    }
    text.to_lowercase()
}

fn matches_word(s: &Subscription, word: &str) -> bool {
    let has = |text: &str| text.to_lowercase().contains(word);
    has(&s.target_url)
        || has(&s.id)
        || s.subscribed_events.iter().any(|e| has(e))
        || s.phone_filter().iter().any(|p| has(p))
}

/// "just now", "5 min ago", "3 h ago", "2 d ago": coarse on purpose, so that an idle
/// dashboard redraws at most once a minute.
pub fn refresh_label(now: OffsetDateTime, then: OffsetDateTime) -> String {
    let secs = (now - then).whole_seconds().max(0);
    match secs {
        0..=59 => "just now".into(),
        60..=3599 => format!("{} min ago", secs / 60),
        3600..=86_399 => format!("{} h ago", secs / 3600),
        _ => format!("{} d ago", secs / 86_400),
    }
}

/// Relative age for the detail pane: "just now", "5 min ago", … , "4 months ago".
pub fn age(now: OffsetDateTime, then: OffsetDateTime) -> String {
    let secs = (now - then).whole_seconds();
    // Our clock ticks once a minute, so a fresh server time can be a little ahead of it.
    if secs < -300 {
        return "in the future".into();
    }
    let days = secs / 86_400;
    match days {
        0 => refresh_label(now, then),
        1..=59 => format!("{days} d ago"),
        60..=729 => format!("{} months ago", days / 30),
        _ => format!("{} years ago", days / 365),
    }
}

/// Groups event types by their prefix (`message.*`, `chat.*`), keeping first-seen order.
pub fn group_events<'a>(events: impl IntoIterator<Item = &'a str>) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for e in events {
        let prefix = e.split('.').next().unwrap_or(e);
        match groups.iter_mut().find(|(p, _)| *p == prefix) {
            Some((_, list)) => list.push(e),
            None => groups.push((prefix, vec![e])),
        }
    }
    groups
}
