//! The pure state machine: `App::update(Msg) -> Vec<Cmd>`. No IO, no terminal, no tokio:
//! everything here is driven by messages and unit-tested as such.

mod accounts;
mod answers;
mod banner;
pub mod bulk;
mod checklist;
pub mod cmd;
pub mod deliveries;
pub mod export;
pub mod fleet_view;
mod form_save;
mod form_update;
pub mod forms;
pub mod geometry;
pub mod history;
mod input;
pub mod keymap;
mod list_update;
mod modal;
pub mod msg;
pub mod probes;
pub mod rotation;
pub mod test_delivery;
pub mod text_input;
mod trail;
pub mod undo;
pub mod verify;
pub mod view;
mod writes;

use crate::api::{PhoneNumber, Subscription};
use crate::text::clean;
pub use banner::{banner_text, failure_heading, Banner, BannerKind, BannerLevel};
pub use cmd::Cmd;
use form_update::TextEdit;
pub use form_update::{CreateCheck, SecretDialog, SECRET_WHAT};
use forms::Form;
use keymap::Context;
pub use modal::Modal;
pub use msg::{ApiResult, CopyOutcome, Msg, ReqId};
use std::collections::HashMap;
use time::OffsetDateTime;
use tui_input::Input;
pub use view::{age, group_events, payload_version, refresh_label, Counts};

/// The bundled event catalogue (linq-api.md §9), used until `GET /v3/webhook-events` answers
/// and whenever it cannot.
pub const BUNDLED_EVENTS: &str = include_str!("../../assets/webhook-event-types.txt");

/// What the header says about where we are connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub base_url: String,
    /// The embedded sandbox, not Linq.
    pub sandbox: bool,
    /// `…abcd` of a real key; never the key itself.
    pub key_hint: Option<String>,
    pub read_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    All,
    Active,
    Paused,
    /// Subscriptions with an error or a warning among their findings.
    Problems,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    List,
    Detail,
    Filter,
}

/// A write in flight for one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub req: ReqId,
    pub op: PendingOp,
    /// For messages after the row may have left the list.
    pub target_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingOp {
    /// Shown optimistically as `!was_active` until the server answers.
    Pause {
        was_active: bool,
    },
    Delete,
    /// Any other PUT (an undone edit): shown as it is until the server answers.
    Update,
}

/// The state of the first load, before there is a list to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Startup {
    Loading,
    /// The first rows of the first list are shown; the rest is being read.
    FirstRows,
    /// The first list failed: a heading from [`failure_heading`] and the error.
    Failed {
        heading: &'static str,
        detail: String,
    },
    Ready,
}

