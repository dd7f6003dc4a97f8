//! The account switcher (`A`): every profile, the official CLI's profiles, the
//! environment's key and the embedded sandbox. Enter switches — asking first while writes
//! are in flight, a form is open or a secret is unacknowledged; answers of the old
//! account are ignored from then on.

use super::keymap::Action;
use super::{App, Banner, BannerKind, Cmd, Connection, Focus, Modal, Startup};
use crate::config::AccountEntry;
use crate::text::clean;

impl App {
    /// The accounts the switcher offers, and which of them this session started on.
    pub fn with_accounts(mut self, accounts: Vec<AccountEntry>, current: &str) -> Self {
        self.current_account = accounts.iter().position(|a| a.name == current);
        self.accounts = accounts;
        self
    }

    pub fn current_account(&self) -> Option<&AccountEntry> {
        self.current_account.and_then(|i| self.accounts.get(i))
    }

    pub(super) fn open_accounts(&mut self) -> Vec<Cmd> {
        if self.accounts.is_empty() {
            self.banner = Some(Banner::notice(
                "No other accounts: add profiles to config.toml",
            ));
            return Vec::new();
        }
        self.modal = Some(Modal::Accounts {
            cursor: self.current_account.unwrap_or(0),
            search: None,
        });
        self.read_other_accounts()
    }

    pub(super) fn account_action(&mut self, action: Action) -> Vec<Cmd> {
        match (action, &mut self.modal) {
            (Action::AccountSearch, Some(Modal::Accounts { .. })) => {
                return self.account_search_action(action);
            }
            (Action::AccountDown, Some(Modal::Accounts { cursor, .. })) => {
                *cursor = (*cursor + 1).min(self.accounts.len().saturating_sub(1));
            }
            (Action::AccountUp, Some(Modal::Accounts { cursor, .. })) => {
                *cursor = cursor.saturating_sub(1);
            }
            (Action::AccountPick, Some(Modal::Accounts { cursor, .. })) => {
                let to = *cursor;
                if Some(to) == self.current_account {
                    self.modal = None;
                } else {
                    return self.ask_switch(to);
                }
            }
            (Action::SwitchYes, Some(Modal::ConfirmSwitch { to })) => {
                let to = *to;
                return self.start_switch(to);
            }
            (Action::AccountClose | Action::SwitchNo, _) => {
                self.modal = None;
                self.fleet.focus_after_switch = None;
            }
            _ => {}
        }
        Vec::new()
    }

    /// Switches to account `to`, asking first when that would drop something.
    pub(super) fn ask_switch(&mut self, to: usize) -> Vec<Cmd> {
        if self.switch_loses_something() {
            self.modal = Some(Modal::ConfirmSwitch { to });
            Vec::new()
        } else {
            self.start_switch(to)
        }
    }

    /// What a switch would drop: writes in flight, a draft, an unacknowledged secret.
    pub fn switch_loses_something(&self) -> bool {
        !self.pending.is_empty() || self.form.is_some() || self.secret_dialog.is_some()
    }

    fn start_switch(&mut self, to: usize) -> Vec<Cmd> {
        self.modal = None;
        let Some(entry) = self.accounts.get(to) else {
            return Vec::new();
        };
        let name = entry.name.clone();
        self.banner = Some(
            Banner::notice(format!("Switching to {}…", clean(&entry.label)))
                .of_kind(BannerKind::Waiting),
        );
        self.switching = Some(name.clone());
        vec![Cmd::SwitchAccount { name }]
    }

    /// The runtime connected to `to` (or could not). On success every trace of the old
    /// account goes: its list, its writes in flight, its forms; its late answers are
    /// ignored (request ids below the floor).
    pub(super) fn on_switched(
        &mut self,
        to: String,
        result: Result<Connection, String>,
    ) -> Vec<Cmd> {
        if self.switching.as_deref() != Some(to.as_str()) {
            return Vec::new();
        }
        self.switching = None;
        self.dirty = true;
        let index = self.accounts.iter().position(|a| a.name == to);
        let label = index
            .and_then(|i| self.accounts.get(i))
            .map(|a| clean(&a.label).into_owned())
            .unwrap_or_else(|| clean(&to).into_owned());
        let connection = match result {
            Ok(connection) => connection,
            Err(reason) => {
                self.fleet.focus_after_switch = None;
                self.banner = Some(Banner::error_text(format!(
                    "Cannot switch to {label}: {}",
                    clean(&reason)
                )));
                return Vec::new();
            }
        };
        self.req_floor = self.next_req;
        self.connection = connection;
        self.current_account = index;
        self.subscriptions.clear();
        self.visible.clear();
        self.search.clear();
        self.counts = Default::default();
        self.startup = Startup::Loading;
        self.last_refresh = None;
        self.selected = None;
        self.scroll = 0;
        self.selected_hint = 0;
        self.detail_scroll = 0;
        self.focus = Focus::List;
        self.modal = None;
        self.pending.clear();
        self.list_req = None;
        self.list_again = false;
        self.lines = None;
        self.lines_error = None;
        self.lines_req = None;
        self.form = None;
        self.secret_dialog = None;
        self.lost_create = None;
        self.banner = Some(Banner::notice(format!("Now on {label}")));
        self.init()
    }
}
