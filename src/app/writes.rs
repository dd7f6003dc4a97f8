//! Single-row writes from the list: pause/resume (shown optimistically) and delete.

use super::{App, Banner, BannerKind, Cmd, Modal, Pending, PendingOp};
use crate::api::SubscriptionPatch;

impl App {
    /// A subscription with a write in flight takes no second one; says so.
    pub(super) fn refuse_if_pending(&mut self, id: &str) -> bool {
        let pending = self.pending.contains_key(id);
        if pending {
            self.banner = Some(
                Banner::notice("Still waiting for the server on this subscription")
                    .of_kind(BannerKind::Waiting),
            );
        }
        pending
    }

    pub(super) fn toggle_pause(&mut self) -> Vec<Cmd> {
        let Some(id) = self.selected.clone() else {
            return Vec::new();
        };
        if self.refuse_if_pending(&id) {
            return Vec::new();
        }
        let req = self.next_id();
        let Some(sub) = self.row_mut(&id) else {
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

    pub(super) fn confirm_delete(&mut self) -> Vec<Cmd> {
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
        self.tag_rotation_delete(req, &id);
        vec![Cmd::Delete { req, id }]
    }
}
