//! What `update` records in the audit trail. Every write is registered when it is sent —
//! with the account it goes to, what it changes and the bulk change it belongs to — and
//! its answer turns that into one `Cmd::Audit`, whenever it comes: after a switch of
//! account (the entry names the account it was sent to), or never (at the end of the
//! session it is recorded as `unknown`). The runtime appends it.

use super::{ApiResult, App, Cmd, ReqId};
use crate::api::{ApiError, Subscription, SubscriptionPatch};
use crate::audit::{AuditAccount, AuditEntry, Outcome};
use serde_json::Value;

/// A write sent and not answered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentWrite {
    pub account: AuditAccount,
    /// `pause`, `delete`, `undo-resume`, …
    pub operation: String,
    pub id: String,
    pub target_url: String,
    pub batch: Option<String>,
    pub what: Written,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// A pause or resume: `is_active` was `was_active`.
    Pause {
        was_active: bool,
    },
    /// Another PUT, from the row before it. With the patch (a form's save) the entry says
    /// what was asked; without (an undone edit) what the answer shows changed.
    Update {
        before: Box<Subscription>,
        patch: Option<SubscriptionPatch>,
    },
    Delete {
        before: Option<Box<Subscription>>,
    },
    /// A create; `replaces`: the id of the deleted subscription it stands in for (undo).
    Create {
        replaces: Option<String>,
    },
}

/// Why a write has no answer to record.
pub const SESSION_ENDED: &str = "no answer: the session ended before the server answered";

impl App {
    /// The account a change is made on: profile name and key hint, never the key.
    pub fn audit_account(&self) -> AuditAccount {
        let name = self
            .current_account()
            .map(|a| a.name.clone())
            .unwrap_or_else(|| {
                if self.connection.sandbox {
                    crate::config::SANDBOX.into()
                } else {
                    crate::config::ENVIRONMENT.into()
                }
            });
        AuditAccount {
            name,
            key_hint: self.connection.key_hint.clone(),
            host: crate::config::host_of(&self.connection.base_url),
        }
    }

    /// An audit line of this account for a step the app records itself (a rotation's
    /// start, finish or abort), stamped when it is written.
    pub(super) fn audit(&self, operation: &str, id: &str, target_url: &str) -> AuditEntry {
        AuditEntry::new(&self.audit_account(), operation, "dashboard", self.now).on(id, target_url)
    }

    /// Registers write `req` as sent to the current account.
    pub(super) fn sent_write(
        &mut self,
        req: ReqId,
        operation: impl Into<String>,
        (id, target_url): (&str, &str),
        batch: Option<String>,
        what: Written,
    ) {
        let write = SentWrite {
            account: self.audit_account(),
            operation: operation.into(),
            id: id.to_string(),
            target_url: target_url.to_string(),
            batch,
            what,
        };
        self.sent.insert(req, write);
    }

    /// Registers the writes among `cmds` that their sender did not (a plain pause,
    /// delete, create or save): no write leaves `update` unregistered, so none can miss
    /// its line in the trail.
    pub(super) fn register_writes(&mut self, cmds: &[Cmd]) {
        for cmd in cmds {
            let (req, operation, id, target_url, what) = match cmd {
                Cmd::Update { req, id, patch } | Cmd::Save { req, id, patch } => {
                    if self.sent.contains_key(req) {
                        continue;
                    }
                    let before = self.before_write(id, matches!(cmd, Cmd::Save { .. }));
                    let url = before
                        .as_ref()
                        .map(|b| b.target_url.clone())
                        .unwrap_or_default();
                    match (patch.is_active, before) {
                        (Some(active), _) if *patch == SubscriptionPatch::pause(active) => (
                            *req,
                            if active { "resume" } else { "pause" },
                            id.clone(),
                            url,
                            Written::Pause {
                                was_active: !active,
                            },
                        ),
                        (_, Some(before)) => (
                            *req,
                            "update",
                            id.clone(),
                            url,
                            Written::Update {
                                before: Box::new(before),
                                patch: Some(patch.clone()),
                            },
                        ),
                        (_, None) => continue,
                    }
                }
                Cmd::Delete { req, id } => {
                    if self.sent.contains_key(req) || self.rotation_owns(*req) {
                        continue;
                    }
                    let before = self.before_write(id, false);
                    let url = before.as_ref().map(|b| b.target_url.clone());
                    let url = url
                        .or_else(|| self.pending.get(id).map(|p| p.target_url.clone()))
                        .unwrap_or_default();
                    let before = before.map(Box::new);
                    (*req, "delete", id.clone(), url, Written::Delete { before })
                }
                Cmd::Create { req, body } => {
                    if self.sent.contains_key(req) || self.rotation_owns(*req) {
                        continue;
                    }
                    let what = Written::Create { replaces: None };
                    let url = body.target_url.clone();
                    (*req, "create", String::new(), url, what)
                }
                _ => continue,
            };
            self.sent_write(req, operation, (&id, &target_url), None, what);
        }
    }

