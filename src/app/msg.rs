//! Everything that can happen to the app: input from the terminal, results of commands,
//! and the clock.

use crate::api::{ApiError, CreatedSubscription, EventCatalog, PhoneNumber, Subscription};
use crossterm::event::{KeyEvent, MouseEvent};
use time::OffsetDateTime;

/// Identifies one request, so that `update` can drop results that are no longer current.
pub type ReqId = u64;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// The wall clock moved (spinner frames, "refreshed 2 min ago").
    Tick {
        now: OffsetDateTime,
    },
    /// The auto-refresh timer fired.
    AutoRefresh,
    /// The frame with the rows is out: the findings of the rows not on it now.
    FinishFindings,
    Api {
        req: ReqId,
        result: ApiResult,
    },
    Copied(CopyOutcome),
    /// The export file `X` asked for: written (how many subscriptions), or why not.
    Exported {
        path: String,
        result: Result<usize, super::export::ExportFailure>,
    },
    /// The audit trail of the account, read for `H` (newest first, with the count of
    /// unreadable lines skipped), or why not.
    History(Result<crate::audit::Trail, String>),
    /// The open secret rotations of the account's audit trail (`rotate-start` without a
    /// finish or abort).
    RotationTrail(Vec<crate::lifecycle::rotate::Pair>),
    /// Time to refresh the deliveries shown (every 3 s while the detail pane has them).
    PollDeliveries,
    /// A probe of an endpoint (`P`) finished.
    Probed {
        req: ReqId,
        report: Box<crate::evidence::probe::ProbeReport>,
    },
    /// Appending to the audit trail failed (a warning; the change itself happened).
    AuditFailed(String),
    /// The runtime connected to account `to` (the switcher), or says why not.
    Switched {
        to: String,
        result: Result<super::Connection, String>,
    },
    /// Another account's subscriptions, read for the Accounts view (or why not).
    AccountRead {
        name: String,
        at: OffsetDateTime,
        result: Result<Vec<Subscription>, String>,
    },
    /// SIGTERM / SIGHUP / SIGINT: leave cleanly, then exit with this status (128 + the
    /// signal number, as a shell reports a process killed by it).
    Shutdown {
        exit_code: i32,
    },
}

#[derive(Debug)]
pub enum ApiResult {
    /// `digest`: of the answer's body (see [`crate::api::LinqClient::list_unless`]).
    List {
        at: OffsetDateTime,
        result: Result<Vec<Subscription>, ApiError>,
        digest: Option<u64>,
    },
    /// The first rows of a large first list, before the whole of it
    /// ([`crate::api::LinqClient::list_showing_first`]); its [`ApiResult::List`] follows.
    FirstRows(crate::api::FirstRows),
    /// The answer had the digest [`super::Cmd::LoadList`] named: the same list as shown.
    ListUnchanged {
        at: OffsetDateTime,
    },
    Catalog(Result<EventCatalog, ApiError>),
    Updated {
        id: String,
        result: Result<Subscription, ApiError>,
    },
    Deleted {
        id: String,
        result: Result<(), ApiError>,
    },
    Created {
        target_url: String,
        result: Result<CreatedSubscription, ApiError>,
    },
    Saved {
        result: Result<Subscription, ApiError>,
    },
    Lines(Result<Vec<PhoneNumber>, ApiError>),
    /// The sandbox took a test event (`t`).
    TestEvent {
        event_type: String,
        result: Result<super::deliveries::TestEventSent, ApiError>,
    },
    /// Both subscriptions of a rotation re-read before a finish (`None`: not found).
    /// Boxed: two rows would make every message larger.
    PairReread {
        old: Box<Result<Option<Subscription>, ApiError>>,
        new: Box<Result<Option<Subscription>, ApiError>>,
    },
    /// A subscription's newest attempts from the delivery log, newest first.
    Deliveries {
        id: String,
        result: Result<Vec<crate::evidence::logs::LogEntry>, crate::evidence::logs::LogsError>,
    },
}

/// What the clipboard really did, said honestly to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyOutcome {
    /// Put on the system clipboard (arboard); it is lost when linq-hooks exits on X11/Wayland.
    System {
        what: String,
    },
    /// Sent to the terminal as OSC 52: works only if the terminal honours it.
    Osc52 {
        what: String,
        tmux: bool,
    },
    Failed {
        what: String,
        reason: String,
    },
}