#[derive(Debug)]
pub struct App {
    pub connection: Connection,
    /// Every subscription of the account, sorted by (created_at, id).
    pub subscriptions: Vec<Subscription>,
    /// Indexes into `subscriptions` that pass the tab and the filter, kept up to date by
    /// `update` so that drawing never filters.
    pub visible: Vec<usize>,
    /// The findings of each subscription (`diagnose`), rebuilt with the list.
    pub findings: Vec<Vec<crate::diagnose::Finding>>,
    pub problem_count: usize,
    /// Only the rows on screen have their findings yet (a large list just arrived); the
    /// rest follow right after the frame ([`Msg::FinishFindings`]).
    pub findings_partial: bool,
    /// Input that came while only a list's first rows were shown: handled, in order, once
    /// the whole list is here (or the first rows are gone), so that none acts on a part.
    held: Vec<Msg>,
    /// `view::search_text` of each subscription: built by the first filter after a list change.
    search: Vec<String>,
    pub counts: Counts,
    pub startup: Startup,
    pub last_refresh: Option<OffsetDateTime>,
    pub now: OffsetDateTime,
    pub tab: Tab,
    pub filter: Input,
    pub focus: Focus,
    pub selected: Option<String>,
    /// First visible row of the list viewport.
    pub scroll: usize,
    /// Where the selected row was last seen in `visible` (a hint, always re-checked).
    selected_hint: usize,
    pub detail_scroll: u16,
    pub help_scroll: u16,
    pub modal: Option<Modal>,
    pub banner: Option<Banner>,
    pub pending: HashMap<String, Pending>,
    /// The list request whose answer we wait for, and whether it is a quiet auto-refresh.
    pub list_req: Option<(ReqId, bool)>,
    /// The digest of the answer `subscriptions` was read from; `None` once anything but a
    /// list changed them (a write's answer, an optimistic pause, a switch).
    list_digest: Option<u64>,
    /// `r` was pressed while a list was in flight: one more list when it answers, so the
    /// list shown is never older than the last press (and presses never pile up requests).
    list_again: bool,
    catalog_req: Option<ReqId>,
    /// Known event types: the server's catalogue, else the bundled one.
    pub catalog: Vec<String>,
    pub catalog_from_server: bool,
    pub spinner: usize,
    pub size: (u16, u16),
    /// The create/edit form, when open (it replaces the list and detail).
    pub form: Option<Form>,
    /// The one-time secret dialog: the only place the secret lives.
    pub secret_dialog: Option<SecretDialog>,
    /// A subscription that exists but whose create answer (and secret) was lost: (id, URL).
    pub lost_create: Option<(String, String)>,
    /// The account's phone lines (fetched when a form first opens).
    pub lines: Option<Vec<PhoneNumber>>,
    pub lines_error: Option<String>,
    lines_req: Option<ReqId>,
    next_req: ReqId,
    /// A write the server accepted landed in this update: a list already in flight may
    /// predate it, so it is asked again (latest wins).
    write_landed: bool,
    /// Rows marked with Space / `*`, for a bulk change.
    pub marked: std::collections::BTreeSet<String>,
    /// The bulk change under way.
    pub batch: Option<bulk::Batch>,
    /// What `u` takes back.
    pub undo: Option<undo::Undo>,
    /// The list `u` asked for, to check nothing changed since.
    undo_check: Option<ReqId>,
    /// An undone delete on its way back (created again, then paused if it was).
    recreating: Option<undo::Recreating>,
    /// Every write sent and not yet answered, with the account it went to: its answer is
    /// audited whenever it comes, even after a switch of account.
    sent: HashMap<ReqId, trail::SentWrite>,
    /// The test event on its way (`t`).
    test_event_req: Option<ReqId>,
    /// The delivery attempts asked for, and the last ones seen: (subscription id, rows).
    deliveries_req: Option<ReqId>,
    pub deliveries: Option<deliveries::DeliveryLog>,
    /// The delivery-log findings of each subscription whose log was read this session
    /// (by id): they join its configuration findings, so the marker column and the
    /// Problems tab show them too.
    pub logged: std::collections::HashMap<String, Vec<crate::diagnose::Finding>>,
    /// Secret rotations: the pairs in progress and the steps in flight (`R`).
    pub rotation: rotation::Rotation,
    /// The verify screen (`V`), when open.
    pub verify: Option<verify::VerifyScreen>,
    /// The export dialog (`X`), when open.
    pub export: Option<export::ExportDialog>,
    /// The signed test delivery's dialog (`T`), when open: the only place its secret lives.
    pub delivery_dialog: Option<test_delivery::DeliveryDialog>,
    /// Every account the switcher offers, and the one in use.
    pub accounts: Vec<crate::config::AccountEntry>,
    pub current_account: Option<usize>,
    /// Other accounts as read for the Accounts view, and the search across them.
    pub fleet: fleet_view::Fleet,
    /// The account being switched to, until the runtime answers.
    pub switching: Option<String>,
    /// Answers to requests below this id belong to an account left behind: only audited.
    req_floor: ReqId,
    /// Endpoint probes (`P`): finished ones per URL for the session, running ones.
    pub probes: probes::Probes,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    pub quitting: bool,
    /// Set when a signal ended the session: the process exits with it.
    pub exit_code: Option<i32>,
}
impl App {
    pub fn new(connection: Connection, now: OffsetDateTime, size: (u16, u16)) -> Self {
        Self {
            connection,
            subscriptions: Vec::new(),
            visible: Vec::new(),
            search: Vec::new(),
            counts: Counts::default(),
            findings: Vec::new(),
            problem_count: 0,
            findings_partial: false,
            held: Vec::new(),
            startup: Startup::Loading,
            last_refresh: None,
            now,
            tab: Tab::All,
            filter: Input::default(),
            focus: Focus::List,
            selected: None,
            scroll: 0,
            selected_hint: 0,
            detail_scroll: 0,
            help_scroll: 0,
            modal: None,
            banner: None,
            pending: HashMap::new(),
            list_req: None,
            list_digest: None,
            list_again: false,
            catalog_req: None,
            catalog: BUNDLED_EVENTS
                .lines()
                .map(str::to_string)
                .filter(|l| !l.is_empty())
                .collect(),
            catalog_from_server: false,
            spinner: 0,
            size,
            form: None,
            secret_dialog: None,
            lost_create: None,
            lines: None,
            lines_error: None,
            lines_req: None,
            next_req: 1,
            write_landed: false,
            marked: Default::default(),
            batch: None,
            undo: None,
            undo_check: None,
            recreating: None,
            sent: HashMap::new(),
            test_event_req: None,
            deliveries_req: None,
            deliveries: None,
            logged: Default::default(),
            verify: None,
            rotation: Default::default(),
            export: None,
            delivery_dialog: None,
            accounts: Vec::new(),
            current_account: None,
            fleet: Default::default(),
            switching: None,
            req_floor: 0,
            probes: Default::default(),
            dirty: true,
            quitting: false,
            exit_code: None,
        }
    }

