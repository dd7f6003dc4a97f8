//! Every account at once, in the dashboard: the Accounts view (`A`) reads each other
//! account's subscriptions in the background (at most four at a time) to show its active /
//! paused / problem counts or why it could not be read; `/` there searches every account's
//! subscriptions (as `linq-hooks find`), and Enter on a hit switches to that account and
//! selects that subscription. Also the command palette (`:`) and copying rows (`y`).

use super::keymap::{self, Action, Binding, Context};
use super::{App, Banner, Cmd, Focus, Modal, Tab};
use crate::api::Subscription;
use crate::fleet::{self, Counts, MatchedOn, Needle};
use crate::text::clean;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

/// The most hits a search shows: the list stays short and the work bounded.
pub const MAX_HITS: usize = 500;

/// One other account as last read for the Accounts view.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountSummary {
    pub at: OffsetDateTime,
    pub result: Result<AccountSnapshot, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountSnapshot {
    pub counts: Counts,
    pub subscriptions: Vec<Subscription>,
}

/// One hit of the search across accounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub account: String,
    pub id: String,
    pub target_url: String,
    pub active: bool,
    pub on: MatchedOn,
}

/// `/` in the Accounts view: what is typed, its hits, the one under the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountSearch {
    pub query: String,
    pub hits: Vec<Hit>,
    pub cursor: usize,
    /// More hits than [`MAX_HITS`] were found.
    pub more: bool,
}

/// The session's view of the fleet (cached until the dashboard ends).
#[derive(Debug, Default)]
pub struct Fleet {
    pub summaries: HashMap<String, AccountSummary>,
    /// Accounts being read now.
    pub reading: HashSet<String>,
    /// After a switch started from a hit: select this subscription once the list is in.
    pub focus_after_switch: Option<String>,
}

/// The command palette (`:`): every action of the context it was opened from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    pub from: Context,
    pub query: String,
    pub cursor: usize,
}

impl Palette {
    /// The actions matching what is typed (every word somewhere in the key or its help).
    pub fn entries(&self, read_only: bool) -> Vec<&'static Binding> {
        let words: Vec<String> = self
            .query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut found: Vec<(u8, &'static Binding)> = keymap::palette(self.from, read_only)
            .into_iter()
            .filter_map(|b| {
                let help = b.help.to_lowercase();
                let text = format!("{} {help}", b.label.to_lowercase());
                if !words.iter().all(|w| text.contains(w.as_str())) {
                    return None;
                }
                // What starts with the first word ranks first ("pause" → pause ⇄ resume,
                // before "tab: paused only").
                let first = words.first().map(String::as_str).unwrap_or("");
                let rank = if help.starts_with(first) {
                    0
                } else if help.split_whitespace().any(|w| w.starts_with(first)) {
                    1
                } else {
                    2
                };
                Some((rank, b))
            })
            .collect();
        found.sort_by_key(|(rank, _)| *rank);
        found.into_iter().map(|(_, b)| b).collect()
    }
}

/// Longest text typed into the palette or the account search.
const QUERY_LIMIT: usize = fleet::MAX_NEEDLE;

impl App {
    /// Opening the Accounts view starts reading every other account not read yet.
    pub(super) fn read_other_accounts(&mut self) -> Vec<Cmd> {
        let current = self.current_account().map(|a| a.name.clone());
        let names: Vec<String> = self
            .accounts
            .iter()
            .map(|a| a.name.clone())
            .filter(|n| Some(n) != current.as_ref())
            .filter(|n| !self.fleet.summaries.contains_key(n) && !self.fleet.reading.contains(n))
            .collect();
        if names.is_empty() {
            return Vec::new();
        }
        self.fleet.reading.extend(names.iter().cloned());
        vec![Cmd::ReadAccounts { names }]
    }

