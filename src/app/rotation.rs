//! `R`: rotating a signing secret from the dashboard (issue 20). On a subscription that is
//! not rotating it asks to create the twin (the new secret through the one-time secret
//! dialog); on either row of a pair it offers finish (both re-read, then the usual delete
//! confirmation for the old one) or abort (delete the new one). The decisions are
//! `lifecycle::rotate`'s; the requests are Cmds; every step is audited with both ids.

use super::undo::Undo;
use super::{ApiResult, App, Banner, Cmd, Modal, ReqId};
use crate::api::{ApiError, CreatedSubscription, Subscription};
use crate::audit::{AuditEntry, Outcome, RotationIds};
use crate::lifecycle::rotate::{self, Found, Pair};
use crate::text::clean;

/// Which delete closes a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Finish,
    Abort,
}

/// What the app knows of rotations.
#[derive(Debug, Default)]
pub struct Rotation {
    /// Open pairs of this account's trail, and those started in this session.
    pub open: Vec<Pair>,
    /// The rotations in progress now: `open` whose two subscriptions are listed, then the
    /// `linq_rotation` parameter's (rebuilt with the findings).
    pub pairs: Vec<Pair>,
    /// The twin's create in flight: (request, old id).
    start: Option<(ReqId, String)>,
    /// Both re-read before a finish.
    reread: Option<(ReqId, Pair)>,
    /// The delete dialog open for a finish (the old one) or an abort (the new one).
    confirm: Option<(Pair, Step)>,
    /// The delete in flight that closes a pair.
    deleting: Option<(ReqId, Pair, Step)>,
}

impl App {
    /// A rotation's own create or delete: it writes its own line (`rotate-start`,
    /// `rotate-finish`, `rotate-abort`, with both ids) when the answer comes.
    pub(super) fn rotation_owns(&self, req: ReqId) -> bool {
        self.rotation.start.as_ref().is_some_and(|(r, _)| *r == req)
            || self
                .rotation
                .deleting
                .as_ref()
                .is_some_and(|(r, _, _)| *r == req)
    }

    /// The rotation `id` is part of, if any.
    pub fn rotation_of(&self, id: &str) -> Option<&Pair> {
        rotate::pair_of(&self.rotation.pairs, id)
    }

    pub(super) fn rotation_starting(&self, req: ReqId) -> bool {
        self.rotation.start.as_ref().is_some_and(|(r, _)| *r == req)
    }

    pub(super) fn rotation_deleting(&self, req: ReqId) -> bool {
        self.rotation
            .deleting
            .as_ref()
            .is_some_and(|(r, _, _)| *r == req)
    }

    /// `R` on the selected row.
    pub(super) fn rotate_key(&mut self) -> Vec<Cmd> {
        let Some(sub) = self.selected_subscription().cloned() else {
            return Vec::new();
        };
        if self.refuse_if_pending(&sub.id) {
            return Vec::new();
        }
        if let Some(pair) = self.rotation_of(&sub.id).cloned() {
            self.modal = Some(Modal::RotationPair { pair });
            return Vec::new();
        }
        if self.rotation.start.is_some() {
            self.banner = Some(Banner::notice(
                "A rotation is starting: wait for its secret first",
            ));
            return Vec::new();
        }
        let new_url = rotate::twin_url(&sub, &self.subscriptions);
        self.modal = Some(Modal::ConfirmRotate {
            id: sub.id,
            target_url: sub.target_url,
            new_url,
        });
        Vec::new()
    }

    /// `y` in the start dialog: create the twin.
    pub(super) fn rotate_yes(&mut self) -> Vec<Cmd> {
        let Some(Modal::ConfirmRotate { id, new_url, .. }) = self.modal.take() else {
            return Vec::new();
        };
        let Some(old) = self.subscriptions.iter().find(|s| s.id == id).cloned() else {
            self.banner = Some(Banner::notice("That subscription is gone: nothing started"));
            return Vec::new();
        };
        let req = self.next_id();
        self.rotation.start = Some((req, old.id.clone()));
        self.banner = Some(Banner::notice(format!(
            "Creating the new subscription at {}…",
            clean(&new_url)
        )));
        vec![Cmd::Create {
            req,
            body: rotate::twin(&old, new_url),
        }]
    }

    fn rotation_audit(&self, op: &str, sub_id: &str, url: &str, pair: &Pair) -> AuditEntry {
        let mut entry = self.audit(op, sub_id, url);
        entry.rotation = Some(RotationIds {
            old_id: pair.old_id.clone(),
            new_id: pair.new_id.clone(),
        });
        entry
    }