    /// The commands to run at start: the list and the event catalogue.
    pub fn init(&mut self) -> Vec<Cmd> {
        let mut cmds = vec![self.load_list(false)];
        let req = self.next_id();
        self.catalog_req = Some(req);
        cmds.push(Cmd::LoadCatalog { req });
        // The lines: the form's picker, and the findings' phone-filter rules.
        cmds.extend(self.load_lines_once());
        // Rotations in progress, found again from the audit trail.
        cmds.push(self.load_rotations());
        cmds
    }

    /// True while a request the user is waiting for is in flight (the spinner turns).
    pub fn busy(&self) -> bool {
        matches!(self.list_req, Some((_, false)))
            || !self.pending.is_empty()
            || self.switching.is_some()
    }

    /// The keyboard context, for dispatch and footer hints.
    pub fn context(&self) -> Context {
        if let Some(context) = self.form_context() {
            return context;
        }
        if self.verify.is_some() {
            return Context::Verify;
        }
        if self.delivery_dialog.is_some() {
            return Context::ConfirmDelivery;
        }
        if let Some(dialog) = &self.export {
            return match dialog.stage {
                export::ExportStage::AskOverwrite => Context::ConfirmOverwrite,
                _ => Context::ExportPath,
            };
        }
        match (&self.modal, self.focus) {
            (Some(Modal::Help), _) => Context::Help,
            (
                Some(Modal::Accounts {
                    search: Some(_), ..
                }),
                _,
            ) => Context::AccountSearch,
            (Some(Modal::Accounts { .. }), _) => Context::Accounts,
            (Some(Modal::Palette(_)), _) => Context::Palette,
            (Some(Modal::ConfirmSwitch { .. }), _) => Context::ConfirmSwitch,
            (Some(Modal::History { .. }), _) => Context::History,
            (Some(Modal::ConfirmBulk { .. }), _) => Context::ConfirmBulk,
            (Some(Modal::BulkSummary { .. }), _) => Context::BulkSummary,
            (Some(Modal::ConfirmRecreate { .. }), _) => Context::ConfirmRecreate,
            (Some(Modal::PickEvent { .. }), _) => Context::PickEvent,
            (Some(Modal::ConfirmDelete { .. }), _) => Context::ConfirmDelete,
            (Some(Modal::ConfirmRotate { .. }), _) => Context::ConfirmRotate,
            (Some(Modal::RotationPair { .. }), _) => Context::RotationPair,
            (None, Focus::Filter) => Context::FilterInput,
            (None, Focus::Detail) => Context::Detail,
            (None, Focus::List) => Context::List,
        }
    }

