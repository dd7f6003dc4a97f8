//! The dialog (or overlay) in front of the list: at most one at a time.

use super::{bulk, fleet_view, history};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modal {
    Help,
    /// The account switcher; `cursor` indexes `App::accounts`.
    Accounts {
        cursor: usize,
        /// `/`: the search across every account, when open.
        search: Option<fleet_view::AccountSearch>,
    },
    /// `:`: the command palette.
    Palette(fleet_view::Palette),
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
        /// `u` takes back what went through (false after a delete, or when nothing did).
        undoable: bool,
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
    /// The audit trail of this account (`H`), newest first; a bulk change is one row.
    History(history::HistoryView),
    ConfirmDelete {
        id: String,
        target_url: String,
        /// Focus starts on Cancel, so a stray Enter keeps the subscription.
        on_delete: bool,
    },
    /// `R` on a subscription not rotating: create a twin at `new_url` (a new secret)?
    ConfirmRotate {
        id: String,
        target_url: String,
        new_url: String,
    },
    /// `R` on either row of a rotation: finish or abort it.
    RotationPair {
        pair: crate::lifecycle::rotate::Pair,
    },
}