    /// The answer to a create: the twin's, when it is the rotation's request.
    pub(super) fn on_rotation_created(
        &mut self,
        req: ReqId,
        target_url: String,
        result: Result<CreatedSubscription, ApiError>,
    ) -> Option<Vec<Cmd>> {
        let (_, old_id) = self.rotation.start.take_if(|(r, _)| *r == req)?;
        self.dirty = true;
        let created = match result {
            Ok(created) => created,
            Err(err) => {
                let audit = Cmd::Audit {
                    entry: Box::new(
                        self.audit(rotate::START, "", &target_url)
                            .outcome(Outcome::failed(&err)),
                    ),
                };
                let heading = if err.outcome_unknown() {
                    "No answer to the rotation's create: refresh (r) and look for a subscription \
                     at the new URL; its secret is lost, so delete it if it is there"
                } else {
                    "Rotation not started"
                };
                self.banner = Some(Banner::error(heading, &err));
                return Some(vec![audit, self.load_list(false)]);
            }
        };
        let new = &created.subscription;
        let pair = Pair {
            old_id,
            new_id: new.id.clone(),
            since: Some(self.now),
            found: Found::Trail,
        };
        let audit = Cmd::Audit {
            entry: Box::new(
                self.rotation_audit(rotate::START, &new.id, &new.target_url, &pair)
                    .created(new)
                    .outcome(Outcome::ok(201)),
            ),
        };
        self.rotation.open.push(pair);
        // The secret dialog, the new row (and with it the pair and its findings).
        let mut cmds = self.on_created_inner(target_url, Ok(created));
        self.banner = Some(Banner::info(format!(
            "Rotation started: {}. R on either row finishes it.",
            rotate::OVERLAP_NOTE
        )));
        cmds.push(audit);
        Some(cmds)
    }

    /// `f` / `a` / `Esc` in the pair dialog.
    pub(super) fn rotate_finish(&mut self) -> Vec<Cmd> {
        let Some(Modal::RotationPair { pair }) = self.modal.take() else {
            return Vec::new();
        };
        let req = self.next_id();
        self.banner = Some(Banner::notice(
            "Re-reading both subscriptions before finishing…",
        ));
        let cmd = Cmd::RereadPair {
            req,
            old_id: pair.old_id.clone(),
            new_id: pair.new_id.clone(),
        };
        self.rotation.reread = Some((req, pair));
        vec![cmd]
    }

    /// Abort asks the usual delete question for the new one first: the receiver may
    /// already verify with its secret, and a deleted subscription's secret is gone.
    pub(super) fn rotate_abort(&mut self) -> Vec<Cmd> {
        let Some(Modal::RotationPair { pair }) = self.modal.take() else {
            return Vec::new();
        };
        if self.refuse_if_pending(&pair.new_id) {
            return Vec::new();
        }
        let target_url = self
            .subscriptions
            .iter()
            .find(|s| s.id == pair.new_id)
            .map(|s| s.target_url.clone())
            .unwrap_or_default();
        self.modal = Some(Modal::ConfirmDelete {
            id: pair.new_id.clone(),
            target_url,
            on_delete: false,
        });
        self.banner = Some(Banner::notice(
            "Aborting the rotation deletes the NEW subscription and its secret",
        ));
        self.rotation.confirm = Some((pair, Step::Abort));
        self.dirty = true;
        Vec::new()
    }

    /// Both re-read: refuse naming what changed, or ask the usual delete question.
    pub(super) fn on_pair_reread(
        &mut self,
        req: ReqId,
        old: Result<Option<Subscription>, ApiError>,
        new: Result<Option<Subscription>, ApiError>,
    ) {
        let Some((_, pair)) = self.rotation.reread.take_if(|(r, _)| *r == req) else {
            return;
        };
        self.dirty = true;
        let (old, new) = match (old, new) {
            (Ok(old), Ok(new)) => (old, new),
            (Err(err), _) | (_, Err(err)) => {
                self.banner = Some(Banner::error(
                    "Cannot re-read the pair: not finishing",
                    &err,
                ));
                return;
            }
        };
        let refusals = rotate::finish_refusals(&pair, old.as_ref(), new.as_ref());
        match old {
            Some(old) if refusals.is_empty() => {
                self.modal = Some(Modal::ConfirmDelete {
                    id: old.id.clone(),
                    target_url: old.target_url.clone(),
                    on_delete: false,
                });
                self.rotation.confirm = Some((pair, Step::Finish));
            }
            _ => {
                let reasons: Vec<String> = refusals.iter().map(|r| clean(r).into_owned()).collect();
                self.banner = Some(Banner::error_text(format!(
                    "Not finishing, nothing deleted: {}",
                    reasons.join("; ")
                )));
            }
        }
    }

