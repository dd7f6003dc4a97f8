//! `H`: the audit trail of the account, newest first. The entries of one bulk change share
//! a batch id and show as one row (`pause ×8 · 8 ok`); Enter on it shows its entries.

use crate::audit::AuditEntry;
use std::collections::BTreeSet;

/// The history overlay's state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryView {
    /// `None` while the trail is read.
    pub entries: Option<Result<Vec<AuditEntry>, String>>,
    /// The rows, built once when the entries arrive.
    pub items: Vec<HistoryItem>,
    /// The batches whose entries are shown under their row.
    pub expanded: BTreeSet<String>,
    /// Index into [`HistoryView::rows`].
    pub cursor: usize,
}

/// One row of the history before expansion: an entry, or every entry of a bulk change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryItem {
    Single(usize),
    /// Indexes into the entries, newest first.
    Batch {
        id: String,
        members: Vec<usize>,
    },
}

/// A row as drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryRow<'a> {
    Single(&'a AuditEntry),
    Batch {
        id: &'a str,
        members: &'a [usize],
        expanded: bool,
    },
    /// An entry of an expanded batch, drawn indented under it.
    Member(&'a AuditEntry),
}

/// Groups entries (newest first) by batch; a batch sits where its newest entry is. A batch
/// of one entry is just that entry.
pub fn group(entries: &[AuditEntry]) -> Vec<HistoryItem> {
    let mut items: Vec<HistoryItem> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = Default::default();
    for (i, entry) in entries.iter().enumerate() {
        match entry.batch.as_deref() {
            Some(batch) => match at.get(batch) {
                Some(&slot) => {
                    if let HistoryItem::Batch { members, .. } = &mut items[slot] {
                        members.push(i);
                    }
                }
                None => {
                    at.insert(batch, items.len());
                    items.push(HistoryItem::Batch {
                        id: batch.to_string(),
                        members: vec![i],
                    });
                }
            },
            None => items.push(HistoryItem::Single(i)),
        }
    }
    items
        .into_iter()
        .map(|item| match item {
            HistoryItem::Batch { members, .. } if members.len() == 1 => {
                HistoryItem::Single(members[0])
            }
            other => other,
        })
        .collect()
}

/// `pause ×8 · 7 ok · 1 failed`: what a bulk change did, on one line.
pub fn batch_summary(entries: &[AuditEntry], members: &[usize]) -> String {
    let of = |i: &usize| entries.get(*i);
    let mut operations: Vec<&str> = Vec::new();
    for e in members.iter().filter_map(of) {
        if !operations.contains(&e.operation.as_str()) {
            operations.push(&e.operation);
        }
    }
    let (mut ok, mut failed, mut unknown) = (0, 0, 0);
    for e in members.iter().filter_map(of) {
        match (e.outcome.ok, e.outcome.unknown) {
            (true, _) => ok += 1,
            (false, true) => unknown += 1,
            (false, false) => failed += 1,
        }
    }
    // Oldest first reads as what happened: `undo-delete + pause`.
    operations.reverse();
    let mut text = format!("{} ×{}", operations.join(" + "), members.len());
    for (n, word) in [(ok, "ok"), (failed, "failed"), (unknown, "unknown")] {
        if n > 0 {
            text.push_str(&format!(" · {n} {word}"));
        }
    }
    text
}

impl HistoryView {
    pub fn loaded(&mut self, result: Result<Vec<AuditEntry>, String>) {
        self.items = match &result {
            Ok(entries) => group(entries),
            Err(_) => Vec::new(),
        };
        self.entries = Some(result);
        self.cursor = 0;
        self.expanded.clear();
    }

    /// The rows as drawn: items, with the entries of expanded batches under them.
    pub fn rows(&self) -> Vec<HistoryRow<'_>> {
        let Some(Ok(entries)) = &self.entries else {
            return Vec::new();
        };
        let mut rows = Vec::with_capacity(self.items.len());
        for item in &self.items {
            match item {
                HistoryItem::Single(i) => {
                    if let Some(e) = entries.get(*i) {
                        rows.push(HistoryRow::Single(e));
                    }
                }
                HistoryItem::Batch { id, members } => {
                    let expanded = self.expanded.contains(id);
                    rows.push(HistoryRow::Batch {
                        id,
                        members,
                        expanded,
                    });
                    if expanded {
                        rows.extend(
                            members
                                .iter()
                                .filter_map(|i| entries.get(*i))
                                .map(HistoryRow::Member),
                        );
                    }
                }
            }
        }
        rows
    }

    pub fn move_cursor(&mut self, down: bool) {
        let last = self.rows().len().saturating_sub(1);
        self.cursor = if down {
            (self.cursor + 1).min(last)
        } else {
            self.cursor.saturating_sub(1)
        };
    }

    /// Enter: a batch row opens or closes; on one of its entries, the batch closes and
    /// the cursor goes back to its row.
    pub fn toggle(&mut self) {
        let rows = self.rows();
        let Some(row) = rows.get(self.cursor) else {
            return;
        };
        let (batch, row_at) = match row {
            HistoryRow::Batch { id, .. } => (id.to_string(), self.cursor),
            HistoryRow::Member(_) => {
                let Some((at, id)) =
                    rows[..self.cursor]
                        .iter()
                        .enumerate()
                        .rev()
                        .find_map(|(at, r)| match r {
                            HistoryRow::Batch { id, .. } => Some((at, id.to_string())),
                            _ => None,
                        })
                else {
                    return;
                };
                (id, at)
            }
            HistoryRow::Single(_) => return,
        };
        if !self.expanded.remove(&batch) {
            self.expanded.insert(batch);
        }
        self.cursor = row_at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditAccount, Outcome};

    fn entry(op: &str, batch: Option<&str>, outcome: Outcome) -> AuditEntry {
        AuditEntry::new(
            &AuditAccount::default(),
            op,
            "dashboard",
            time::OffsetDateTime::UNIX_EPOCH,
        )
        .in_batch(batch)
        .outcome(outcome)
    }

    #[test]
    fn a_bulk_change_is_one_row_that_enter_opens_and_closes() {
        let failed = Outcome {
            ok: false,
            status: Some(500),
            ..Outcome::default()
        };
        // Newest first: a later single resume, then the eight of a bulk pause, with an
        // unrelated change of another session in the middle.
        let mut entries = vec![entry("resume", None, Outcome::ok(200))];
        for i in 0..8 {
            let outcome = match i {
                0 => failed.clone(),
                1 => Outcome::unknown("the session ended before the server answered"),
                _ => Outcome::ok(200),
            };
            entries.push(entry("pause", Some("b1"), outcome));
            if i == 3 {
                entries.push(entry("delete", None, Outcome::ok(204)));
            }
        }
        let mut view = HistoryView::default();
        view.loaded(Ok(entries.clone()));
        let rows = view.rows();
        assert_eq!(rows.len(), 3, "{rows:?}");
        let HistoryRow::Batch {
            members, expanded, ..
        } = rows[1]
        else {
            panic!("{rows:?}")
        };
        assert!(!expanded);
        assert_eq!(
            batch_summary(&entries, members),
            "pause ×8 · 6 ok · 1 failed · 1 unknown"
        );
        view.move_cursor(true);
        view.toggle();
        let rows = view.rows();
        assert_eq!(rows.len(), 11);
        assert!(matches!(rows[2], HistoryRow::Member(e) if e.operation == "pause"));
        assert!(matches!(rows[10], HistoryRow::Single(e) if e.operation == "delete"));
        // Enter on a member closes its batch and returns to its row.
        view.move_cursor(true);
        view.move_cursor(true);
        view.toggle();
        assert_eq!(view.rows().len(), 3);
        assert_eq!(view.cursor, 1);
        // The cursor stops at the last row.
        for _ in 0..10 {
            view.move_cursor(true);
        }
        assert_eq!(view.cursor, 2);
    }

    #[test]
    fn a_batch_of_one_is_a_plain_row() {
        let entries = vec![entry("pause", Some("b2"), Outcome::ok(200))];
        assert_eq!(group(&entries), [HistoryItem::Single(0)]);
    }
}