    /// The selected row's position in `visible`. The remembered position is checked first
    /// (O(1) per frame); only when it is stale does this scan.
    pub fn selected_index(&self) -> Option<usize> {
        let id = self.selected.as_deref()?;
        let hinted = self.visible.get(self.selected_hint);
        if hinted.is_some_and(|&i| self.subscriptions.get(i).is_some_and(|s| s.id == id)) {
            return Some(self.selected_hint);
        }
        self.visible
            .iter()
            .position(|&i| self.subscriptions[i].id == id)
    }

    pub fn selected_subscription(&self) -> Option<&Subscription> {
        let id = self.selected.as_deref()?;
        match self.selected_index() {
            Some(row) => Some(&self.subscriptions[self.visible[row]]),
            None => self.subscriptions.iter().find(|s| s.id == id),
        }
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        let mut cmds = self.handle(msg);
        cmds.extend(self.release_held());
        if self.findings_partial && !cmds.contains(&Cmd::AfterFrame) {
            cmds.push(Cmd::AfterFrame);
        }
        self.register_writes(&cmds);
        if std::mem::take(&mut self.write_landed) {
            if let Some((_, quiet)) = self.list_req {
                cmds.push(self.load_list(quiet));
            }
            // That list replaced one whose first rows were shown: what they held goes now.
            let released = self.release_held();
            self.register_writes(&released);
            cmds.extend(released);
        }
        // Banners and row counts change the viewport: keep the selected row on screen.
        self.keep_selection_in_view();
        cmds
    }

