//! The pure state machine: `App::update(Msg) -> Vec<Cmd>`. No IO, no terminal, no tokio:
//! everything here is driven by messages and unit-tested as such.

mod accounts;
pub mod bulk;
pub mod cmd;
pub mod deliveries;
mod form_update;
pub mod forms;
pub mod keymap;
pub mod msg;
pub mod text_input;
mod trail;
pub mod verify;
pub mod view;

use crate::api::{ApiError, PhoneNumber, Subscription, SubscriptionPatch};
use crate::text::clean;
pub use cmd::Cmd;
use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use form_update::TextEdit;
pub use form_update::{CreateCheck, SecretDialog, SECRET_WHAT};
use forms::Form;
use keymap::{Action, Context};
pub use msg::{ApiResult, CopyOutcome, Msg, ReqId};
use std::collections::HashMap;
use time::OffsetDateTime;
use tui_input::{Input, InputRequest};
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Help,
    /// The account switcher; `cursor` indexes `App::accounts`.
    Accounts {
        cursor: usize,
    },
    /// Switching would drop writes in flight, a draft or a secret: asks first.
    ConfirmSwitch {
        to: usize,
    },
    /// A bulk change of the marked rows: asks once; a delete wants the number typed.
    ConfirmBulk {
        op: bulk::BulkOp,
        ids: Vec<String>,
        typed: String,
        /// Focus starts on Cancel.
        on_confirm: bool,
    },
    /// How a bulk change went: the failures with their code and trace id.
    BulkSummary {
        title: String,
        failures: Vec<(String, String)>,
    },
    /// `t`: which of the subscription's event types to send as a test event.
    PickEvent {
        id: String,
        events: Vec<String>,
        cursor: usize,
    },
    /// `u` after a delete: create it again with the same settings (a new secret)?
    ConfirmRecreate {
        target_url: String,
    },
    /// The audit trail of this account (`H`), newest first; `None` while it loads.
    History {
        entries: Option<Result<Vec<crate::audit::AuditEntry>, String>>,
        scroll: u16,
    },
    ConfirmDelete {
        id: String,
        target_url: String,
        /// Focus starts on Cancel, so a stray Enter keeps the subscription.
        on_delete: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BannerLevel {
    /// Something the user did worked (✔).
    Info,
    /// Neither success nor failure: a state to know about.
    Notice,
    Error,
}

/// Banners that a later event makes untrue, and which that event clears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BannerKind {
    #[default]
    Plain,
    /// A list request failed: a later successful list clears it.
    RefreshFailed,
    /// Rows with unreadable fields: recounted on every list.
    Unreadable,
    /// A write is still in flight: cleared when it ends.
    Waiting,
}

/// A non-modal message line; errors never clear the list or the selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Banner {
    pub level: BannerLevel,
    pub text: String,
    pub trace_id: Option<String>,
    pub kind: BannerKind,
}

impl Banner {
    fn info(text: impl Into<String>) -> Self {
        Self {
            level: BannerLevel::Info,
            text: text.into(),
            trace_id: None,
            kind: BannerKind::Plain,
        }
    }

    fn notice(text: impl Into<String>) -> Self {
        Self {
            level: BannerLevel::Notice,
            ..Self::info(text)
        }
    }

    fn error(context: &str, err: &ApiError) -> Self {
        Self {
            level: BannerLevel::Error,
            text: format!("{context}: {err}"),
            trace_id: err.trace_id().map(|t| clean(t).into_owned()),
            kind: BannerKind::Plain,
        }
    }

    fn error_text(text: impl Into<String>) -> Self {
        Self {
            level: BannerLevel::Error,
            ..Self::info(text)
        }
    }

    fn of_kind(self, kind: BannerKind) -> Self {
        Self { kind, ..self }
    }
}

