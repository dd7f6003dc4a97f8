//! The one table of key bindings. Dispatch, the footer hints and the help overlay are all
//! generated from [`BINDINGS`], so they cannot drift apart.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the keyboard focus is; decides which bindings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// Applies everywhere, before any widget sees the key.
    Global,
    /// The list or the detail pane: actions on the selected subscription.
    Browse,
    List,
    Detail,
    FilterInput,
    ConfirmDelete,
    Help,
    /// Any field of the create/edit form (shared form keys).
    Form,
    FormUrl,
    Checklist,
    ChecklistFilter,
    Phones,
    PhoneInput,
    LinePicker,
    Routing,
    DiscardPrompt,
    SavePrompt,
    Secret,
    SecretConfirm,
    LostCreate,
    Accounts,
    ConfirmSwitch,
    Verify,
    History,
    ConfirmBulk,
    BulkSummary,
    ConfirmRecreate,
    PickEvent,
    ConfirmRotate,
    RotationPair,
    /// `/` in the Accounts view: typing searches every account.
    AccountSearch,
    /// `:`: every action of the list or detail, filtered as you type.
    Palette,
    ExportPath,
    ConfirmOverwrite,
    /// `T`: the signed test delivery's question and its masked secret field.
    ConfirmDelivery,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Anywhere",
            Context::Browse => "List and detail",
            Context::List => "Subscription list",
            Context::Detail => "Detail pane",
            Context::FilterInput => "Filter input",
            Context::ConfirmDelete => "Delete dialog",
            Context::Help => "Help",
            Context::Form => "Create / edit form",
            Context::FormUrl => "Form: target URL",
            Context::Checklist => "Form: events",
            Context::ChecklistFilter => "Form: events filter",
            Context::Phones => "Form: phone filter",
            Context::PhoneInput => "Form: adding a number",
            Context::LinePicker => "Form: account lines",
            Context::Routing => "Form: routing headers",
            Context::DiscardPrompt => "Discard changes?",
            Context::SavePrompt => "Save changes?",
            Context::Secret => "Signing secret",
            Context::SecretConfirm => "Close without storing?",
            Context::LostCreate => "Create outcome",
            Context::Accounts => "Account switcher",
            Context::ConfirmSwitch => "Switch account?",
            Context::Verify => "Verify a signature",
            Context::History => "History",
            Context::ConfirmBulk => "Bulk change dialog",
            Context::BulkSummary => "Bulk change summary",
            Context::ConfirmRecreate => "Create it again?",
            Context::PickEvent => "Test event",
            Context::ConfirmRotate => "Start a secret rotation?",
            Context::RotationPair => "Rotation in progress",
            Context::AccountSearch => "Accounts: search every account",
            Context::Palette => "Command palette",
            Context::ExportPath => "Export to a file",
            Context::ConfirmOverwrite => "Replace the file?",
            Context::ConfirmDelivery => "Signed test delivery",
        }
    }

    /// The context whose bindings also apply here, after this one's own.
    pub fn parent(self) -> Option<Context> {
        match self {
            Context::List | Context::Detail => Some(Context::Browse),
            Context::FormUrl
            | Context::Checklist
            | Context::ChecklistFilter
            | Context::Phones
            | Context::Routing => Some(Context::Form),
            _ => None,
        }
    }

    /// Contexts where unbound keys type text.
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Context::FilterInput
                | Context::FormUrl
                | Context::ChecklistFilter
                | Context::PhoneInput
                | Context::Routing
                | Context::AccountSearch
                | Context::Palette
        )
    }
}

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ForceQuit,
    Quit,
    Help,
    CloseHelp,
    HelpUp,
    HelpDown,
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    ShowAll,
    ShowActive,
    ShowPaused,
    ShowProblems,
    FocusDetail,
    FocusList,
    ScrollUp,
    ScrollDown,
    Back,
    TogglePause,
    Delete,
    Refresh,
    Filter,
    FilterKeep,
    FilterClear,
    CopyId,
    ConfirmDelete,
    CancelDelete,
    SwitchButton,
    PressButton,
    NewSubscription,
    EditSubscription,
    NextField,
    PrevField,
    Save,
    LeaveForm,
    PinVersion,
    CheckUp,
    CheckDown,
    CheckToggle,
    CheckFilter,
    CheckFilterKeep,
    CheckFilterClear,
    SelectVisible,
    ClearVisible,
    PhoneUp,
    PhoneDown,
    PhoneAdd,
    PhoneRemove,
    PhonePick,
    PhoneAddConfirm,
    PhoneAddCancel,
    PickUp,
    PickDown,
    PickConfirm,
    PickClose,
    RoutingToggle,
    RoutingSwitch,
    DiscardYes,
    DiscardNo,
    SaveYes,
    SaveNo,
    Reveal,
    CopySecret,
    SecretStored,
    SecretCloseAnyway,
    SecretBack,
    DeleteLost,
    KeepLost,
    Accounts,
    AccountUp,
    AccountDown,
    AccountPick,
    AccountClose,
    SwitchYes,
    SwitchNo,
    Verify,
    VerifyNextField,
    VerifyClear,
    VerifyClose,
    History,
    HistoryUp,
    HistoryDown,
    HistoryClose,
    HistoryToggle,
    Mark,
    MarkVisible,
    Undo,
    BulkYes,
    BulkNo,
    BulkSwitch,
    BulkPress,
    SummaryClose,
    SummaryUndo,
    RecreateYes,
    RecreateNo,
    TestEvent,
    PickEventUp,
    PickEventDown,
    PickEventSend,
    PickEventClose,
    Rotate,
    RotateYes,
    RotateNo,
    RotateFinish,
    RotateAbort,
    RotateClose,
    AccountSearch,
    HitUp,
    HitDown,
    HitPick,
    HitClose,
    Palette,
    PaletteUp,
    PaletteDown,
    PaletteRun,
    PaletteClose,
    CopyRows,
    Probe,
    Export,
    ExportWrite,
    ExportCancel,
    ExportOverwrite,
    ExportKeep,
    TestDelivery,
    DeliverySend,
    DeliveryCancel,
    DeliveryClear,
}

