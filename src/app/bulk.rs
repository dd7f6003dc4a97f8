//! Marks, bulk pause / resume / delete, and undo.
//!
//! `Space` marks a row, `*` every visible row, `Esc` clears the marks. With marks, `p` and
//! `Ctrl-D` ask once (a delete wants the number typed), then send at most four requests at a
//! time through the same pending-write path as a single row, and end with a summary.
//! `u` undoes the last pause, resume, edit or bulk change of the session: it reads the list
//! again first and refuses, naming the fields, if anyone changed them since; after a delete
//! it offers to create the subscription again (with a new secret).

use super::{App, Banner, Cmd, Modal, Pending, PendingOp};
use crate::api::{FieldChange, NewSubscription, Subscription, SubscriptionPatch};
use crate::text::clean;
use std::collections::{BTreeSet, HashSet, VecDeque};

/// Requests of a bulk change in flight at once.
pub const BULK_CONCURRENCY: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkOp {
    Pause,
    Resume,
    Delete,
}

impl BulkOp {
    pub fn verb(self) -> &'static str {
        match self {
            BulkOp::Pause => "Pause",
            BulkOp::Resume => "Resume",
            BulkOp::Delete => "Delete",
        }
    }
}

/// A bulk change under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub op: BulkOp,
    pub undo: bool,
    queue: VecDeque<(String, SubscriptionPatch)>,
    in_flight: HashSet<String>,
    pub total: usize,
    pub done: usize,
    /// `(url, what the server said)` of each item that failed.
    pub failures: Vec<(String, String)>,
    /// What undoes the items that succeeded.
    undo_items: Vec<UndoItem>,
}

