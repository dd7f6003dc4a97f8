//! `T`: one signed test delivery to the focused subscription's endpoint — the same stage 5
//! as `linq-hooks probe --send` (after stages 1–4), run by the runtime off the loop. It asks
//! first, naming the URL, and takes the signing secret in a masked field (Linq never
//! returns a secret after create); an empty field signs with a fresh random secret, which
//! a receiver that verifies must refuse. The secret leaves the app inside the command and
//! is wiped from the app's state at once; it is never drawn, logged or in Debug output.
//! The result is a probe of the URL: its findings merge like `P`'s.

use super::input::text_request;
use super::keymap::Action;
use super::{App, Banner, Cmd, ReqId};
use crate::audit::{AuditAccount, AuditEntry, DeliveryRecord, Outcome, TEST_DELIVERY};
use crate::evidence::probe::{delivery, Target};
use crate::text::clean;
use crossterm::event::KeyEvent;
use tui_input::InputRequest;
use zeroize::Zeroizing;

/// A signing secret is ~50 bytes; a paste longer than this is not one.
const MAX_SECRET: usize = 256;

/// An empty field with room for the longest secret: typing never reallocates, so no copy
/// of a part of the secret is left behind in freed memory (the one buffer is wiped).
fn empty_secret() -> Zeroizing<String> {
    Zeroizing::new(String::with_capacity(MAX_SECRET))
}

/// The dialog: which endpoint, and the secret as typed (masked).
pub struct DeliveryDialog {
    pub subscription_id: String,
    /// The URL as requested (no user info, no fragment), cleaned: what the dialog names.
    pub shown_url: String,
    /// The subscription's target URL as stored (the probe cache's key).
    pub target_url: String,
    pub event_type: String,
    secret: Zeroizing<String>,
    /// What is wrong with the secret as typed (the text is kept).
    pub problem: Option<String>,
}

// By hand: the secret must never reach a log through `{:?}`.
impl std::fmt::Debug for DeliveryDialog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryDialog")
            .field("subscription_id", &self.subscription_id)
            .field("shown_url", &self.shown_url)
            .field("event_type", &self.event_type)
            .field(
                "secret",
                &format_args!("({} chars, redacted)", self.secret_len()),
            )
            .field("problem", &self.problem)
            .finish()
    }
}

impl DeliveryDialog {
    /// How many characters the secret has (all the screen shows of it).
    pub fn secret_len(&self) -> usize {
        self.secret.chars().count()
    }

    /// Replaces the secret with an empty one; the old buffer is wiped as it drops.
    fn wipe(&mut self) {
        self.secret = empty_secret();
    }
}

/// The test delivery on its way: its request, URL and the account it is recorded on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryInFlight {
    pub req: ReqId,
    pub subscription_id: String,
    pub target_url: String,
    pub event_type: String,
    pub signer: delivery::Signer,
    pub account: AuditAccount,
}

impl App {
    /// `T`: asks before sending a signed test delivery to the selected subscription.
    pub(super) fn ask_test_delivery(&mut self) {
        let Some(sub) = self.selected_subscription() else {
            return;
        };
        if self.probes.delivery.is_some() {
            self.banner = Some(Banner::notice(
                "A test delivery is on its way: wait for its answer",
            ));
            return;
        }
        let Ok(target) = Target::parse(&sub.target_url) else {
            self.banner = Some(Banner::notice(
                "This target URL cannot be probed: see its findings",
            ));
            return;
        };
        self.delivery_dialog = Some(DeliveryDialog {
            subscription_id: sub.id.clone(),
            shown_url: clean(&target.shown()).into_owned(),
            target_url: sub.target_url.clone(),
            event_type: delivery::event_for(&sub.target_url, &sub.subscribed_events, None),
            secret: empty_secret(),
            problem: None,
        });
    }

