//! Side effects as data: `update` returns these, the runtime executes them.

use super::msg::ReqId;
use crate::api::{NewSubscription, SubscriptionPatch};
use zeroize::Zeroizing;

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    /// `quiet`: an auto-refresh, which shows no spinner and redraws only on change.
    LoadList {
        req: ReqId,
        quiet: bool,
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
    /// Sandbox only: send a test event (`POST /_sandbox/v1/events`).
    SendTestEvent {
        req: ReqId,
        event_type: String,
        phone_number: Option<String>,
    },
    /// Sandbox only: a subscription's last delivery attempts.
    LoadDeliveries {
        req: ReqId,
        subscription_id: String,
        limit: u32,
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
    /// Read the audit trail of `account` (its newest entries).
    LoadHistory {
        account: String,
    },
    /// Append one line to the audit trail.
    Audit {
        entry: crate::audit::AuditEntry,
    },
    Quit,
}
