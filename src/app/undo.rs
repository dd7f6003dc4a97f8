//! Undo (`u`): the last pause, resume, edit or bulk change of the session is taken back
//! after reading the list again — refused, naming the fields, if anyone changed them since.
//! After a delete it offers to create the subscription again: same settings, a new id and
//! a new signing secret, and paused again if it was paused.

use super::bulk::BulkOp;
use super::trail::Written;
use super::{App, Banner, Cmd, Modal, Pending, PendingOp, ReqId};
use crate::api::{
    ApiError, CreatedSubscription, FieldChange, NewSubscription, Subscription, SubscriptionPatch,
};
use crate::text::clean;

/// One change to take back: the patch that restores the old values, and the values the
/// change left, which must still be there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoItem {
    pub id: String,
    pub target_url: String,
    pub inverse: SubscriptionPatch,
    pub expected: Subscription,
}

/// An undone delete on its way back: the create, then (if it was paused) the pause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recreating {
    pub create: ReqId,
    pub pause: Option<ReqId>,
    /// The deleted subscription's id: the new one has another.
    pub old_id: String,
    /// It was paused: the new one is paused too.
    pub paused: bool,
    /// The create and the pause share it in the trail.
    pub batch: String,
}

/// What `u` takes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Undo {
    Writes {
        label: String,
        items: Vec<UndoItem>,
    },
    /// A deleted subscription: only a new one with the same settings can replace it.
    Recreate(Box<Subscription>),
    /// A change that cannot be taken back (a finished rotation): `u` says why.
    Refused(String),
}

/// The patch that puts back `before`'s values of the fields `patch` sets.
pub fn inverse_patch(before: &Subscription, patch: &SubscriptionPatch) -> SubscriptionPatch {
    let nullable = |v: &Option<String>| match v {
        Some(s) => FieldChange::Set(s.clone()),
        None => FieldChange::Clear,
    };
    SubscriptionPatch {
        target_url: patch.target_url.as_ref().map(|_| before.target_url.clone()),
        subscribed_events: patch
            .subscribed_events
            .as_ref()
            .map(|_| before.event_names()),
        is_active: patch.is_active.map(|_| before.is_active),
        phone_numbers: patch
            .phone_numbers
            .as_ref()
            .map(|_| match &before.phone_numbers {
                Some(list) if !list.is_empty() => FieldChange::Set(list.clone()),
                _ => FieldChange::Clear,
            }),
        routing_key_header: patch
            .routing_key_header
            .as_ref()
            .map(|_| nullable(&before.routing_key_header)),
        routing_id_header: patch
            .routing_id_header
            .as_ref()
            .map(|_| nullable(&before.routing_id_header)),
    }
}

/// The fields `patch` sets whose value in `now` differs from `expected`.
fn changed_since(
    patch: &SubscriptionPatch,
    expected: &Subscription,
    now: &Subscription,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    if patch.target_url.is_some() && now.target_url != expected.target_url {
        out.push("target_url");
    }
    if patch.subscribed_events.is_some() && now.subscribed_events != expected.subscribed_events {
        out.push("subscribed_events");
    }
    if patch.is_active.is_some() && now.is_active != expected.is_active {
        out.push("is_active");
    }
    if patch.phone_numbers.is_some() && now.phone_filter() != expected.phone_filter() {
        out.push("phone_numbers");
    }
    if patch.routing_key_header.is_some() && now.routing_key_header != expected.routing_key_header {
        out.push("routing_key_header");
    }
    if patch.routing_id_header.is_some() && now.routing_id_header != expected.routing_id_header {
        out.push("routing_id_header");
    }
    out
}

