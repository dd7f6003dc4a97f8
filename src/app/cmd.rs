//! Side effects as data: `update` returns these, the runtime executes them.

use super::msg::ReqId;
use crate::api::{NewSubscription, SubscriptionPatch};
use zeroize::Zeroizing;

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// Send [`super::Msg::FinishFindings`] back once the next frame is drawn: the rest of a
    /// large list's findings, which the first screen does not need.
    AfterFrame,
    /// `quiet`: an auto-refresh, which shows no spinner and redraws only on change.
    /// `unless`: the digest of the answer the rows shown were read from, while nothing
    /// has changed them since; an answer with the same digest is not decoded again
    /// ([`super::ApiResult::ListUnchanged`]).
    LoadList {
        req: ReqId,
        quiet: bool,
        unless: Option<u64>,
        /// Nothing is shown yet: a large list's first rows (this many) are wanted before
        /// the rest ([`super::ApiResult::FirstRows`]).
        first_screen: Option<usize>,
    },
    LoadCatalog {
        req: ReqId,
    },
    Update {
        req: ReqId,
        id: String,
        patch: SubscriptionPatch,
    },
    Delete {
        req: ReqId,
        id: String,
    },
    /// POST: sent once, never retried.
    Create {
        req: ReqId,
        body: NewSubscription,
    },
    /// The edit form's PUT: only the changed fields.
    Save {
        req: ReqId,
        id: String,
        patch: SubscriptionPatch,
    },
    /// The account's phone lines, for the phone-filter picker.
    LoadLines {
        req: ReqId,
    },
    /// Copy the signing secret (wiped from this command once handed over).
    CopySecret {
        text: Zeroizing<String>,
    },
    /// Copy non-secret text (an id, a URL).
    Copy {
        text: String,
        what: String,
    },
    /// Connect to another account (a profile, `environment`, `sandbox`): read its key,
    /// build its client, cancel the old account's requests.
    SwitchAccount {
        name: String,
    },
    /// Read these accounts' subscriptions for the Accounts view, at most four at a time;
    /// each answers with `Msg::AccountRead`.
    ReadAccounts {
        names: Vec<String>,
    },
    /// Sandbox only: send a test event (`POST /_sandbox/v1/events`).
    SendTestEvent {
        req: ReqId,
        event_type: String,
        phone_number: Option<String>,
    },
    /// A subscription's newest `last` attempts from the delivery log (linq-api.md §12).
    LoadDeliveries {
        req: ReqId,
        subscription_id: String,
        last: usize,
    },
    /// `X`: write these subscriptions as an export document (the format from the path's
    /// name) to `path`; an existing regular file only with `overwrite`.
    ExportFile {
        path: String,
        subscriptions: Vec<crate::api::Subscription>,
        account: String,
        host: String,
        overwrite: bool,
    },
    /// Read the audit trail of `account` (its newest entries; matched by identity, see
    /// `AuditAccount::same_account`).
    LoadHistory {
        account: crate::audit::AuditAccount,
    },
    /// The open secret rotations of `account` on `host` (empty: any host), from the audit
    /// trail.
    LoadRotations {
        account: String,
        host: String,
    },
    /// GET both subscriptions of a rotation (a 404 is an answer: gone).
    RereadPair {
        req: ReqId,
        old_id: String,
        new_id: String,
    },
    /// Append one line to the audit trail.
    Audit {
        entry: Box<crate::audit::AuditEntry>,
    },
    /// Probe an endpoint (DNS, connect, TLS, HEAD): nothing is posted.
    Probe {
        req: ReqId,
        url: String,
    },
    /// Probe the endpoint (stages 1–4), then POST one signed test delivery to it (stage 5,
    /// as `probe --send`): a real request to the customer's endpoint. `secret`: the
    /// subscription's, or `None` to sign with a fresh random one. Its Debug is redacted.
    TestDelivery {
        req: ReqId,
        url: String,
        subscription_id: String,
        event_type: String,
        secret: Option<Zeroizing<String>>,
    },
    /// Stop these probes; their results are not wanted.
    CancelProbes {
        reqs: Vec<ReqId>,
    },
    Quit,
}
