//! The account switcher (`A`): every profile, the official CLI's profiles, the
//! environment's key and the embedded sandbox. Enter switches — asking first while writes
//! are in flight, a form is open or a secret is unacknowledged. From then on the old
//! account's answers change nothing shown; its writes still in flight are audited to it
//! when they answer (see `trail.rs`), and `u` forgets what it could have undone there.

use super::keymap::Action;
use super::{
    ApiResult, App, Banner, BannerKind, Cmd, Connection, Focus, Modal, SecretDialog, Startup,
};
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
        !self.sent.is_empty()
            || self.batch.is_some()
            || self.form.is_some()
            || self.secret_dialog.is_some()
    }

    /// Requests of the bulk change under way that were not sent yet (and will not be,
    /// after a switch).
    pub fn bulk_not_sent(&self) -> usize {
        self.batch.as_ref().map_or(0, super::bulk::Batch::queued)
    }

    /// An answer to a request of an account left behind: it changes nothing shown (its
    /// audit line is already made). Only a create's one-time secret is shown: it has
    /// nowhere else to go.
    pub(super) fn on_answer_left_behind(&mut self, result: ApiResult) -> Vec<Cmd> {
        let ApiResult::Created {
            result: Ok(created),
            ..
        } = result
        else {
            return Vec::new();
        };
        let sub = created.subscription;
        if self.secret_dialog.is_some() {
            // One secret on screen at a time: say what was lost rather than hide it.
            self.banner = Some(Banner::error_text(format!(
                "{} ({}) was created on the account you left, and its signing secret could not be shown: delete and create it again there",
                clean(&sub.target_url),
                clean(&sub.id)
            )));
        } else {
            let mut dialog = SecretDialog::new(
                sub.id.clone(),
                sub.target_url.clone(),
                created.signing_secret,
            );
            dialog.note = Some("Created on the account you left, after the switch".into());
            self.secret_dialog = Some(dialog);
        }
        self.dirty = true;
        Vec::new()
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
        let in_flight = self.sent.len();
        let left_behind = clean(&self.audit_account().name).into_owned();
        self.connection = connection;
        self.current_account = index;
        self.deliveries = None;
        self.deliveries_req = None;
        self.logged.clear();
        self.rows_mut().clear();
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
        // Nothing of the old account is left to undo, mark or finish here.
        self.batch = None;
        self.undo = None;
        self.undo_check = None;
        self.recreating = None;
        self.marked.clear();
        self.test_event_req = None;
        self.deliveries_req = None;
        self.deliveries = None;
        self.banner = Some(Banner::notice(if in_flight == 0 {
            format!("Now on {label}")
        } else {
            format!(
                "Now on {label} · {in_flight} change(s) sent on {left_behind} still waiting: recorded in its history (H there) when they answer"
            )
        }));
        self.init()
    }
}