impl App {
    /// `u`: check the list first, then take the last change back.
    pub(super) fn ask_undo(&mut self) -> Vec<Cmd> {
        // The last change is the one under way: `u` must not reach past it to an older one.
        if let Some(batch) = &self.batch {
            self.banner = Some(Banner::notice(format!(
                "{} of {} of the bulk change done: u undoes it once it is finished",
                batch.done, batch.total
            )));
            return Vec::new();
        }
        match &self.undo {
            None => {
                self.banner = Some(Banner::notice(
                    "Nothing to undo: no pause, resume, edit or single delete since the start or the last switch of account",
                ));
                Vec::new()
            }
            Some(Undo::Refused(why)) => {
                self.banner = Some(Banner::notice(format!(
                    "Not undone: {}",
                    crate::text::clean(why)
                )));
                Vec::new()
            }
            Some(Undo::Recreate(sub)) => {
                self.modal = Some(Modal::ConfirmRecreate {
                    target_url: sub.target_url.clone(),
                });
                Vec::new()
            }
            Some(Undo::Writes { label, .. }) => {
                self.banner = Some(Banner::notice(format!(
                    "Undo {label}: checking that nothing changed since…"
                )));
                let cmd = self.load_list(false);
                if let Cmd::LoadList { req, .. } = &cmd {
                    self.undo_check = Some(*req);
                }
                vec![cmd]
            }
        }
    }

    /// The list asked for by `u` arrived (already applied): undo, or refuse naming why.
    pub(super) fn resolve_undo(&mut self, req: u64) -> Vec<Cmd> {
        if self.undo_check != Some(req) {
            return Vec::new();
        }
        self.undo_check = None;
        let Some(Undo::Writes { items, .. }) = self.undo.clone() else {
            return Vec::new();
        };
        let mut refusals = Vec::new();
        for item in &items {
            match self.subscriptions.iter().find(|s| s.id == item.id) {
                None => refusals.push(format!("{} was deleted since", clean(&item.target_url))),
                Some(now) => {
                    let changed = changed_since(&item.inverse, &item.expected, now);
                    if !changed.is_empty() {
                        refusals.push(format!(
                            "{} changed since ({})",
                            clean(&item.target_url),
                            changed.join(", ")
                        ));
                    }
                }
            }
        }
        if !refusals.is_empty() {
            self.banner = Some(Banner::error_text(format!(
                "Not undone: {}",
                refusals.join("; ")
            )));
            return Vec::new();
        }
        let op = if items.iter().all(|i| i.inverse.is_active == Some(false)) {
            BulkOp::Pause
        } else if items.iter().all(|i| i.inverse.is_active == Some(true)) {
            BulkOp::Resume
        } else {
            BulkOp::Pause // a mixed undo (edits) goes through PUTs all the same
        };
        let work = items.into_iter().map(|i| (i.id, i.inverse)).collect();
        self.start_batch(op, work, true)
    }

    /// `y` on "create it again?": the deleted subscription's settings, a new secret.
    pub(super) fn recreate(&mut self) -> Vec<Cmd> {
        self.modal = None;
        let Some(Undo::Recreate(sub)) = self.undo.take() else {
            return Vec::new();
        };
        let body = NewSubscription {
            target_url: sub.target_url.clone(),
            subscribed_events: sub.event_names(),
            phone_numbers: (!sub.phone_filter().is_empty()).then(|| sub.phone_filter().to_vec()),
            routing_key_header: sub.routing_key_header.clone(),
            routing_id_header: sub
                .routing_key_header
                .as_ref()
                .and(sub.routing_id_header.clone()),
        };
        let req = self.next_id();
        // The create and the pause that may follow are one change in the trail.
        let batch = self.batch_id();
        self.sent_write(
            req,
            "undo-delete",
            (&sub.id, &sub.target_url),
            Some(batch.clone()),
            Written::Create {
                replaces: Some(sub.id.clone()),
            },
        );
        self.recreating = Some(Recreating {
            create: req,
            pause: None,
            old_id: sub.id.clone(),
            paused: !sub.is_active,
            batch,
        });
        self.banner = Some(Banner::notice(format!(
            "Creating {} again…",
            clean(&sub.target_url)
        )));
        vec![Cmd::Create { req, body }]
    }