/// The first words of a failed first load: "Cannot reach the API" only when nothing
/// answered; an answer says what it was.
pub fn failure_heading(err: &ApiError) -> &'static str {
    match err {
        ApiError::Connect { .. }
        | ApiError::Timeout { .. }
        | ApiError::Tls { .. }
        | ApiError::Transport { .. } => "Cannot reach the API",
        ApiError::InvalidRequest(_) => "Cannot send the request",
        ApiError::Decode { .. } => "The API's answer is unreadable",
        _ => match err.status() {
            Some(401) => "The API refused the key",
            Some(403) => "The key may not do this",
            Some(404) => "Nothing answers at this base URL's path (check --base-url)",
            Some(429) => "The API is rate limiting",
            Some(500..=599) => "The API failed",
            _ => "The API refused the request",
        },
    }
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
    /// `view::search_text` of each subscription, rebuilt when the list changes.
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
    pub undo: Option<bulk::Undo>,
    /// The list `u` asked for, to check nothing changed since.
    undo_check: Option<ReqId>,
    /// The test event on its way (`t`).
    test_event_req: Option<ReqId>,
    /// The delivery attempts asked for, and the last ones seen: (subscription id, rows).
    deliveries_req: Option<ReqId>,
    pub deliveries: Option<(String, Result<Vec<deliveries::DeliveryRow>, String>)>,
    /// The verify screen (`V`), when open.
    pub verify: Option<verify::VerifyScreen>,
    /// Every account the switcher offers, and the one in use.
    pub accounts: Vec<crate::config::AccountEntry>,
    pub current_account: Option<usize>,
    /// The account being switched to, until the runtime answers.
    pub switching: Option<String>,
    /// Answers to requests below this id belong to an account left behind: ignored.
    req_floor: ReqId,
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
            test_event_req: None,
            deliveries_req: None,
            deliveries: None,
            verify: None,
            accounts: Vec::new(),
            current_account: None,
            switching: None,
            req_floor: 0,
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
        match (&self.modal, self.focus) {
            (Some(Modal::Help), _) => Context::Help,
            (Some(Modal::Accounts { .. }), _) => Context::Accounts,
            (Some(Modal::ConfirmSwitch { .. }), _) => Context::ConfirmSwitch,
            (Some(Modal::History { .. }), _) => Context::History,
            (Some(Modal::ConfirmBulk { .. }), _) => Context::ConfirmBulk,
            (Some(Modal::BulkSummary { .. }), _) => Context::BulkSummary,
            (Some(Modal::ConfirmRecreate { .. }), _) => Context::ConfirmRecreate,
            (Some(Modal::PickEvent { .. }), _) => Context::PickEvent,
            (Some(Modal::ConfirmDelete { .. }), _) => Context::ConfirmDelete,
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
        if std::mem::take(&mut self.write_landed) {
            if let Some((_, quiet)) = self.list_req {
                cmds.push(self.load_list(quiet));
            }
        }
        // Banners and row counts change the viewport: keep the selected row on screen.
        self.keep_selection_in_view();
        cmds
    }

    fn handle(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Mouse(mouse) => {
                self.on_mouse(mouse);
                Vec::new()
            }
            Msg::Paste(text) => {
                if self.context() == Context::Verify {
                    self.verify_input(&text);
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
            Msg::AutoRefresh => {
                // Also while unreachable: the API may be back.
                if self.list_req.is_none() && self.startup != Startup::Loading {
                    vec![self.load_list(true)]
                } else {
                    Vec::new()
                }
            }
            // An answer for an account left behind.
            Msg::Api { req, .. } if req < self.req_floor => Vec::new(),
            Msg::Api { req, result } => self.on_api(req, result),
            Msg::Switched { to, result } => self.on_switched(to, result),
            Msg::PollDeliveries => self.poll_deliveries(),
            Msg::History(result) => {
                if let Some(Modal::History { entries, .. }) = &mut self.modal {
                    *entries = Some(result);
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

    fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        // Release and repeat events would fire actions twice on some terminals.
        if key.kind != KeyEventKind::Press {
            return Vec::new();
        }
        let context = self.context();
        match keymap::lookup(context, &key, self.connection.read_only) {
            Some(action) => {
                self.dirty = true;
                match context {
                    Context::Secret | Context::SecretConfirm if action != Action::ForceQuit => {
                        self.secret_action(action)
                    }
                    Context::Accounts | Context::ConfirmSwitch if action != Action::ForceQuit => {
                        self.account_action(action)
                    }
                    Context::Verify if action != Action::ForceQuit => {
                        self.verify_action(action);
                        Vec::new()
                    }
                    _ if self.form_context().is_some() && action != Action::ForceQuit => {
                        self.form_action(action)
                    }
                    _ => self.act(action),
                }
            }
            None => {
                if context == Context::ConfirmBulk {
                    match key.code {
                        KeyCode::Char(c) => self.bulk_key(c),
                        KeyCode::Backspace => self.bulk_backspace(),
                        _ => {}
                    }
                    self.dirty = true;
                } else if context == Context::Verify {
                    self.verify_key(key);
                } else if context == Context::FilterInput {
                    self.edit_filter(key);
                } else if context.is_text() {
                    if let Some(request) = text_request(&key) {
                        self.form_input(TextEdit::Key(request));
                    }
                } else if let Some(dialog) = self.secret_dialog.as_mut() {
                    // A stray key never closes the dialog; it says how to.
                    dialog.nudge = true;
                    self.dirty = true;
                }
                Vec::new()
            }
        }
    }

    fn act(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::ForceQuit | Action::Quit => return self.quit(),
            Action::Help => {
                self.modal = Some(Modal::Help);
                self.help_scroll = 0;
            }
            Action::HelpUp => self.help_scroll = self.help_scroll.saturating_sub(1),
            Action::HelpDown => {
                // Never past the last line of the longest (single-column) help.
                let lines: usize = keymap::help_groups(self.connection.read_only)
                    .iter()
                    .map(|(_, b)| b.len() + 2)
                    .sum();
                let max = u16::try_from(lines).unwrap_or(u16::MAX);
                self.help_scroll = self.help_scroll.saturating_add(1).min(max);
            }
            Action::CloseHelp => self.modal = None,
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page() as isize)),
            Action::PageDown => self.move_selection(self.page() as isize),
            Action::Top => self.move_selection(isize::MIN / 2),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::ShowAll => self.set_tab(Tab::All),
            Action::ShowActive => self.set_tab(Tab::Active),
            Action::ShowPaused => self.set_tab(Tab::Paused),
            Action::ShowProblems => self.set_tab(Tab::Problems),
            Action::FocusDetail if self.selected.is_some() => {
                self.focus = Focus::Detail;
                self.detail_scroll = 0;
                return self.poll_deliveries();
            }
            Action::FocusList => self.focus = Focus::List,
            Action::ScrollUp => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            Action::ScrollDown => self.detail_scroll = self.detail_scroll.saturating_add(1),
            Action::Back => {
                if !self.marked.is_empty() {
                    self.marked.clear();
                } else if self.banner.is_some() {
                    self.banner = None;
                } else if !self.filter.value().is_empty() {
                    self.filter.reset();
                    self.refilter();
                }
            }
            Action::TogglePause if !self.marked.is_empty() => self.ask_bulk(false),
            Action::TogglePause => return self.toggle_pause(),
            Action::Mark => self.toggle_mark(),
            Action::MarkVisible => self.mark_visible(),
            Action::Undo => return self.ask_undo(),
            Action::BulkYes => {
                if let Some(Modal::ConfirmBulk { op, on_confirm, .. }) = &mut self.modal {
                    if *op != bulk::BulkOp::Delete {
                        *on_confirm = true;
                    }
                }
                return self.confirm_bulk();
            }
            Action::BulkSwitch => {
                if let Some(Modal::ConfirmBulk { on_confirm, .. }) = &mut self.modal {
                    *on_confirm = !*on_confirm;
                }
            }
            Action::BulkPress => return self.confirm_bulk(),
            Action::BulkNo | Action::SummaryClose | Action::RecreateNo => self.modal = None,
            Action::RecreateYes => return self.recreate(),
            Action::NewSubscription => return self.open_create_form(),
            Action::EditSubscription => return self.open_edit_form(),
            Action::Delete if !self.marked.is_empty() => self.ask_bulk(true),
            Action::Delete => {
                if let Some(sub) = self.selected_subscription() {
                    if !self.pending.contains_key(&sub.id) {
                        self.modal = Some(Modal::ConfirmDelete {
                            id: sub.id.clone(),
                            target_url: sub.target_url.clone(),
                            on_delete: false,
                        });
                    }
                }
            }
            Action::ConfirmDelete => return self.confirm_delete(),
            Action::CancelDelete => self.modal = None,
            Action::SwitchButton => {
                if let Some(Modal::ConfirmDelete { on_delete, .. }) = &mut self.modal {
                    *on_delete = !*on_delete;
                }
            }
            Action::PressButton => {
                if let Some(Modal::ConfirmDelete {
                    on_delete: true, ..
                }) = self.modal
                {
                    return self.confirm_delete();
                }
                self.modal = None;
            }
            Action::Accounts => self.open_accounts(),
            Action::Verify => self.open_verify(),
            Action::TestEvent => self.ask_test_event(),
            Action::PickEventUp
            | Action::PickEventDown
            | Action::PickEventSend
            | Action::PickEventClose => return self.pick_event_action(action),
            Action::History => {
                self.modal = Some(Modal::History {
                    entries: None,
                    scroll: 0,
                });
                return vec![Cmd::LoadHistory {
                    account: self.audit_account(),
                }];
            }
            Action::HistoryDown | Action::HistoryUp => {
                if let Some(Modal::History { scroll, .. }) = &mut self.modal {
                    *scroll = if action == Action::HistoryDown {
                        scroll.saturating_add(1)
                    } else {
                        scroll.saturating_sub(1)
                    };
                }
            }
            Action::HistoryClose => self.modal = None,
            Action::Refresh => {
                self.banner = None;
                if let Some((req, _)) = self.list_req {
                    // Shown with the spinner now, even if it started as a quiet refresh.
                    self.list_req = Some((req, false));
                    self.list_again = true;
                    return Vec::new();
                }
                return vec![self.load_list(false)];
            }
            Action::Filter => self.focus = Focus::Filter,
            Action::FilterKeep => self.focus = Focus::List,
            Action::FilterClear => {
                self.filter.reset();
                self.focus = Focus::List;
                self.refilter();
            }
            Action::CopyId => {
                let Some(sub) = self.selected_subscription() else {
                    return Vec::new();
                };
                // Only what is drawn, and only an id that looks like one: a hostile id could
                // carry an escape sequence or a shell command into the user's paste.
                if crate::validate::is_subscription_id(&sub.id) {
                    return vec![Cmd::Copy {
                        text: sub.id.clone(),
                        what: "subscription id".into(),
                    }];
                }
                self.banner = Some(Banner::error_text(
                    "Not copied: the server sent an id that is not a subscription id",
                ));
            }
            // Form, secret and lost-create keys are dispatched by `form_action` /
            // `secret_action`; they cannot reach here.
            _ => {}
        }
        Vec::new()
    }

    fn quit(&mut self) -> Vec<Cmd> {
        self.quitting = true;
        vec![Cmd::Quit]
    }

    /// Unbound keys in the verify screen type into its focused field.
    fn verify_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Backspace => self.verify_backspace(),
            KeyCode::Enter => self.verify_input("\n"),
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.verify_input(c.encode_utf8(&mut [0; 4]))
            }
            _ => {}
        }
        self.dirty = true;
    }

    fn edit_filter(&mut self, key: KeyEvent) {
        if let Some(r) = text_request(&key) {
            if let Err(limit) = text_input::edit(&mut self.filter, r, text_input::FILTER_LIMIT) {
                self.banner = Some(Banner::notice(text_input::full_notice(limit)));
            }
            self.refilter();
            self.dirty = true;
        }
    }

    fn on_mouse(&mut self, mouse: MouseEvent) {
        // Nothing behind a form or a dialog moves.
        if self.modal.is_some()
            || self.verify.is_some()
            || self.form.is_some()
            || self.secret_dialog.is_some()
            || self.lost_create.is_some()
        {
            return;
        }
        match mouse.kind {
            MouseEventKind::ScrollDown => self.move_selection(3),
            MouseEventKind::ScrollUp => self.move_selection(-3),
            MouseEventKind::Down(MouseButton::Left) => {
                let area = crate::ui::layout::list_rows_area(
                    self.size,
                    crate::ui::layout::banner_rows(self.banner.as_ref(), self.size.0),
                    self.visible.len(),
                );
                if mouse.row >= area.y && mouse.row < area.y + area.height && mouse.column >= area.x
                {
                    let index = self.scroll + (mouse.row - area.y) as usize;
                    if let Some(&i) = self.visible.get(index) {
                        self.selected = Some(self.subscriptions[i].id.clone());
                        self.focus = Focus::List;
                        self.detail_scroll = 0;
                    }
                }
            }
            _ => return,
        }
        self.dirty = true;
    }

    /// A subscription with a write in flight takes no second one; says so.
    fn refuse_if_pending(&mut self, id: &str) -> bool {
        let pending = self.pending.contains_key(id);
        if pending {
            self.banner = Some(
                Banner::notice("Still waiting for the server on this subscription")
                    .of_kind(BannerKind::Waiting),
            );
        }
        pending
    }

    fn toggle_pause(&mut self) -> Vec<Cmd> {
        let Some(id) = self.selected.clone() else {
            return Vec::new();
        };
        if self.refuse_if_pending(&id) {
            return Vec::new();
        }
        let req = self.next_id();
        let Some(sub) = self.subscriptions.iter_mut().find(|s| s.id == id) else {
            return Vec::new();
        };
        let was_active = sub.is_active;
        sub.is_active = !was_active;
        let target_url = sub.target_url.clone();
        self.pending.insert(
            id.clone(),
            Pending {
                req,
                op: PendingOp::Pause { was_active },
                target_url,
            },
        );
        self.recount();
        vec![Cmd::Update {
            req,
            id,
            patch: SubscriptionPatch::pause(!was_active),
        }]
    }

    fn confirm_delete(&mut self) -> Vec<Cmd> {
        let Some(Modal::ConfirmDelete { id, target_url, .. }) = self.modal.take() else {
            return Vec::new();
        };
        let req = self.next_id();
        self.pending.insert(
            id.clone(),
            Pending {
                req,
                op: PendingOp::Delete,
                target_url,
            },
        );
        vec![Cmd::Delete { req, id }]
    }

    fn on_api(&mut self, req: ReqId, result: ApiResult) -> Vec<Cmd> {
        match result {
            ApiResult::List { at, result } => {
                let Some((current, quiet)) = self.list_req else {
                    return Vec::new();
                };
                if current != req {
                    return Vec::new();
                }
                self.list_req = None;
                match result {
                    Ok(list) => {
                        self.apply_list(list, at, quiet);
                        self.resolve_create_check(req);
                        self.update_list_banners();
                        let cmds = self.resolve_undo(req);
                        if !cmds.is_empty() {
                            return cmds;
                        }
                    }
                    Err(err) => {
                        if let Some(form) = self
                            .form
                            .as_mut()
                            .filter(|f| f.create_check.as_ref().is_some_and(|c| c.req == Some(req)))
                        {
                            // Kept: the next Ctrl-S asks again instead of creating twice.
                            if let Some(check) = form.create_check.as_mut() {
                                check.req = None;
                            }
                            form.server_error = Some(Banner::error(
                                "Cannot tell yet whether the create went through (the list failed too); Ctrl-S checks again",
                                &err,
                            ));
                        }
                        if self.startup == Startup::Ready {
                            self.banner = Some(
                                Banner::error("Refresh failed", &err)
                                    .of_kind(BannerKind::RefreshFailed),
                            );
                        } else {
                            self.startup = Startup::Failed {
                                heading: failure_heading(&err),
                                detail: err.to_string(),
                            };
                        }
                        self.dirty = true;
                    }
                }
                if std::mem::take(&mut self.list_again) {
                    return vec![self.load_list(false)];
                }
            }
            ApiResult::Catalog(result) => {
                if self.catalog_req != Some(req) {
                    return Vec::new();
                }
                self.catalog_req = None;
                match result {
                    Ok(catalog) if !catalog.events.is_empty() => {
                        self.catalog = catalog
                            .events
                            .iter()
                            .map(|e| clean(e).into_owned())
                            .collect();
                        self.catalog_from_server = true;
                    }
                    Ok(_) | Err(_) => {
                        // The bundled list stays; the detail pane says where it came from.
                        self.catalog_from_server = false;
                    }
                }
                // Findings about event types follow the catalogue.
                self.recount();
                self.refilter();
                self.dirty = true;
            }
            ApiResult::Updated { id, result } => {
                if self.pending.get(&id).map(|p| p.req) != Some(req) {
                    return Vec::new();
                }
                self.clear_waiting_banner();
                let Some(pending) = self.pending.remove(&id) else {
                    return Vec::new();
                };
                let batched = self.in_batch(&id);
                let undoing = batched && self.batch.as_ref().is_some_and(|b| b.undo);
                let before = self.subscriptions.iter().find(|s| s.id == id).cloned();
                let mut cmds = Vec::new();
                match (pending.op, &before) {
                    (PendingOp::Pause { was_active }, _) => cmds.push(self.audit_pause(
                        &id,
                        &pending.target_url,
                        was_active,
                        &result,
                        undoing,
                    )),
                    (PendingOp::Update, Some(old)) => {
                        cmds.push(self.audit_update("undo-update", old, &result))
                    }
                    _ => {}
                }
                // What takes this change back: the values before it, and what it left.
                let undo_item = match (&result, pending.op) {
                    (Ok(server), PendingOp::Pause { was_active }) => {
                        let mut old = server.clone();
                        old.is_active = was_active;
                        Some(bulk::UndoItem {
                            id: id.clone(),
                            target_url: pending.target_url.clone(),
                            inverse: SubscriptionPatch::pause(was_active),
                            expected: server.clone(),
                        })
                        .filter(|_| old.is_active != server.is_active)
                    }
                    _ => None,
                };
                let failure = result.as_ref().err().map(bulk::error_line);
                match result {
                    Ok(server) => {
                        if let Some(sub) = self.subscriptions.iter_mut().find(|s| s.id == id) {
                            *sub = server;
                        }
                        self.write_landed = true;
                        if !batched {
                            self.undo = undo_item.clone().map(|item| bulk::Undo::Writes {
                                label: if item.inverse.is_active == Some(true) {
                                    "pause".into()
                                } else {
                                    "resume".into()
                                },
                                items: vec![item],
                            });
                        }
                    }
                    Err(err) => {
                        if let (PendingOp::Pause { was_active }, Some(sub)) = (
                            pending.op,
                            self.subscriptions.iter_mut().find(|s| s.id == id),
                        ) {
                            sub.is_active = was_active;
                        }
                        let verb = match pending.op {
                            PendingOp::Pause { was_active: true } => "Pause failed",
                            PendingOp::Update => "Undo failed",
                            _ => "Resume failed",
                        };
                        if err.is_not_found() {
                            self.remove_subscription(&id);
                            if !batched {
                                self.banner = Some(Banner::notice(
                                    "That subscription was already deleted elsewhere",
                                ));
                            }
                        } else if !batched {
                            self.banner = Some(Banner::error(verb, &err));
                        }
                    }
                }
                self.recount();
                self.refilter();
                self.dirty = true;
                if batched {
                    cmds.extend(self.batch_answered(&id, &pending.target_url, failure, undo_item));
                }
                return cmds;
            }
            ApiResult::Created { target_url, result } => {
                return self.on_created(req, target_url, result)
            }
            ApiResult::Saved { result } => return self.on_saved(req, result),
            ApiResult::TestEvent { event_type, result } => {
                return self.on_test_event(req, event_type, result)
            }
            ApiResult::Deliveries { id, result } => self.on_deliveries(req, id, result),
            ApiResult::Lines(result) => {
                if self.lines_req == Some(req) {
                    self.lines_req = None;
                    match result {
                        Ok(lines) => {
                            self.lines = Some(lines);
                            self.lines_error = None;
                            // Phone-filter findings need the lines.
                            self.recount();
                            self.refilter();
                        }
                        Err(err) => self.lines_error = Some(err.to_string()),
                    }
                    self.dirty = true;
                }
            }
            ApiResult::Deleted { id, result } => {
                if self.pending.get(&id).map(|p| p.req) != Some(req) {
                    return Vec::new();
                }
                self.clear_waiting_banner();
                let raw_url = self
                    .pending
                    .remove(&id)
                    .map(|p| p.target_url)
                    .unwrap_or_default();
                let url = clean(&raw_url).into_owned();
                let before = self.subscriptions.iter().find(|s| s.id == id).cloned();
                let audit = self.audit_delete(&id, &raw_url, before.as_ref(), &result);
                let batched = self.in_batch(&id);
                let failure = result
                    .as_ref()
                    .err()
                    .filter(|e| !e.is_not_found())
                    .map(bulk::error_line);
                match result {
                    Ok(()) => {
                        self.remove_subscription(&id);
                        if !batched {
                            self.banner = Some(Banner::info(format!("Deleted {url}")));
                            // Its secret is gone; `u` can only create it again.
                            self.undo = before.map(|b| bulk::Undo::Recreate(Box::new(b)));
                        }
                        self.write_landed = true;
                    }
                    Err(err) if err.is_not_found() => {
                        self.remove_subscription(&id);
                        if !batched {
                            self.banner = Some(Banner::notice(format!(
                                "{url} was already deleted elsewhere"
                            )));
                        }
                    }
                    Err(err) if !batched => {
                        self.banner = Some(Banner::error("Delete failed", &err))
                    }
                    Err(_) => {}
                }
                self.dirty = true;
                let mut cmds = vec![audit];
                if batched {
                    cmds.extend(self.batch_answered(&id, &raw_url, failure, None));
                }
                return cmds;
            }
        }
        Vec::new()
    }

    fn apply_list(&mut self, mut list: Vec<Subscription>, at: OffsetDateTime, quiet: bool) {
        sort_subscriptions(&mut list);
        // Writes still in flight keep their optimistic state over the server's older view.
        for sub in &mut list {
            if let Some(Pending {
                op: PendingOp::Pause { was_active },
                ..
            }) = self.pending.get(&sub.id)
            {
                sub.is_active = !was_active;
            }
        }
        let label_before = self.refresh_text();
        let changed = list != self.subscriptions || self.startup != Startup::Ready;
        self.now = at;
        self.last_refresh = Some(at);
        self.startup = Startup::Ready;
        if changed {
            // A delete dialog on a subscription that is gone now has nothing to delete.
            if let Some(Modal::ConfirmDelete { id, target_url, .. }) = &self.modal {
                if !list.iter().any(|s| &s.id == id) {
                    self.banner = Some(Banner::notice(format!(
                        "{} was deleted elsewhere",
                        clean(target_url)
                    )));
                    self.modal = None;
                }
            }
            let old_index = self.selected_index();
            self.subscriptions = list;
            self.recount();
            self.refilter_keeping(old_index);
        }
        if changed || !quiet || self.refresh_text() != label_before {
            self.dirty = true;
        }
    }

    /// "Still waiting for the server" is untrue once a write answers.
    fn clear_waiting_banner(&mut self) {
        if self.banner.as_ref().map(|b| b.kind) == Some(BannerKind::Waiting) {
            self.banner = None;
        }
    }

    /// After a good list: a "Refresh failed" is no longer true, and rows with unreadable
    /// fields are counted anew.
    fn update_list_banners(&mut self) {
        let kind = self.banner.as_ref().map(|b| b.kind);
        let unreadable = self
            .subscriptions
            .iter()
            .filter(|s| !s.unreadable.is_empty())
            .count();
        let replaceable = matches!(
            kind,
            None | Some(BannerKind::RefreshFailed | BannerKind::Unreadable)
        );
        if unreadable > 0 && replaceable {
            let rows = if unreadable == 1 {
                "1 subscription has".to_string()
            } else {
                format!("{unreadable} subscriptions have")
            };
            self.banner = Some(
                Banner::error_text(format!(
                    "{rows} fields the server sent in a shape linq-hooks cannot read (shown as ?)"
                ))
                .of_kind(BannerKind::Unreadable),
            );
            self.dirty = true;
        } else if unreadable == 0
            && matches!(
                kind,
                Some(BannerKind::RefreshFailed | BannerKind::Unreadable)
            )
        {
            self.banner = None;
            self.dirty = true;
        }
    }

    fn remove_subscription(&mut self, id: &str) {
        let old_index = self.selected_index();
        self.subscriptions.retain(|s| s.id != id);
        self.pending.remove(id);
        if matches!(&self.modal, Some(Modal::ConfirmDelete { id: m, .. }) if m == id) {
            self.modal = None;
        }
        self.recount();
        self.refilter_keeping(old_index);
        if self.selected.is_none() {
            self.focus = Focus::List;
        }
    }

    fn load_list(&mut self, quiet: bool) -> Cmd {
        let req = self.next_id();
        // A create check waits for "the next list", whichever request that ends up being.
        let check = self.form.as_mut().and_then(|f| f.create_check.as_mut());
        if let (Some(check), Some((old, _))) = (check, self.list_req) {
            if check.req == Some(old) {
                check.req = Some(req);
            }
        }
        self.list_req = Some((req, quiet));
        if !quiet {
            self.dirty = true;
        }
        Cmd::LoadList { req, quiet }
    }

    fn next_id(&mut self) -> ReqId {
        let id = self.next_req;
        self.next_req += 1;
        id
    }

    fn set_tab(&mut self, tab: Tab) {
        let old_index = self.selected_index();
        self.tab = tab;
        self.refilter_keeping(old_index);
    }

    fn refilter(&mut self) {
        let old_index = self.selected_index();
        self.refilter_keeping(old_index);
    }

    /// Recomputes the visible rows; keeps the selected id when it is still visible, else
    /// the row at the same position.
    fn refilter_keeping(&mut self, old_index: Option<usize>) {
        self.visible = view::visible_rows(
            &self.subscriptions,
            &self.search,
            self.tab,
            self.filter.value(),
            &self.findings,
        );
        if self.selected_index().is_none() {
            self.selected = match self.visible.len() {
                0 => None,
                n => {
                    let i = old_index.unwrap_or(0).min(n - 1);
                    Some(self.subscriptions[self.visible[i]].id.clone())
                }
            };
            self.detail_scroll = 0;
        }
        self.keep_selection_in_view();
        self.dirty = true;
    }

    /// The list changed: counts and the filter's search text follow.
    /// The list, the lines or the catalogue changed: counts, findings and the filter's search
    /// text follow.
    fn recount(&mut self) {
        self.counts = Counts::of(&self.subscriptions);
        self.findings = crate::diagnose::findings_for_all(&crate::diagnose::Account {
            lines: self.lines.as_deref(),
            catalog: &self.catalog,
            catalog_from_server: self.catalog_from_server,
            subscriptions: &self.subscriptions,
            sandbox: self.connection.sandbox,
        });
        self.problem_count = self.findings.iter().filter(|f| view::is_problem(f)).count();
        self.search = self.subscriptions.iter().map(view::search_text).collect();
    }

    /// The findings of the selected subscription, worst first.
    pub fn selected_findings(&self) -> &[crate::diagnose::Finding] {
        let Some(id) = self.selected.as_deref() else {
            return &[];
        };
        let index = self
            .selected_index()
            .map(|row| self.visible[row])
            .or_else(|| self.subscriptions.iter().position(|s| s.id == id));
        index
            .and_then(|i| self.findings.get(i))
            .map_or(&[], Vec::as_slice)
    }

    fn move_selection(&mut self, delta: isize) {
        let n = self.visible.len();
        if n == 0 {
            return;
        }
        let current = self.selected_index().unwrap_or(0) as isize;
        let next = current.saturating_add(delta).clamp(0, n as isize - 1) as usize;
        let id = self.subscriptions[self.visible[next]].id.clone();
        if self.selected.as_deref() != Some(&id) {
            self.detail_scroll = 0;
        }
        self.selected = Some(id);
        self.selected_hint = next;
        self.keep_selection_in_view();
    }

    fn page(&self) -> usize {
        crate::ui::layout::list_rows_area(
            self.size,
            crate::ui::layout::banner_rows(self.banner.as_ref(), self.size.0),
            self.visible.len(),
        )
        .height
        .max(1) as usize
    }

    fn keep_selection_in_view(&mut self) {
        let rows = self.page();
        let n = self.visible.len();
        let index = self.selected_index().unwrap_or(0);
        self.selected_hint = index;
        if index < self.scroll {
            self.scroll = index;
        } else if index >= self.scroll + rows {
            self.scroll = index + 1 - rows;
        }
        self.scroll = self.scroll.min(n.saturating_sub(rows));
    }

    fn refresh_text(&self) -> Option<String> {
        self.last_refresh.map(|at| refresh_label(self.now, at))
    }
}

/// The list order: creation time, then id (stable across refreshes).
fn sort_subscriptions(list: &mut [Subscription]) {
    list.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.id.cmp(&b.id))
    });
}

/// Keys that edit a text input (any unbound key in a text context).
fn text_request(key: &KeyEvent) -> Option<InputRequest> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('u') if ctrl => Some(InputRequest::DeleteLine),
        KeyCode::Char('w') if ctrl => Some(InputRequest::DeletePrevWord),
        KeyCode::Char(c) if !ctrl => Some(InputRequest::InsertChar(c)),
        KeyCode::Backspace => Some(InputRequest::DeletePrevChar),
        KeyCode::Delete => Some(InputRequest::DeleteNextChar),
        KeyCode::Left => Some(InputRequest::GoToPrevChar),
        KeyCode::Right => Some(InputRequest::GoToNextChar),
        KeyCode::Home => Some(InputRequest::GoToStart),
        KeyCode::End => Some(InputRequest::GoToEnd),
        _ => None,
    }
}

#[cfg(test)]
mod form_tests;
#[cfg(test)]
mod tests;