    /// An account's list for the overview arrived (or could not be read).
    pub(super) fn on_account_read(
        &mut self,
        name: String,
        at: OffsetDateTime,
        result: Result<Vec<Subscription>, String>,
    ) -> Vec<Cmd> {
        if !self.fleet.reading.remove(&name) {
            return Vec::new();
        }
        let sandbox = self
            .accounts
            .iter()
            .find(|a| a.name == name)
            .is_some_and(|a| a.is_sandbox());
        let result = result.map(|subscriptions| AccountSnapshot {
            counts: Counts::of(&subscriptions, sandbox),
            subscriptions,
        });
        self.fleet
            .summaries
            .insert(name, AccountSummary { at, result });
        if let Some(Modal::Accounts { search, .. }) = &mut self.modal {
            // New hits may have arrived for the search on screen.
            if let Some(query) = search.as_ref().map(|s| s.query.clone()) {
                let found = self.search_accounts(&query);
                if let Some(Modal::Accounts {
                    search: Some(search),
                    ..
                }) = &mut self.modal
                {
                    let keep = search.cursor;
                    *search = found;
                    search.cursor = keep.min(search.hits.len().saturating_sub(1));
                }
            }
        }
        self.dirty = true;
        Vec::new()
    }

    /// The counts of account `name` as the view shows them: live for the current account.
    pub fn account_counts(&self, name: &str) -> Option<Result<(Counts, Option<i64>), String>> {
        if self.current_account().is_some_and(|a| a.name == name) {
            let counts = Counts {
                active: self.counts.active,
                paused: self.counts.paused,
                errors: self
                    .findings
                    .iter()
                    .filter(|f| crate::diagnose::worst(f) == Some(crate::diagnose::Severity::Error))
                    .count(),
                warnings: self
                    .findings
                    .iter()
                    .filter(|f| {
                        crate::diagnose::worst(f) == Some(crate::diagnose::Severity::Warning)
                    })
                    .count(),
            };
            return Some(Ok((counts, None)));
        }
        let summary = self.fleet.summaries.get(name)?;
        let age = (self.now - summary.at).whole_seconds().max(0);
        Some(
            summary
                .result
                .as_ref()
                .map(|s| (s.counts, Some(age)))
                .map_err(Clone::clone),
        )
    }

    /// Whether account `name` is being read now.
    pub fn account_reading(&self, name: &str) -> bool {
        self.fleet.reading.contains(name)
    }

    /// Every account's hits for `query`, in the view's account order, at most [`MAX_HITS`].
    fn search_accounts(&self, query: &str) -> AccountSearch {
        let mut search = AccountSearch {
            query: query.to_string(),
            ..AccountSearch::default()
        };
        let Ok(needle) = Needle::new(query) else {
            return search;
        };
        let current = self.current_account().map(|a| a.name.as_str());
        for account in &self.accounts {
            let subs: &[Subscription] = if Some(account.name.as_str()) == current {
                &self.subscriptions
            } else {
                match self.fleet.summaries.get(&account.name).map(|s| &s.result) {
                    Some(Ok(snapshot)) => &snapshot.subscriptions,
                    _ => continue,
                }
            };
            for sub in subs {
                let Some(on) = fleet::matches(sub, &needle) else {
                    continue;
                };
                if search.hits.len() == MAX_HITS {
                    search.more = true;
                    return search;
                }
                search.hits.push(Hit {
                    account: account.name.clone(),
                    id: sub.id.clone(),
                    target_url: sub.target_url.clone(),
                    active: sub.is_active,
                    on,
                });
            }
        }
        search
    }

    /// Keys of the search across accounts: arrows move, Enter goes, Esc back to the
    /// accounts; other keys edit the text.
    pub(super) fn account_search_action(&mut self, action: Action) -> Vec<Cmd> {
        let Some(Modal::Accounts { search, .. }) = &mut self.modal else {
            return Vec::new();
        };
        match action {
            Action::AccountSearch => {
                *search = Some(AccountSearch::default());
            }
            Action::HitDown => {
                if let Some(s) = search {
                    s.cursor = (s.cursor + 1).min(s.hits.len().saturating_sub(1));
                }
            }
            Action::HitUp => {
                if let Some(s) = search {
                    s.cursor = s.cursor.saturating_sub(1);
                }
            }
            Action::HitClose => *search = None,
            Action::HitPick => {
                let Some(hit) = search.as_ref().and_then(|s| s.hits.get(s.cursor)).cloned() else {
                    return Vec::new();
                };
                return self.go_to_hit(hit);
            }
            _ => {}
        }
        Vec::new()
    }

    /// Typing into the search across accounts.
    pub(super) fn account_search_key(&mut self, edit: TextKey) {
        let Some(Modal::Accounts {
            search: Some(search),
            ..
        }) = &self.modal
        else {
            return;
        };
        let Some(query) = edit.apply(&search.query) else {
            return;
        };
        let found = self.search_accounts(&query);
        if let Some(Modal::Accounts { search, .. }) = &mut self.modal {
            *search = Some(found);
        }
        self.dirty = true;
    }