    /// Input held for the whole list, once only its first rows are no longer all there is.
    fn release_held(&mut self) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if !self.reading_rest() {
            for held in std::mem::take(&mut self.held) {
                cmds.extend(self.handle(held));
            }
        }
        cmds
    }

    fn handle(&mut self, msg: Msg) -> Vec<Cmd> {
        if self.reading_rest() && self.holds(&msg) {
            if self.held.len() < Self::HELD_LIMIT {
                self.held.push(msg);
            }
            return Vec::new();
        }
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Mouse(mouse) => {
                self.on_mouse(mouse);
                Vec::new()
            }
            Msg::Paste(text) => {
                if self.context() == Context::Verify {
                    // It may be the pasted secret: the paste's own buffer is wiped as it drops.
                    let text = zeroize::Zeroizing::new(text);
                    self.verify_input(&text);
                } else if self.context() == Context::ConfirmDelivery {
                    // A pasted secret: the paste's own buffer is wiped as it drops.
                    let text = zeroize::Zeroizing::new(text);
                    self.delivery_input(&text);
                } else if self.context() == Context::ExportPath {
                    self.export_paste(&text);
                } else if self.context().is_text() && self.form.is_some() {
                    self.form_input(TextEdit::Paste(&text));
                } else if self.focus == Focus::Filter && self.modal.is_none() {
                    let outcome =
                        text_input::paste(&mut self.filter, &text, text_input::FILTER_LIMIT);
                    if let Err(limit) = outcome {
                        self.banner = Some(Banner::notice(text_input::cut_notice(limit)));
                    }
                    self.refilter();
                }
                Vec::new()
            }
            Msg::Resize { width, height } => {
                self.size = (width, height);
                self.keep_selection_in_view();
                self.dirty = true;
                Vec::new()
            }
            Msg::Tick { now } => {
                let before = self.refresh_text();
                self.now = now;
                if self.busy() {
                    self.spinner = self.spinner.wrapping_add(1);
                    self.dirty = true;
                } else if self.refresh_text() != before {
                    self.dirty = true;
                }
                Vec::new()
            }
            Msg::FinishFindings => {
                self.finish_findings();
                Vec::new()
            }
            Msg::AutoRefresh => {
                // Also while unreachable: the API may be back.
                if self.list_req.is_none() && self.startup != Startup::Loading {
                    vec![self.load_list(true)]
                } else {
                    Vec::new()
                }
            }
            Msg::Api { req, result } => {
                // A write is recorded whoever still waits for it, on the account it was
                // sent to.
                let audit = self.audit_answer(req, &result);
                let mut cmds = if req < self.req_floor {
                    self.on_answer_left_behind(result)
                } else {
                    self.on_api(req, result)
                };
                cmds.extend(audit);
                cmds
            }
            Msg::Switched { to, result } => self.on_switched(to, result),
            Msg::AccountRead { name, at, result } => self.on_account_read(name, at, result),
            Msg::PollDeliveries => self.poll_deliveries(),
            Msg::RotationTrail(open) => {
                self.on_rotation_trail(open);
                Vec::new()
            }
            Msg::Probed { req, report } => self.on_probed(req, &report),
            Msg::Exported { path, result } => {
                self.exported(&path, result);
                Vec::new()
            }
            Msg::History(result) => {
                if let Some(Modal::History(view)) = &mut self.modal {
                    let note = result.as_ref().ok().and_then(|t| t.unreadable_note());
                    view.loaded(result.map(|trail| trail.entries));
                    if let Some(note) = note {
                        // Said, not hidden: the trail has lines `H` could not show.
                        self.banner = Some(Banner::notice(format!("Audit trail: {note}")));
                    }
                    self.dirty = true;
                }
                Vec::new()
            }
            // The change happened; only its record did not: say so, block nothing.
            Msg::AuditFailed(reason) => {
                self.banner = Some(Banner::notice(format!(
                    "Not recorded in the audit trail: {}",
                    clean(&reason)
                )));
                self.dirty = true;
                Vec::new()
            }
            Msg::Copied(outcome) => {
                if let Some(dialog) = self.secret_dialog.as_mut() {
                    let what = match &outcome {
                        CopyOutcome::System { what }
                        | CopyOutcome::Osc52 { what, .. }
                        | CopyOutcome::Failed { what, .. } => what.as_str(),
                    };
                    // Only the secret's own copy speaks in its dialog.
                    if what == SECRET_WHAT {
                        if !matches!(outcome, CopyOutcome::Failed { .. }) {
                            dialog.seen = true;
                        }
                        dialog.copy_status = Some(outcome);
                        self.dirty = true;
                        return Vec::new();
                    }
                }
                self.banner =
                    Some(match outcome {
                        CopyOutcome::System { what } => {
                            Banner::info(format!("Copied the {what} to the system clipboard"))
                        }
                        CopyOutcome::Osc52 { what, tmux } => Banner::info(format!(
                        "Sent the {what} to your terminal's clipboard (OSC 52) — paste to check{}",
                        if tmux { "; tmux needs `set -g set-clipboard on`" } else { "" }
                    )),
                        CopyOutcome::Failed { what, reason } => Banner::error_text(format!(
                            "Could not copy the {what}: {reason} — select it by hand"
                        )),
                    });
                self.dirty = true;
                Vec::new()
            }
            Msg::Shutdown { exit_code } => {
                self.exit_code = Some(exit_code);
                self.quit()
            }
        }
    }

    /// Ends the session; writes still without an answer are recorded as `unknown`.
    fn quit(&mut self) -> Vec<Cmd> {
        self.quitting = true;
        let mut cmds = self.audit_unanswered();
        cmds.extend(self.audit_delivery_unanswered());
        cmds.push(Cmd::Quit);
        cmds
    }

    fn next_id(&mut self) -> ReqId {
        let id = self.next_req;
        self.next_req += 1;
        id
    }

    fn refresh_text(&self) -> Option<String> {
        self.last_refresh.map(|at| refresh_label(self.now, at))
    }
}

#[cfg(test)]
mod first_rows_tests;
#[cfg(test)]
mod form_tests;
#[cfg(test)]
mod probe_tests;
#[cfg(test)]
mod test_delivery_tests;
#[cfg(test)]
mod tests;