    /// The create of an undone delete answered: what to finish, if it is that create.
    pub(super) fn recreated(
        &mut self,
        req: ReqId,
        result: &Result<CreatedSubscription, ApiError>,
    ) -> Option<(Recreating, Subscription)> {
        let recreating = self.recreating.take_if(|r| r.create == req)?;
        match result {
            Ok(created) => Some((recreating, created.subscription.clone())),
            Err(_) => None,
        }
    }

    /// Says in the secret dialog what changed (a new id, a new secret) and, when the
    /// deleted subscription was paused, pauses the new one: it comes back as it was.
    pub(super) fn restore_recreated(
        &mut self,
        (mut recreating, created): (Recreating, Subscription),
    ) -> Option<Cmd> {
        let mut note = format!(
            "Created again as {} (was {}), with a new signing secret",
            clean(&created.id),
            clean(&recreating.old_id)
        );
        let cmd = if recreating.paused && created.is_active {
            note.push_str("; pausing it, as it was…");
            let req = self.next_id();
            if let Some(sub) = self.row_mut(&created.id) {
                sub.is_active = false;
            }
            self.pending.insert(
                created.id.clone(),
                Pending {
                    req,
                    op: PendingOp::Pause { was_active: true },
                    target_url: created.target_url.clone(),
                },
            );
            self.sent_write(
                req,
                "undo-delete",
                (&created.id, &created.target_url),
                Some(recreating.batch.clone()),
                Written::Pause { was_active: true },
            );
            recreating.pause = Some(req);
            self.recreating = Some(recreating);
            self.recount();
            self.refilter();
            Some(Cmd::Update {
                req,
                id: created.id.clone(),
                patch: SubscriptionPatch::pause(false),
            })
        } else {
            note.push('.');
            None
        };
        self.banner = Some(Banner::info(note.clone()));
        if let Some(dialog) = self.secret_dialog.as_mut() {
            dialog.note = Some(note);
        }
        cmd
    }

    /// The pause that puts an undone delete back as it was answered: says how it ended
    /// (it is part of the undo, not a change `u` could take back).
    pub(super) fn recreated_pause(
        &mut self,
        req: ReqId,
        result: &Result<Subscription, ApiError>,
    ) -> bool {
        let Some(recreating) = self.recreating.take_if(|r| r.pause == Some(req)) else {
            return false;
        };
        let done = match result {
            Ok(sub) if !sub.is_active => "paused, as it was",
            Ok(_) => "the server kept it ACTIVE (p pauses it)",
            Err(_) => "but it is ACTIVE: the pause failed (p pauses it)",
        };
        self.banner = Some(match result {
            Ok(sub) if !sub.is_active => Banner::info(format!(
                "Created {} again (was {}): {done}",
                clean(&sub.id),
                clean(&recreating.old_id)
            )),
            Ok(_) => Banner::error_text(format!("Created again: {done}")),
            Err(err) => Banner::error(&format!("Created again, {done}"), err),
        });
        true
    }

    /// A single change landed: it is what `u` takes back now.
    pub(super) fn remember_undo(
        &mut self,
        before: &Subscription,
        patch: &SubscriptionPatch,
        after: &Subscription,
    ) {
        self.undo = Some(Undo::Writes {
            label: describe_patch(patch),
            items: vec![UndoItem {
                id: before.id.clone(),
                target_url: before.target_url.clone(),
                inverse: inverse_patch(before, patch),
                expected: after.clone(),
            }],
        });
    }
}

fn describe_patch(patch: &SubscriptionPatch) -> String {
    match patch.is_active {
        Some(false) if *patch == SubscriptionPatch::pause(false) => "pause".into(),
        Some(true) if *patch == SubscriptionPatch::pause(true) => "resume".into(),
        _ => "edit".into(),
    }
}