    fn go_to_hit(&mut self, hit: Hit) -> Vec<Cmd> {
        let to = self.accounts.iter().position(|a| a.name == hit.account);
        if to.is_none() || to == self.current_account {
            self.modal = None;
            self.show_subscription(&hit.id);
            return Vec::new();
        }
        self.fleet.focus_after_switch = Some(hit.id);
        self.ask_switch(to.unwrap_or_default())
    }

    /// Selects subscription `id` in the list, making it visible (tab All, no filter).
    pub(super) fn show_subscription(&mut self, id: &str) {
        if !self.subscriptions.iter().any(|s| s.id == id) {
            self.banner = Some(Banner::notice(
                "That subscription is no longer in this account's list",
            ));
            return;
        }
        self.filter.reset();
        self.set_tab(Tab::All);
        self.selected = Some(id.to_string());
        self.focus = Focus::List;
        self.detail_scroll = 0;
        self.refilter();
        self.keep_selection_in_view();
        self.dirty = true;
    }

    /// After a switch started from a hit, the new account's first list selects it.
    pub(super) fn focus_after_switch(&mut self) {
        if let Some(id) = self.fleet.focus_after_switch.take() {
            self.show_subscription(&id);
        }
    }

    /// `:` opens the palette over the list or the detail pane.
    pub(super) fn open_palette(&mut self) {
        self.modal = Some(Modal::Palette(Palette {
            from: self.context(),
            query: String::new(),
            cursor: 0,
        }));
    }

    pub(super) fn palette_action(&mut self, action: Action) -> Vec<Cmd> {
        let read_only = self.connection.read_only;
        let Some(Modal::Palette(palette)) = &mut self.modal else {
            return Vec::new();
        };
        let count = palette.entries(read_only).len();
        match action {
            Action::PaletteDown => {
                palette.cursor = (palette.cursor + 1).min(count.saturating_sub(1))
            }
            Action::PaletteUp => palette.cursor = palette.cursor.saturating_sub(1),
            Action::PaletteClose => self.modal = None,
            Action::PaletteRun => {
                let chosen = palette
                    .entries(read_only)
                    .get(palette.cursor)
                    .map(|b| b.action);
                self.modal = None;
                // The same Msg path as the key: the action, in the context it was opened from.
                if let Some(action) = chosen {
                    return self.act(action);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    pub(super) fn palette_key(&mut self, edit: TextKey) {
        if let Some(Modal::Palette(palette)) = &mut self.modal {
            if let Some(query) = edit.apply(&palette.query) {
                palette.query = query;
                palette.cursor = 0;
                self.dirty = true;
            }
        }
    }

    /// `y`: the marked rows (or the selected one) as `id<TAB>status<TAB>target` lines,
    /// cleaned as drawn, through the clipboard path `c` uses.
    pub(super) fn copy_rows(&mut self) -> Vec<Cmd> {
        let rows: Vec<&Subscription> = if self.marked.is_empty() {
            self.selected_subscription().into_iter().collect()
        } else {
            self.subscriptions
                .iter()
                .filter(|s| self.marked.contains(&s.id))
                .collect()
        };
        if rows.is_empty() {
            return Vec::new();
        }
        let mut text = String::new();
        for sub in &rows {
            text.push_str(&format!(
                "{}\t{}\t{}\n",
                clean(&sub.id),
                if sub.is_active { "active" } else { "paused" },
                clean(&sub.target_url)
            ));
        }
        let what = if rows.len() == 1 {
            "1 row".to_string()
        } else {
            format!("{} rows", rows.len())
        };
        vec![Cmd::Copy { text, what }]
    }
}

/// An edit of a one-line query (the palette, the account search).
#[derive(Debug, Clone, Copy)]
pub enum TextKey {
    Char(char),
    Backspace,
    Clear,
}

impl TextKey {
    /// The query after this edit; `None` when nothing changes (or it would pass the limit).
    fn apply(self, query: &str) -> Option<String> {
        let mut out = query.to_string();
        match self {
            TextKey::Char(c) if !c.is_control() => {
                if out.chars().count() >= QUERY_LIMIT {
                    return None;
                }
                out.push(c);
            }
            TextKey::Char(_) => return None,
            TextKey::Backspace => {
                out.pop()?;
            }
            TextKey::Clear => out.clear(),
        }
        Some(out)
    }
}