    /// `Ctrl-D` opens a plain delete question: a finish asked earlier and cancelled is over.
    pub(super) fn forget_rotation_finish(&mut self) {
        self.rotation.confirm = None;
    }

    /// The delete dialog was confirmed: a finish when it is the old one of the pair, an
    /// abort when it is the new one.
    pub(super) fn tag_rotation_delete(&mut self, req: ReqId, id: &str) {
        if let Some((pair, step)) = self.rotation.confirm.take() {
            let closing = match step {
                Step::Finish => &pair.old_id,
                Step::Abort => &pair.new_id,
            };
            if closing == id {
                self.rotation.deleting = Some((req, pair, step));
            }
        }
    }

    /// The answer to a delete that closes a pair (`None`: not one of ours).
    pub(super) fn on_rotation_deleted(
        &mut self,
        req: ReqId,
        id: &str,
        result: Result<(), ApiError>,
    ) -> Option<Vec<Cmd>> {
        let (_, pair, step) = self.rotation.deleting.take_if(|(r, _, _)| *r == req)?;
        let pending = self.pending.remove(id);
        let before = self.subscriptions.iter().find(|s| s.id == id).cloned();
        let url = pending.map(|p| p.target_url).unwrap_or_default();
        let op = match step {
            Step::Finish => rotate::FINISH,
            Step::Abort => rotate::ABORT,
        };
        let mut entry = self.rotation_audit(op, id, &url, &pair);
        if let Some(sub) = &before {
            entry = entry.deleted(sub);
        }
        let audit = Cmd::Audit {
            entry: Box::new(entry.outcome(Outcome::of(&result, 204))),
        };
        self.dirty = true;
        match result {
            Err(err) if !err.is_not_found() => {
                self.banner = Some(Banner::error(
                    match step {
                        Step::Finish => "Finish failed: both still deliver",
                        Step::Abort => "Abort failed: both still deliver",
                    },
                    &err,
                ));
                return Some(vec![audit]);
            }
            _ => {}
        }
        self.rotation.open.retain(|p| p.new_id != pair.new_id);
        self.remove_subscription(id);
        self.write_landed = true;
        self.banner = Some(Banner::info(match step {
            Step::Finish => format!(
                "Rotation finished: deleted the old subscription {}; {} alone delivers, with \
                 the new secret",
                clean(&pair.old_id),
                clean(&pair.new_id)
            ),
            Step::Abort => format!(
                "Rotation aborted: deleted the new subscription {}; {} keeps delivering with \
                 its old secret",
                clean(&pair.new_id),
                clean(&pair.old_id)
            ),
        }));
        // The old secret is gone for good: `u` says so instead of offering a re-create.
        self.undo = Some(match step {
            Step::Finish => Undo::Refused(rotate::NO_UNDO.to_string()),
            Step::Abort => Undo::Refused(
                "an aborted rotation is not undone: start a new one with R".to_string(),
            ),
        });
        Some(vec![audit])
    }

    /// The trail's open pairs arrived (at start and after a switch of account).
    pub(super) fn on_rotation_trail(&mut self, open: Vec<Pair>) {
        for pair in open {
            if !self.rotation.open.iter().any(|p| p.new_id == pair.new_id) {
                self.rotation.open.push(pair);
            }
        }
        self.recount();
        self.refilter();
        self.dirty = true;
    }

    /// The pairs and their findings follow the list (called by `recount`).
    pub(super) fn recount_rotations(&mut self) {
        self.rotation.pairs = rotate::combine(self.rotation.open.clone(), &self.subscriptions);
        crate::diagnose::rotation::apply(
            &mut self.findings,
            &self.subscriptions,
            &self.rotation.pairs,
            self.now,
        );
    }

    /// The command that reads this account's open pairs from the trail.
    pub(super) fn load_rotations(&mut self) -> Cmd {
        self.rotation = Rotation::default();
        let account = self.audit_account();
        Cmd::LoadRotations {
            account: account.name,
            // The embedded sandbox gets a new port every run: any host of its name.
            host: if self.connection.sandbox {
                String::new()
            } else {
                account.host
            },
        }
    }

    /// Answers of the re-read.
    pub(super) fn on_rotation_answer(&mut self, req: ReqId, result: ApiResult) {
        if let ApiResult::PairReread { old, new } = result {
            self.on_pair_reread(req, *old, *new);
        }
    }
}

#[cfg(test)]
#[path = "rotation_tests.rs"]
mod tests;