    pub(super) fn delivery_action(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::DeliverySend => return self.send_test_delivery(),
            // Dropping the dialog wipes the secret.
            Action::DeliveryCancel => self.delivery_dialog = None,
            Action::DeliveryClear => {
                if let Some(dialog) = self.delivery_dialog.as_mut() {
                    dialog.wipe();
                    dialog.problem = None;
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// Typed keys edit the secret: characters go in, Backspace takes the last one out.
    pub(super) fn delivery_key(&mut self, key: KeyEvent) {
        match text_request(&key) {
            Some(InputRequest::InsertChar(c)) => self.delivery_input(c.encode_utf8(&mut [0; 4])),
            Some(InputRequest::DeletePrevChar) => {
                if let Some(dialog) = self.delivery_dialog.as_mut() {
                    dialog.secret.pop();
                    dialog.problem = None;
                }
            }
            _ => {}
        }
        self.dirty = true;
    }

    /// A paste or a typed character into the secret: one line of visible characters, at
    /// most [`MAX_SECRET`] bytes (within the buffer's capacity).
    pub(super) fn delivery_input(&mut self, text: &str) {
        let Some(dialog) = self.delivery_dialog.as_mut() else {
            return;
        };
        for c in text
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
        {
            if dialog.secret.len() + c.len_utf8() > MAX_SECRET {
                break;
            }
            dialog.secret.push(c);
        }
        dialog.problem = None;
        self.dirty = true;
    }

    /// Enter: checks the secret's shape, then hands it to the runtime inside the command.
    fn send_test_delivery(&mut self) -> Vec<Cmd> {
        let Some(dialog) = self.delivery_dialog.as_mut() else {
            return Vec::new();
        };
        if !dialog.secret.is_empty() {
            if let Err(e) = crate::signature::parse_secret(&dialog.secret) {
                dialog.problem = Some(format!(
                    "Not a signing secret: {e}. Fix it, or Ctrl-U to empty the field and sign with a random secret."
                ));
                return Vec::new();
            }
        }
        // Moved, not copied: the buffer goes with the command; the dialog (and with it
        // what is left of the field) is dropped at once.
        let secret = std::mem::replace(&mut dialog.secret, Zeroizing::new(String::new()));
        let Some(dialog) = self.delivery_dialog.take() else {
            return Vec::new();
        };
        let secret = (!secret.is_empty()).then_some(secret);
        let signer = if secret.is_some() {
            delivery::Signer::Given
        } else {
            delivery::Signer::Random
        };
        let req = self.next_id();
        self.probes.delivery = Some(DeliveryInFlight {
            req,
            subscription_id: dialog.subscription_id.clone(),
            target_url: dialog.target_url.clone(),
            event_type: dialog.event_type.clone(),
            signer,
            account: self.audit_account(),
        });
        self.banner = Some(Banner::info(match signer {
            delivery::Signer::Given => format!(
                "Sending a signed test delivery ({}) to {}…",
                clean(&dialog.event_type),
                dialog.shown_url
            ),
            delivery::Signer::Random => format!(
                "Sending a test delivery ({}) to {}, signed with a random secret (none given): a receiver that verifies must refuse it…",
                clean(&dialog.event_type),
                dialog.shown_url
            ),
        }));
        self.dirty = true;
        vec![Cmd::TestDelivery {
            req,
            url: dialog.target_url,
            subscription_id: dialog.subscription_id,
            event_type: dialog.event_type,
            secret,
        }]
    }

    /// The test delivery's probe came back: kept as the URL's probe (its findings merge),
    /// and the banner says how the endpoint answered.
    pub(super) fn on_delivered(
        &mut self,
        sent: DeliveryInFlight,
        report: &crate::evidence::probe::ProbeReport,
    ) -> Vec<Cmd> {
        // Recorded on the account it was sent from, whatever happened since.
        let audit = report.delivery.as_ref().and_then(|d| {
            d.audit_entry(
                &sent.account,
                "dashboard",
                Some(&sent.subscription_id),
                &report.url,
                self.now,
            )
        });
        let result = self.keep_probe(sent.target_url.clone(), report);
        let delivery_line = result.stages.iter().find(|s| s.name == "delivery");
        let worst = result
            .findings
            .iter()
            .find(|f| crate::diagnose::probe::stage_of(f.code) == "delivery");
        self.banner = Some(match (delivery_line, worst) {
            (None, _) => {
                let why = result
                    .findings
                    .first()
                    .map_or("no answer to the HEAD".into(), |f| f.code.to_string());
                Banner::notice(format!(
                    "Test delivery not sent: the probe stopped before it ({why}); see the Probe block"
                ))
            }
            (Some(_), Some(f)) => {
                let text = format!("Test delivery: {} — {}", f.code, clean(&f.message));
                if f.severity == crate::diagnose::Severity::Error {
                    Banner::error_text(text)
                } else {
                    Banner::notice(text)
                }
            }
            (Some(line), None) => Banner::info(format!(
                "Test delivery: {} — see the Probe block",
                clean(&line.detail)
            )),
        });
        self.dirty = true;
        audit
            .map(|entry| Cmd::Audit {
                entry: Box::new(entry),
            })
            .into_iter()
            .collect()
    }

    /// The session ends with a test delivery on its way: it may have reached the endpoint,
    /// so the trail records it as `unknown`.
    pub(super) fn audit_delivery_unanswered(&mut self) -> Option<Cmd> {
        let sent = self.probes.delivery.take()?;
        let mut entry = AuditEntry::new(&sent.account, TEST_DELIVERY, "dashboard", self.now)
            .on(&sent.subscription_id, &sent.target_url)
            .outcome(Outcome::unknown(super::trail::SESSION_ENDED));
        entry.delivery = Some(DeliveryRecord {
            // Made by the runtime as it sends; not known here.
            event_id: String::new(),
            event_type: sent.event_type,
            webhook_version: crate::payload::version_of(&sent.target_url).to_string(),
            signed_with: sent.signer.audit_name().into(),
        });
        Some(Cmd::Audit {
            entry: Box::new(entry),
        })
    }
}
