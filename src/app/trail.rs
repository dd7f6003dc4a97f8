//! What `update` records in the audit trail: one `Cmd::Audit` per answered write, built
//! from the state before the change and the server's answer. The runtime appends it.

use super::{App, Cmd};
use crate::api::{ApiError, Subscription};
use crate::audit::{AuditAccount, AuditEntry, Outcome};
use serde_json::Value;

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

    pub(super) fn audit(&self, operation: &str, id: &str, target_url: &str) -> AuditEntry {
        AuditEntry::new(&self.audit_account(), operation, "dashboard", self.now).on(id, target_url)
    }

    /// A pause or resume answered: `is_active` before and after.
    pub(super) fn audit_pause(
        &self,
        id: &str,
        target_url: &str,
        was_active: bool,
        result: &Result<Subscription, ApiError>,
        undo: bool,
    ) -> Cmd {
        let op = if was_active { "pause" } else { "resume" };
        let op = if undo {
            format!("undo-{op}")
        } else {
            op.into()
        };
        Cmd::Audit {
            entry: self
                .audit(&op, id, target_url)
                .change(
                    "is_active",
                    Value::from(was_active),
                    Value::from(result.as_ref().map_or(!was_active, |s| s.is_active)),
                )
                .outcome(Outcome::of(result, 200)),
        }
    }

    /// A PUT other than pause/resume (an undone edit): the fields that differ between the
    /// row before and the server's answer.
    pub(super) fn audit_update(
        &self,
        operation: &str,
        before: &Subscription,
        result: &Result<Subscription, ApiError>,
    ) -> Cmd {
        let mut entry = self.audit(operation, &before.id, &before.target_url);
        if let Ok(after) = result {
            let old = crate::audit::subscription_fields(before);
            for (field, new) in crate::audit::subscription_fields(after) {
                let was = old.get(&field).cloned().unwrap_or(Value::Null);
                if was != new {
                    entry = entry.change(&field, was, new);
                }
            }
        }
        Cmd::Audit {
            entry: entry.outcome(Outcome::of(result, 200)),
        }
    }

    /// A delete answered: every field it had, before; nothing after.
    pub(super) fn audit_delete(
        &self,
        id: &str,
        target_url: &str,
        before: Option<&Subscription>,
        result: &Result<(), ApiError>,
    ) -> Cmd {
        let mut entry = self.audit("delete", id, target_url);
        if let Some(sub) = before {
            entry = entry.deleted(sub);
        }
        Cmd::Audit {
            entry: entry.outcome(Outcome::of(result, 204)),
        }
    }
}
