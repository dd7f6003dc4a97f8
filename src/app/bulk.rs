//! Marks and bulk pause / resume / delete.
//!
//! `Space` marks a row, `*` every visible row, `Esc` clears the marks. With marks, `p` and
//! `Ctrl-D` ask once (a delete wants the number typed), then send at most four requests at a
//! time through the same pending-write path as a single row, and end with a summary, from
//! which `u` takes back what went through (see `undo.rs`). Every request of one bulk change
//! carries the same batch id into the audit trail, so `H` shows it as one entry.

use super::trail::Written;
use super::undo::{Undo, UndoItem};
use super::{App, Banner, Cmd, Modal, Pending, PendingOp};
use crate::api::{Subscription, SubscriptionPatch};
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

impl Batch {
    /// Items not sent yet.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
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
    /// Shared by the audit entries of its requests.
    pub id: String,
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

    /// An id for the audit entries of one change made of several requests: unique in the
    /// session (a request id) and across sessions (the time).
    pub(super) fn batch_id(&mut self) -> String {
        let n = self.next_id();
        format!("{:x}-{n}", self.now.unix_timestamp_nanos())
    }

    pub(super) fn start_batch(
        &mut self,
        op: BulkOp,
        items: Vec<(String, SubscriptionPatch)>,
        undo: bool,
    ) -> Vec<Cmd> {
        let total = items.len();
        let id = self.batch_id();
        self.batch = Some(Batch {
            id,
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
            let (op, undo, batch_id) = (batch.op, batch.undo, batch.id.clone());
            // As `rows_mut` (the field alone: the batch and the pending writes are used below).
            self.list_digest = None;
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
            let before = sub.clone();
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
            // What the trail records for it: `undo-resume` is the undo of a pause.
            let (operation, written) = match pending_op {
                PendingOp::Pause { was_active } => (
                    if was_active { "pause" } else { "resume" },
                    Written::Pause { was_active },
                ),
                PendingOp::Delete => (
                    "delete",
                    Written::Delete {
                        before: Some(Box::new(before)),
                    },
                ),
                PendingOp::Update => (
                    "update",
                    Written::Update {
                        before: Box::new(before),
                        patch: None,
                    },
                ),
            };
            let operation = if undo {
                format!("undo-{operation}")
            } else {
                operation.to_string()
            };
            self.sent_write(req, operation, (&id, &target_url), Some(batch_id), written);
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
        // `u` takes back exactly this change, or nothing: never an older one that the
        // summary would pass off as this (deletes cannot be undone as a group).
        let undoable = !batch.undo && batch.op != BulkOp::Delete && !batch.undo_items.is_empty();
        self.undo = undoable.then(|| Undo::Writes {
            label: format!("{} {succeeded}", batch.op.verb().to_lowercase()),
            items: batch.undo_items,
        });
        self.modal = Some(Modal::BulkSummary {
            title: format!("{verb} {succeeded} of {}", batch.total),
            failures: batch.failures,
            undoable,
        });
        Vec::new()
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
