//! Side effects as data: `update` returns these, the runtime executes them.

use super::msg::ReqId;
use crate::api::SubscriptionPatch;

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
    /// Copy non-secret text (an id, a URL).
    Copy {
        text: String,
        what: String,
    },
    Quit,
}
