//! The form's event checklist: the catalogue grouped by prefix, unknown types kept, a
//! filter over the names.

use std::collections::BTreeSet;
use tui_input::Input;

/// One row of the event checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckRow {
    Group {
        prefix: String,
        selected: usize,
        total: usize,
    },
    Event {
        name: String,
        unknown: bool,
    },
}

/// The event checklist: the catalogue grouped by prefix, plus any unknown types the
/// subscription already has (kept, marked unknown).
#[derive(Debug, Clone)]
pub struct Checklist {
    /// Catalogue order, then unknown types.
    pub all: Vec<String>,
    pub unknown: BTreeSet<String>,
    pub selected: BTreeSet<String>,
    pub cursor: usize,
    pub filter: Input,
    pub filtering: bool,
}

impl Checklist {
    pub fn new<E: AsRef<str>>(catalog: &[String], current: &[E]) -> Self {
        let mut all: Vec<String> = catalog.to_vec();
        let mut unknown = BTreeSet::new();
        for e in current.iter().map(AsRef::as_ref) {
            if !all.iter().any(|k| k == e) {
                all.push(e.to_string());
                unknown.insert(e.to_string());
            }
        }
        Self {
            all,
            unknown,
            selected: current.iter().map(|e| e.as_ref().to_string()).collect(),
            cursor: 0,
            filter: Input::default(),
            filtering: false,
        }
    }

    fn matches(&self, name: &str) -> bool {
        let q = self.filter.value().trim().to_lowercase();
        q.is_empty() || name.to_lowercase().contains(&q)
    }

    /// The visible rows: group headers with their visible events.
    pub fn rows(&self) -> Vec<CheckRow> {
        let mut rows = Vec::new();
        let visible: Vec<&String> = self.all.iter().filter(|e| self.matches(e)).collect();
        let mut groups: Vec<(&str, Vec<&String>)> = Vec::new();
        for e in visible {
            let prefix = if self.unknown.contains(e.as_str()) {
                "unknown"
            } else {
                e.split('.').next().unwrap_or(e)
            };
            match groups.iter_mut().find(|(p, _)| *p == prefix) {
                Some((_, list)) => list.push(e),
                None => groups.push((prefix, vec![e])),
            }
        }
        for (prefix, events) in groups {
            rows.push(CheckRow::Group {
                prefix: prefix.to_string(),
                selected: events
                    .iter()
                    .filter(|e| self.selected.contains(e.as_str()))
                    .count(),
                total: events.len(),
            });
            for e in events {
                rows.push(CheckRow::Event {
                    name: e.clone(),
                    unknown: self.unknown.contains(e.as_str()),
                });
            }
        }
        rows
    }

    pub fn clamp_cursor(&mut self) {
        let n = self.rows().len();
        self.cursor = self.cursor.min(n.saturating_sub(1));
    }

    /// Space: an event flips; a group header selects the whole visible group, or clears it
    /// when all of it is selected.
    pub fn toggle(&mut self) {
        let rows = self.rows();
        match rows.get(self.cursor) {
            Some(CheckRow::Event { name, .. }) => flip(&mut self.selected, name),
            Some(CheckRow::Group {
                selected, total, ..
            }) => {
                let all_on = selected == total;
                let members: Vec<String> = rows[self.cursor + 1..]
                    .iter()
                    .map_while(|r| match r {
                        CheckRow::Event { name, .. } => Some(name.clone()),
                        CheckRow::Group { .. } => None,
                    })
                    .collect();
                for m in members {
                    if all_on {
                        self.selected.remove(&m);
                    } else {
                        self.selected.insert(m);
                    }
                }
            }
            None => {}
        }
    }

    /// `a` / `A`: select or clear every visible event.
    pub fn set_visible(&mut self, on: bool) {
        let visible: Vec<String> = self
            .all
            .iter()
            .filter(|e| self.matches(e))
            .cloned()
            .collect();
        for e in visible {
            if on {
                self.selected.insert(e);
            } else {
                self.selected.remove(&e);
            }
        }
    }

    /// The list to send: the original order for events kept, new ones in catalogue order.
    pub fn events_in_order<E: AsRef<str>>(&self, original: &[E]) -> Vec<String> {
        let mut out: Vec<String> = original
            .iter()
            .map(AsRef::as_ref)
            .filter(|e| self.selected.contains(*e))
            .map(str::to_string)
            .collect();
        for e in &self.all {
            if self.selected.contains(e) && !out.contains(e) {
                out.push(e.clone());
            }
        }
        out
    }
}

fn flip(set: &mut BTreeSet<String>, name: &str) {
    if !set.remove(name) {
        set.insert(name.to_string());
    }
}