    /// The subscription as it was before a write: the form's original for a save, else
    /// the row (a pause's row is already shown flipped; its `was_active` says the truth).
    fn before_write(&self, id: &str, save: bool) -> Option<Subscription> {
        let original = self
            .form
            .as_ref()
            .and_then(|f| f.original())
            .filter(|o| save && o.id == id);
        original
            .or_else(|| self.subscriptions.iter().find(|s| s.id == id))
            .cloned()
    }

    /// Writes still waiting for their answer (on any account).
    pub fn writes_in_flight(&self) -> usize {
        self.sent.len()
    }

    /// The entry for the answer to `req`, when `req` was a write.
    pub(super) fn audit_answer(&mut self, req: ReqId, result: &ApiResult) -> Option<Cmd> {
        let answer = match result {
            ApiResult::Updated { result, .. } | ApiResult::Saved { result } => {
                Answer::Updated(result)
            }
            ApiResult::Deleted { result, .. } => Answer::Deleted(result),
            ApiResult::Created { result, .. } => Answer::Created(result),
            _ => return None,
        };
        let sent = self.sent.remove(&req)?;
        Some(self.entry(sent, answer))
    }

    /// The session ends: every write without an answer is recorded as `unknown`.
    pub(super) fn audit_unanswered(&mut self) -> Vec<Cmd> {
        let mut reqs: Vec<ReqId> = self.sent.keys().copied().collect();
        reqs.sort_unstable();
        let unanswered: Vec<SentWrite> = reqs
            .into_iter()
            .filter_map(|req| self.sent.remove(&req))
            .collect();
        unanswered
            .into_iter()
            .map(|sent| self.entry(sent, Answer::Dropped(SESSION_ENDED)))
            .collect()
    }

    fn entry(&self, sent: SentWrite, answer: Answer) -> Cmd {
        let mut entry = AuditEntry::new(&sent.account, &sent.operation, "dashboard", self.now)
            .on(&sent.id, &sent.target_url)
            .in_batch(sent.batch.as_deref());
        let outcome = match answer {
            Answer::Updated(r) => Outcome::of(r, 200),
            Answer::Deleted(r) => Outcome::of(r, 204),
            Answer::Created(r) => Outcome::of(r, 201),
            Answer::Dropped(why) => Outcome::unknown(why),
        };
        entry = match (sent.what, answer) {
            (Written::Pause { was_active }, answer) => {
                let after = match answer {
                    Answer::Updated(Ok(server)) => server.is_active,
                    _ => !was_active,
                };
                entry.change("is_active", Value::from(was_active), Value::from(after))
            }
            (
                Written::Update {
                    before,
                    patch: Some(patch),
                },
                _,
            ) => entry.patch(&before, &patch),
            (
                Written::Update {
                    before,
                    patch: None,
                },
                Answer::Updated(Ok(after)),
            ) => {
                let old = crate::audit::subscription_fields(&before);
                for (field, new) in crate::audit::subscription_fields(after) {
                    let was = old.get(&field).cloned().unwrap_or(Value::Null);
                    if was != new {
                        entry = entry.change(&field, was, new);
                    }
                }
                entry
            }
            (Written::Update { .. }, _) => entry,
            (Written::Delete { before }, _) => match before {
                Some(sub) => entry.deleted(&sub),
                None => entry,
            },
            (Written::Create { replaces }, answer) => {
                entry.subscription_id = None;
                if let Answer::Created(Ok(created)) = answer {
                    entry.subscription_id = Some(created.subscription.id.clone());
                    entry = entry.created(&created.subscription);
                    if let Some(old) = replaces {
                        // What the undo changed: the id (and, unseen, the secret).
                        entry = entry.change(
                            "id",
                            Value::from(old),
                            Value::from(created.subscription.id.clone()),
                        );
                    }
                }
                entry
            }
        };
        Cmd::Audit {
            entry: Box::new(entry.outcome(outcome)),
        }
    }
}

/// An answer, or why there is none.
#[derive(Clone, Copy)]
enum Answer<'a> {
    Updated(&'a Result<Subscription, ApiError>),
    Deleted(&'a Result<(), ApiError>),
    Created(&'a Result<crate::api::CreatedSubscription, ApiError>),
    Dropped(&'a str),
}