/// Whether a binding changes anything on the server (hidden with `--read-only`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Read,
    Write,
}

pub struct Binding {
    pub context: Context,
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the keys are written in hints and help, e.g. `j/↓`.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
    /// Its words in the footer of its context; empty = not in the footer.
    pub hint: &'static str,
    pub effect: Effect,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

macro_rules! bind {
    ($ctx:ident, [$($key:expr),+], $label:expr, $action:ident, $help:expr, $hint:expr, $effect:ident) => {
        Binding {
            context: Context::$ctx,
            keys: &[$($key),+],
            label: $label,
            action: Action::$action,
            help: $help,
            hint: $hint,
            effect: Effect::$effect,
        }
    };
}

use KeyCode::{
    BackTab, Char, Delete as Del, Down as KDown, End, Enter, Esc, Home, PageDown as PgDn,
    PageUp as PgUp, Tab, Up as KUp,
};

#[rustfmt::skip]
pub static BINDINGS: &[Binding] = &[
    bind!(Global, [(Char('c'), CTRL)], "Ctrl-C", ForceQuit, "quit now, from anywhere", "", Read),
    bind!(Browse, [(Char('p'), NONE)], "p", TogglePause, "pause ⇄ resume", "pause/resume", Write),
    bind!(Browse, [(Char('d'), CTRL), (Del, NONE)], "Ctrl-D", Delete, "delete (asks first)", "delete", Write),
    bind!(Browse, [(Char('/'), NONE)], "/", Filter, "filter by URL, id, event, phone", "filter", Read),
    bind!(Browse, [(Char('r'), NONE)], "r", Refresh, "refresh now", "refresh", Read),
    bind!(Browse, [(Char('e'), NONE)], "e", EditSubscription, "edit URL, events, phones, routing", "edit", Write),
    bind!(Browse, [(Char('A'), SHIFT), (Char('A'), NONE)], "A", Accounts, "switch account (profiles, sandbox)", "accounts", Read),
    bind!(Browse, [(Char('V'), SHIFT), (Char('V'), NONE)], "V", Verify, "verify a delivery's signature", "", Read),
    bind!(Browse, [(Char('H'), SHIFT), (Char('H'), NONE)], "H", History, "history: changes made on this account", "", Read),
    bind!(Browse, [(Char('t'), NONE)], "t", TestEvent, "send a test event (sandbox)", "", Read),
    bind!(Browse, [(Char('R'), SHIFT), (Char('R'), NONE)], "R", Rotate, "rotate the secret (start / finish)", "", Write),
    bind!(Browse, [(Char('y'), NONE)], "y", CopyRows, "copy rows: id, status, target", "", Read),
    bind!(Browse, [(Char(':'), NONE), (Char(':'), SHIFT)], ":", Palette, "command palette (every action)", "", Read),
    bind!(Browse, [(Char('P'), SHIFT), (Char('P'), NONE)], "P", Probe, "probe the endpoint (Esc stops it)", "", Read),
    bind!(Browse, [(Char('X'), SHIFT), (Char('X'), NONE)], "X", Export, "export marked (or shown) rows", "", Read),
    bind!(Browse, [(Char('T'), SHIFT), (Char('T'), NONE)], "T", TestDelivery, "signed test delivery (asks first)", "", Write),
    bind!(Browse, [(Char('u'), NONE)], "u", Undo, "undo the last change", "undo", Write),
    bind!(Browse, [(Char('q'), NONE)], "q", Quit, "quit", "", Read),
    bind!(Browse, [(Char('?'), NONE), (Char('?'), SHIFT)], "?", Help, "help", "", Read),
    bind!(List, [(Char('n'), NONE)], "n", NewSubscription, "new subscription", "new", Write),
    bind!(List, [(Char('j'), NONE), (KDown, NONE)], "j/↓", Down, "next subscription", "", Read),
    bind!(List, [(Char('k'), NONE), (KUp, NONE)], "k/↑", Up, "previous subscription", "", Read),
    bind!(List, [(Char('g'), NONE), (Home, NONE)], "g/Home", Top, "first subscription", "", Read),
    bind!(List, [(Char('G'), SHIFT), (Char('G'), NONE), (End, NONE)], "G/End", Bottom, "last subscription", "", Read),
    bind!(List, [(PgUp, NONE)], "PgUp", PageUp, "page up", "", Read),
    bind!(List, [(PgDn, NONE)], "PgDn", PageDown, "page down", "", Read),
    bind!(List, [(Char('1'), NONE)], "1", ShowAll, "tab: all subscriptions", "", Read),
    bind!(List, [(Char('2'), NONE)], "2", ShowActive, "tab: active only", "", Read),
    bind!(List, [(Char('3'), NONE)], "3", ShowPaused, "tab: paused only", "", Read),
    bind!(List, [(Char('4'), NONE)], "4", ShowProblems, "tab: problems (errors and warnings)", "", Read),
    bind!(List, [(Char(' '), NONE)], "Space", Mark, "mark / unmark (for a bulk change)", "", Read),
    bind!(List, [(Char('*'), NONE), (Char('*'), SHIFT)], "*", MarkVisible, "mark every visible row", "", Read),
    bind!(List, [(Enter, NONE), (Tab, NONE)], "Enter", FocusDetail, "inspect (focus the detail pane)", "inspect", Read),
    bind!(List, [(Esc, NONE)], "Esc", Back, "clear marks / message / filter", "", Read),
    bind!(Detail, [(Char('c'), NONE)], "c", CopyId, "copy the subscription id", "copy id", Read),
    bind!(Detail, [(Char('j'), NONE), (KDown, NONE)], "j/↓", ScrollDown, "scroll the detail down", "", Read),
    bind!(Detail, [(Char('k'), NONE), (KUp, NONE)], "k/↑", ScrollUp, "scroll the detail up", "", Read),
    bind!(Detail, [(Esc, NONE), (Tab, NONE), (BackTab, SHIFT), (BackTab, NONE)], "Esc", FocusList, "back to the list", "back", Read),
    bind!(FilterInput, [(Enter, NONE)], "Enter", FilterKeep, "keep the filter, back to the list", "keep filter", Read),
    bind!(FilterInput, [(Esc, NONE)], "Esc", FilterClear, "clear the filter", "clear", Read),
    bind!(ConfirmDelete, [(Char('y'), NONE), (Char('Y'), SHIFT)], "y", ConfirmDelete, "delete it", "delete", Write),
    bind!(ConfirmDelete, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", CancelDelete, "keep it", "keep it", Read),
    bind!(ConfirmDelete, [(Tab, NONE), (BackTab, SHIFT), (BackTab, NONE), (KeyCode::Left, NONE), (KeyCode::Right, NONE)], "Tab", SwitchButton, "move between Cancel and Delete", "switch", Read),
    bind!(ConfirmDelete, [(Enter, NONE)], "Enter", PressButton, "press the focused button", "press", Read),
    bind!(Help, [(Char('j'), NONE), (KDown, NONE)], "j/↓", HelpDown, "scroll help down", "", Read),
    bind!(Help, [(Char('k'), NONE), (KUp, NONE)], "k/↑", HelpUp, "scroll help up", "", Read),
    bind!(Help, [(Esc, NONE), (Char('?'), NONE), (Char('?'), SHIFT), (Char('q'), NONE)], "Esc", CloseHelp, "close help", "close", Read),
    bind!(Form, [(Tab, NONE)], "Tab", NextField, "next field", "next", Read),
    bind!(Form, [(BackTab, SHIFT), (BackTab, NONE)], "S-Tab", PrevField, "previous field", "", Read),
    bind!(Form, [(Char('s'), CTRL)], "Ctrl-S", Save, "save", "save", Write),
    bind!(Form, [(Esc, NONE)], "Esc", LeaveForm, "leave the form (asks if changed)", "leave", Read),
    bind!(FormUrl, [(Char('p'), CTRL)], "Ctrl-P", PinVersion, "append ?version=2026-02-03", "pin version", Read),
    bind!(Checklist, [(Char('j'), NONE), (KDown, NONE)], "j/↓", CheckDown, "next event", "", Read),
    bind!(Checklist, [(Char('k'), NONE), (KUp, NONE)], "k/↑", CheckUp, "previous event", "", Read),
    bind!(Checklist, [(Char(' '), NONE)], "Space", CheckToggle, "toggle (on a header: its group)", "toggle", Read),
    bind!(Checklist, [(Char('/'), NONE)], "/", CheckFilter, "filter events", "filter", Read),
    bind!(Checklist, [(Char('a'), NONE)], "a", SelectVisible, "select all visible", "all", Read),
    bind!(Checklist, [(Char('A'), SHIFT), (Char('A'), NONE)], "A", ClearVisible, "clear all visible", "none", Read),
    bind!(ChecklistFilter, [(Enter, NONE)], "Enter", CheckFilterKeep, "keep the filter, back to the list", "keep", Read),
    bind!(ChecklistFilter, [(Esc, NONE)], "Esc", CheckFilterClear, "clear the filter", "clear", Read),
    bind!(Phones, [(Char('j'), NONE), (KDown, NONE)], "j/↓", PhoneDown, "next number", "", Read),
    bind!(Phones, [(Char('k'), NONE), (KUp, NONE)], "k/↑", PhoneUp, "previous number", "", Read),
    bind!(Phones, [(Char('a'), NONE)], "a", PhoneAdd, "add a number (E.164)", "add", Read),
    bind!(Phones, [(Char('d'), NONE), (Del, NONE)], "d", PhoneRemove, "remove the number", "remove", Read),
    bind!(Phones, [(Char('l'), NONE)], "l", PhonePick, "pick from the account's lines", "lines", Read),
    bind!(PhoneInput, [(Enter, NONE)], "Enter", PhoneAddConfirm, "add it", "add", Read),
    bind!(PhoneInput, [(Esc, NONE)], "Esc", PhoneAddCancel, "cancel", "cancel", Read),
    bind!(LinePicker, [(Char('j'), NONE), (KDown, NONE)], "j/↓", PickDown, "next line", "", Read),
    bind!(LinePicker, [(Char('k'), NONE), (KUp, NONE)], "k/↑", PickUp, "previous line", "", Read),
    bind!(LinePicker, [(Enter, NONE), (Char(' '), NONE)], "Enter", PickConfirm, "add the line's number", "add", Read),
    bind!(LinePicker, [(Esc, NONE)], "Esc", PickClose, "close the list", "close", Read),
    bind!(Routing, [(Enter, NONE), (Char(' '), NONE)], "Enter", RoutingToggle, "show / hide the routing headers", "show/hide", Read),
    bind!(Routing, [(KUp, NONE), (KDown, NONE)], "↑↓", RoutingSwitch, "key header ⇄ id header", "switch", Read),
    bind!(DiscardPrompt, [(Char('y'), NONE), (Char('Y'), SHIFT)], "y", DiscardYes, "discard the changes", "discard", Read),
    bind!(DiscardPrompt, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", DiscardNo, "keep editing", "keep editing", Read),
    bind!(SavePrompt, [(Char('y'), NONE), (Char('Y'), SHIFT), (Enter, NONE)], "y/Enter", SaveYes, "send the change", "send", Write),
    bind!(SavePrompt, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", SaveNo, "back to the form", "back", Read),
    bind!(Secret, [(Char('v'), NONE)], "v", Reveal, "reveal / mask the secret", "reveal", Read),
    bind!(Secret, [(Char('c'), NONE)], "c", CopySecret, "copy the secret", "copy", Read),
    bind!(Secret, [(Enter, NONE)], "Enter", SecretStored, "I have stored it: close", "stored it", Read),
    bind!(SecretConfirm, [(Char('y'), NONE), (Char('Y'), SHIFT)], "y", SecretCloseAnyway, "close without the secret", "close anyway", Read),
    bind!(SecretConfirm, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", SecretBack, "back to the secret", "back", Read),
    bind!(LostCreate, [(Char('y'), NONE), (Char('Y'), SHIFT)], "y", DeleteLost, "delete it, to create it again", "delete it", Write),
    bind!(LostCreate, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", KeepLost, "keep it (without a secret)", "keep", Read),
    bind!(Accounts, [(Char('j'), NONE), (KDown, NONE)], "j/↓", AccountDown, "next account", "", Read),
    bind!(Accounts, [(Char('k'), NONE), (KUp, NONE)], "k/↑", AccountUp, "previous account", "", Read),
    bind!(Accounts, [(Enter, NONE)], "Enter", AccountPick, "switch to it", "switch", Read),
    bind!(Accounts, [(Char('/'), NONE)], "/", AccountSearch, "search every account's subscriptions", "search all", Read),
    bind!(Accounts, [(Esc, NONE), (Char('A'), SHIFT), (Char('q'), NONE)], "Esc", AccountClose, "close the list", "close", Read),
    bind!(ConfirmSwitch, [(Char('y'), NONE), (Char('Y'), SHIFT)], "y", SwitchYes, "switch, dropping what is in flight", "switch", Read),
    bind!(ConfirmSwitch, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", SwitchNo, "stay", "stay", Read),
    bind!(Verify, [(Tab, NONE), (BackTab, SHIFT), (BackTab, NONE)], "Tab", VerifyNextField, "request ⇄ secret", "switch field", Read),
    bind!(Verify, [(Char('u'), CTRL)], "Ctrl-U", VerifyClear, "clear the field", "clear", Read),
    bind!(Verify, [(Esc, NONE)], "Esc", VerifyClose, "close (the secret is wiped)", "close", Read),
    bind!(ConfirmBulk, [(Char('y'), NONE), (Char('Y'), SHIFT)], "y", BulkYes, "do it (a delete: type the number)", "do it", Write),
    bind!(ConfirmBulk, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", BulkNo, "cancel", "cancel", Read),
    bind!(ConfirmBulk, [(Tab, NONE), (BackTab, SHIFT), (BackTab, NONE)], "Tab", BulkSwitch, "move between Cancel and the change", "switch", Read),
    bind!(ConfirmBulk, [(Enter, NONE)], "Enter", BulkPress, "press the focused button", "press focused", Write),
    bind!(BulkSummary, [(Char('u'), NONE)], "u", SummaryUndo, "undo what went through", "undo", Write),
    bind!(BulkSummary, [(Esc, NONE), (Enter, NONE)], "Esc", SummaryClose, "close the summary", "close", Read),
    bind!(ConfirmRecreate, [(Char('y'), NONE), (Char('Y'), SHIFT)], "y", RecreateYes, "create it again (a new secret)", "create", Write),
    bind!(ConfirmRecreate, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", RecreateNo, "keep it deleted", "keep deleted", Read),
    bind!(PickEvent, [(Char('j'), NONE), (KDown, NONE)], "j/↓", PickEventDown, "next event type", "", Read),
    bind!(PickEvent, [(Char('k'), NONE), (KUp, NONE)], "k/↑", PickEventUp, "previous event type", "", Read),
    bind!(PickEvent, [(Enter, NONE)], "Enter", PickEventSend, "send it", "send", Read),
    bind!(PickEvent, [(Esc, NONE)], "Esc", PickEventClose, "cancel", "cancel", Read),
    bind!(ConfirmRotate, [(Char('y'), NONE), (Char('Y'), SHIFT)], "y", RotateYes, "create the twin (a new secret)", "start", Write),
    bind!(ConfirmRotate, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", RotateNo, "cancel", "cancel", Read),
    bind!(RotationPair, [(Char('f'), NONE)], "f", RotateFinish, "finish: re-check, delete the old", "finish", Write),
    bind!(RotationPair, [(Char('a'), NONE)], "a", RotateAbort, "abort: delete the new one (asks)", "abort", Write),
    bind!(RotationPair, [(Esc, NONE), (Char('q'), NONE)], "Esc", RotateClose, "close, change nothing", "close", Read),
    bind!(AccountSearch, [(KDown, NONE)], "↓", HitDown, "next hit", "", Read),
    bind!(AccountSearch, [(KUp, NONE)], "↑", HitUp, "previous hit", "", Read),
    bind!(AccountSearch, [(Enter, NONE)], "Enter", HitPick, "go there (switch, select it)", "go there", Read),
    bind!(AccountSearch, [(Esc, NONE)], "Esc", HitClose, "back to the accounts", "back", Read),
    bind!(Palette, [(KDown, NONE)], "↓", PaletteDown, "next action", "", Read),
    bind!(Palette, [(KUp, NONE)], "↑", PaletteUp, "previous action", "", Read),
    bind!(Palette, [(Enter, NONE)], "Enter", PaletteRun, "run the action", "run", Read),
    bind!(Palette, [(Esc, NONE)], "Esc", PaletteClose, "close the palette", "close", Read),
    bind!(ExportPath, [(Enter, NONE)], "Enter", ExportWrite, "write the file", "write", Read),
    bind!(ExportPath, [(Esc, NONE)], "Esc", ExportCancel, "cancel", "cancel", Read),
    bind!(ConfirmOverwrite, [(Char('y'), NONE), (Char('Y'), SHIFT)], "y", ExportOverwrite, "replace the existing file", "replace", Read),
    bind!(ConfirmOverwrite, [(Char('n'), NONE), (Esc, NONE)], "n/Esc", ExportKeep, "keep it; type another path", "keep it", Read),
    bind!(ConfirmDelivery, [(Enter, NONE)], "Enter", DeliverySend, "send it: a real POST to the endpoint", "send", Write),
    bind!(ConfirmDelivery, [(Char('u'), CTRL)], "Ctrl-U", DeliveryClear, "empty the secret field", "clear", Read),
    bind!(ConfirmDelivery, [(Esc, NONE)], "Esc", DeliveryCancel, "cancel (the secret is wiped)", "cancel", Read),
    bind!(History, [(Char('j'), NONE), (KDown, NONE)], "j/↓", HistoryDown, "next entry", "", Read),
    bind!(History, [(Char('k'), NONE), (KUp, NONE)], "k/↑", HistoryUp, "previous entry", "", Read),
    bind!(History, [(Enter, NONE)], "Enter", HistoryToggle, "open / close a bulk change", "open", Read),
    bind!(History, [(Esc, NONE), (Char('q'), NONE), (Char('H'), SHIFT)], "Esc", HistoryClose, "close", "close", Read),
];

/// Keys that edit text in the filter input (not actions: shown in help only).
pub const TEXT_EDITING: &str = "type to filter · Backspace deletes · ←→ move";

/// Write bindings do not exist in read-only mode: not dispatched, not hinted, not in help.
fn allowed(b: &Binding, read_only: bool) -> bool {
    !read_only || b.effect == Effect::Read
}

/// Finds the action for a key in `context`, honouring read-only mode. Global bindings
/// apply first.
pub fn lookup(context: Context, key: &KeyEvent, read_only: bool) -> Option<Action> {
    let chain = [Some(Context::Global), Some(context), context.parent()];
    chain.into_iter().flatten().find_map(|ctx| {
        BINDINGS
            .iter()
            .filter(|b| b.context == ctx && allowed(b, read_only))
            .find(|b| {
                b.keys
                    .iter()
                    .any(|(code, mods)| *code == key.code && key.modifiers == *mods)
            })
            .map(|b| b.action)
    })
}

/// Footer hints of a context, `(label, words)`: its own keys first, then the shared ones.
pub fn hints(context: Context, read_only: bool) -> Vec<(&'static str, &'static str)> {
    let own = BINDINGS.iter().filter(|b| b.context == context);
    let shared = BINDINGS
        .iter()
        .filter(|b| Some(b.context) == context.parent());
    own.chain(shared)
        .filter(|b| !b.hint.is_empty() && allowed(b, read_only))
        .map(|b| (b.label, b.hint))
        .collect()
}

/// The command palette's entries for `context`: its own actions, then the shared ones
/// (its parent's, then the global ones), each action once, the palette itself left out.
pub fn palette(context: Context, read_only: bool) -> Vec<&'static Binding> {
    let chain = [Some(context), context.parent(), Some(Context::Global)];
    let mut out: Vec<&'static Binding> = Vec::new();
    for ctx in chain.into_iter().flatten() {
        for b in BINDINGS
            .iter()
            .filter(|b| b.context == ctx && allowed(b, read_only))
        {
            if b.action != Action::Palette && !out.iter().any(|o| o.action == b.action) {
                out.push(b);
            }
        }
    }
    out
}

/// The help overlay's groups, in table order.
pub fn help_groups(read_only: bool) -> Vec<(Context, Vec<&'static Binding>)> {
    let mut groups: Vec<(Context, Vec<&'static Binding>)> = Vec::new();
    for b in BINDINGS.iter().filter(|b| allowed(b, read_only)) {
        match groups.iter_mut().find(|(c, _)| *c == b.context) {
            Some((_, list)) => list.push(b),
            None => groups.push((b.context, vec![b])),
        }
    }
    groups
}

/// The key table for README.md, grouped like the help overlay (tests/readme.rs keeps the
/// README in step with this).
pub fn markdown_table() -> String {
    let mut out = String::from("| where | key | does |\n|---|---|---|\n");
    for (context, bindings) in help_groups(false) {
        for b in bindings {
            let label = b.label.replace('|', "\\|");
            out.push_str(&format!(
                "| {} | `{}` | {} |\n",
                context.title(),
                label,
                b.help
            ));
        }
    }
    out
}