/// One change to take back: the patch that restores the old values, and the values the
/// change left, which must still be there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoItem {
    pub id: String,
    pub target_url: String,
    pub inverse: SubscriptionPatch,
    pub expected: Subscription,
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
            .map(|_| before.subscribed_events.clone()),
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
    pub(super) fn toggle_mark(&mut self) {
        if let Some(id) = self.selected.clone() {
            if !self.marked.remove(&id) {
                self.marked.insert(id);
            }
            self.move_selection(1);
        }
    }

    pub(super) fn mark_visible(&mut self) {
        let ids: Vec<String> = self
            .visible
            .iter()
            .map(|&i| self.subscriptions[i].id.clone())
            .collect();
        self.marked.extend(ids);
    }

    /// The marked rows still in the list, in list order.
    fn marked_rows(&self) -> Vec<&Subscription> {
        self.subscriptions
            .iter()
            .filter(|s| self.marked.contains(&s.id))
            .collect()
    }

    /// `p` or `Ctrl-D` with marks: the one question before a bulk change.
    pub(super) fn ask_bulk(&mut self, delete: bool) {
        let rows = self.marked_rows();
        if rows.is_empty() {
            self.marked.clear();
            return;
        }
        let op = if delete {
            BulkOp::Delete
        } else if rows.iter().any(|s| s.is_active) {
            BulkOp::Pause
        } else {
            BulkOp::Resume
        };
        let ids: Vec<String> = rows
            .iter()
            .filter(|s| match op {
                BulkOp::Pause => s.is_active,
                BulkOp::Resume => !s.is_active,
                BulkOp::Delete => true,
            })
            .map(|s| s.id.clone())
            .collect();
        self.modal = Some(Modal::ConfirmBulk {
            op,
            ids,
            typed: String::new(),
            on_confirm: false,
        });
    }

    /// The hosts of the rows a bulk change names ("on 3 hosts").
    pub fn hosts_of(&self, ids: &[String]) -> usize {
        let hosts: BTreeSet<String> = self
            .subscriptions
            .iter()
            .filter(|s| ids.contains(&s.id))
            .filter_map(|s| {
                url::Url::parse(&s.target_url)
                    .ok()?
                    .host_str()
                    .map(str::to_string)
            })
            .collect();
        hosts.len()
    }

    /// Enter / `y` in the bulk dialog.
    pub(super) fn confirm_bulk(&mut self) -> Vec<Cmd> {
        let Some(Modal::ConfirmBulk {
            op,
            ids,
            typed,
            on_confirm,
        }) = self.modal.clone()
        else {
            return Vec::new();
        };
        let confirmed = match op {
            // A delete of many wants its number typed: no reflex gets through.
            BulkOp::Delete => typed.trim() == ids.len().to_string(),
            _ => on_confirm,
        };
        if !confirmed {
            if op == BulkOp::Delete && !typed.is_empty() {
                self.banner = Some(Banner::notice(format!(
                    "Type {} to delete them (you typed {})",
                    ids.len(),
                    clean(&typed)
                )));
            }
            self.modal = None;
            return Vec::new();
        }
        self.modal = None;
        self.marked.clear();
        let items = ids
            .into_iter()
            .map(|id| {
                let patch = match op {
                    BulkOp::Pause => SubscriptionPatch::pause(false),
                    BulkOp::Resume => SubscriptionPatch::pause(true),
                    BulkOp::Delete => SubscriptionPatch::default(),
                };
                (id, patch)
            })
            .collect();
        self.start_batch(op, items, false)
    }

    pub(super) fn bulk_key(&mut self, c: char) {
        if let Some(Modal::ConfirmBulk {
            op: BulkOp::Delete,
            typed,
            ..
        }) = &mut self.modal
        {
            if c.is_ascii_digit() && typed.len() < 8 {
                typed.push(c);
            }
        }
    }

    pub(super) fn bulk_backspace(&mut self) {
        if let Some(Modal::ConfirmBulk { typed, .. }) = &mut self.modal {
            typed.pop();
        }
    }

    fn start_batch(
        &mut self,
        op: BulkOp,
        items: Vec<(String, SubscriptionPatch)>,
        undo: bool,
    ) -> Vec<Cmd> {
        let total = items.len();
        self.batch = Some(Batch {
            op,
            undo,
            queue: items.into(),
            in_flight: HashSet::new(),
            total,
            done: 0,
            failures: Vec::new(),
            undo_items: Vec::new(),
        });
        self.banner = Some(Banner::notice(format!(
            "{}: 0 of {total} done…",
            if undo { "Undoing" } else { op.verb() }
        )));
        self.dispatch_batch()
    }

    /// Sends queued items while fewer than four are in flight.
    fn dispatch_batch(&mut self) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        while let Some(batch) = self.batch.as_mut() {
            if batch.in_flight.len() >= BULK_CONCURRENCY {
                break;
            }
            let Some((id, patch)) = batch.queue.pop_front() else {
                break;
            };
            let op = batch.op;
            let Some(sub) = self.subscriptions.iter_mut().find(|s| s.id == id) else {
                // Gone meanwhile (deleted elsewhere): nothing to do for it.
                if let Some(batch) = self.batch.as_mut() {
                    batch.done += 1;
                }
                continue;
            };
            if self.pending.contains_key(&id) {
                if let Some(batch) = self.batch.as_mut() {
                    batch.done += 1;
                    batch.failures.push((
                        sub.target_url.clone(),
                        "another change of it was still in flight".into(),
                    ));
                }
                continue;
            }
            let target_url = sub.target_url.clone();
            let pending_op = match (op, patch.is_active) {
                (BulkOp::Delete, _) => PendingOp::Delete,
                (_, Some(active)) if patch == SubscriptionPatch::pause(active) => {
                    let was_active = sub.is_active;
                    sub.is_active = active;
                    PendingOp::Pause { was_active }
                }
                _ => PendingOp::Update,
            };
            let req = self.next_id();
            self.pending.insert(
                id.clone(),
                Pending {
                    req,
                    op: pending_op,
                    target_url,
                },
            );
            if let Some(batch) = self.batch.as_mut() {
                batch.in_flight.insert(id.clone());
            }
            cmds.push(match op {
                BulkOp::Delete => Cmd::Delete { req, id },
                _ => Cmd::Update { req, id, patch },
            });
        }
        self.recount();
        self.refilter();
        cmds
    }

    /// Whether `id` is an item of the batch under way (its answer counts there).
    pub(super) fn in_batch(&self, id: &str) -> bool {
        self.batch
            .as_ref()
            .is_some_and(|b| b.in_flight.contains(id))
    }

    /// An item of the batch was answered: count it, send the next, and at the end show
    /// the summary and keep what undoes it.
    pub(super) fn batch_answered(
        &mut self,
        id: &str,
        target_url: &str,
        failure: Option<String>,
        undo_item: Option<UndoItem>,
    ) -> Vec<Cmd> {
        let Some(batch) = self.batch.as_mut() else {
            return Vec::new();
        };
        batch.in_flight.remove(id);
        batch.done += 1;
        if let Some(why) = failure {
            batch.failures.push((target_url.to_string(), why));
        }
        batch.undo_items.extend(undo_item);
        let mut cmds = self.dispatch_batch();
        let Some(batch) = self.batch.as_ref() else {
            return cmds;
        };
        if batch.done >= batch.total && batch.in_flight.is_empty() && batch.queue.is_empty() {
            cmds.extend(self.finish_batch());
        } else {
            let verb = if batch.undo {
                "Undoing"
            } else {
                batch.op.verb()
            };
            self.banner = Some(Banner::notice(format!(
                "{verb}: {} of {} done…",
                batch.done, batch.total
            )));
        }
        cmds
    }

    fn finish_batch(&mut self) -> Vec<Cmd> {
        let Some(batch) = self.batch.take() else {
            return Vec::new();
        };
        let succeeded = batch.total - batch.failures.len();
        let verb = match (batch.undo, batch.op) {
            (true, _) => "Undone",
            (_, BulkOp::Pause) => "Paused",
            (_, BulkOp::Resume) => "Resumed",
            (_, BulkOp::Delete) => "Deleted",
        };
        self.banner = None;
        self.modal = Some(Modal::BulkSummary {
            title: format!("{verb} {succeeded} of {}", batch.total),
            failures: batch.failures,
        });
        if !batch.undo && batch.op != BulkOp::Delete && !batch.undo_items.is_empty() {
            self.undo = Some(Undo::Writes {
                label: format!("{} {succeeded}", batch.op.verb().to_lowercase()),
                items: batch.undo_items,
            });
        } else if batch.undo {
            self.undo = None;
        }
        Vec::new()
    }

    /// `u`: check the list first, then take the last change back.
    pub(super) fn ask_undo(&mut self) -> Vec<Cmd> {
        match &self.undo {
            None => {
                self.banner = Some(Banner::notice(
                    "Nothing to undo: no pause, resume, edit or delete in this session yet",
                ));
                Vec::new()
            }
            Some(Undo::Refused(why)) => {
                self.banner = Some(Banner::notice(format!("Not undone: {}", clean(why))));
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
            subscribed_events: sub.subscribed_events.clone(),
            phone_numbers: (!sub.phone_filter().is_empty()).then(|| sub.phone_filter().to_vec()),
            routing_key_header: sub.routing_key_header.clone(),
            routing_id_header: sub
                .routing_key_header
                .as_ref()
                .and(sub.routing_id_header.clone()),
        };
        let req = self.next_id();
        self.banner = Some(Banner::notice(format!(
            "Creating {} again…",
            clean(&sub.target_url)
        )));
        vec![Cmd::Create { req, body }]
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

/// `HTTP 500 · code 3006: … · trace …` — what support asks for, on one line.
pub fn error_line(err: &crate::api::ApiError) -> String {
    let mut line = err.to_string();
    if let Some(trace) = err.trace_id() {
        line.push_str(" · trace ");
        line.push_str(trace);
    }
    clean(&line).into_owned()
}

fn describe_patch(patch: &SubscriptionPatch) -> String {
    match patch.is_active {
        Some(false) if *patch == SubscriptionPatch::pause(false) => "pause".into(),
        Some(true) if *patch == SubscriptionPatch::pause(true) => "resume".into(),
        _ => "edit".into(),
    }
}
