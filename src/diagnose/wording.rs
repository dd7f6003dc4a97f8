//! The words of findings: values shortened and cleaned, lists, plurals.

use super::*;

/// The longest value shown in a message, in characters.
pub(super) const SHOWN_CHARS: usize = 48;
/// How many values a list shows before "and N more".
pub(super) const LISTED: usize = 5;

/// A value from the API or the user, safe for one terminal line (borrowed when it is
/// already: a finding of every row of 10,000 copies nothing here).
pub(super) fn shown(s: &str) -> Cow<'_, str> {
    let cleaned = clean(s);
    if cleaned.chars().count() <= SHOWN_CHARS {
        return cleaned;
    }
    let mut cut: String = cleaned.chars().take(SHOWN_CHARS - 1).collect();
    cut.push('…');
    Cow::Owned(cut)
}

pub(super) fn list<S: AsRef<str>>(items: &[S]) -> String {
    let mut text = items
        .iter()
        .take(LISTED)
        .map(|s| shown(s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ");
    text.push_str(&and_more(items.len().saturating_sub(LISTED)));
    text
}

pub(super) fn and_more(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" and {n} more")
    }
}

pub(super) fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 {
        one
    } else {
        many
    }
}

pub(super) fn is_are(n: usize) -> &'static str {
    plural(n, "is", "are")
}

pub(super) fn them(n: usize) -> &'static str {
    plural(n, "it", "them")
}
