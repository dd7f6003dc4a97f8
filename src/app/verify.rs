//! The verify screen (`V`): paste a captured delivery and the subscription's secret, read
//! each signature scheme's verdict — the same checks as `linq-hooks verify`. The secret is
//! masked, kept in a wiped buffer, and dropped with the screen.

use super::keymap::Action;
use super::{text_input, App};
use crate::signature::{self, capture};
use zeroize::Zeroizing;

/// The most of a capture the screen takes (a delivery is kilobytes).
pub const MAX_CAPTURE: usize = 1 << 20;
/// A signing secret is ~50 characters.
const MAX_SECRET: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyField {
    Request,
    Secret,
}

#[derive(Debug)]
pub struct VerifyScreen {
    /// The captured request as pasted: request line, headers, a blank line, the body.
    pub request: String,
    secret: Zeroizing<String>,
    pub field: VerifyField,
    /// One line per scheme: (valid, "scheme: verdict"), or why the capture cannot be read.
    pub verdict: Vec<(bool, String)>,
    /// A notice (a paste was cut, the capture was truncated).
    pub notice: Option<String>,
}

impl VerifyScreen {
    fn new() -> Self {
        Self {
            request: String::new(),
            secret: Zeroizing::new(String::new()),
            field: VerifyField::Request,
            verdict: Vec::new(),
            notice: None,
        }
    }

    /// How many characters the secret has (the screen shows only this).
    pub fn secret_len(&self) -> usize {
        self.secret.chars().count()
    }

    /// Recomputes the verdict from the capture, the secret and the clock.
    fn check(&mut self, now: i64) {
        self.verdict.clear();
        if self.request.trim().is_empty() || self.secret.is_empty() {
            return;
        }
        match capture::parse_request(self.request.as_bytes()) {
            Err(e) => self
                .verdict
                .push((false, format!("cannot read the capture: {e}"))),
            Ok(captured) => {
                if let Some(note) = captured.note {
                    self.notice = Some(note);
                }
                let report = signature::verify(
                    self.secret.trim(),
                    &captured.headers,
                    &captured.body,
                    now,
                    signature::DEFAULT_TOLERANCE_SECS,
                );
                for (scheme, verdict) in report.verdicts() {
                    self.verdict
                        .push((verdict.is_valid(), format!("{}: {verdict}", scheme.name())));
                }
            }
        }
    }
}

/// Terminals send a pasted newline as CR; the capture's lines end in LF or CRLF.
fn normalise_newlines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' && chars.peek() != Some(&'\n') {
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

impl App {
    pub(super) fn open_verify(&mut self) {
        self.verify = Some(VerifyScreen::new());
    }

    pub(super) fn verify_action(&mut self, action: Action) {
        let now = self.now.unix_timestamp();
        let Some(screen) = self.verify.as_mut() else {
            return;
        };
        match action {
            Action::VerifyNextField => {
                screen.field = match screen.field {
                    VerifyField::Request => VerifyField::Secret,
                    VerifyField::Secret => VerifyField::Request,
                }
            }
            Action::VerifyClear => {
                match screen.field {
                    VerifyField::Request => screen.request.clear(),
                    // Zeroizing wipes what `clear` leaves in the buffer only on drop.
                    VerifyField::Secret => screen.secret = Zeroizing::new(String::new()),
                }
                screen.notice = None;
                screen.check(now);
            }
            // Dropping the screen wipes the secret.
            Action::VerifyClose => self.verify = None,
            _ => {}
        }
    }

    /// A paste or a typed key in the verify screen's focused field.
    pub(super) fn verify_input(&mut self, text: &str) {
        let now = self.now.unix_timestamp();
        let Some(screen) = self.verify.as_mut() else {
            return;
        };
        screen.notice = None;
        match screen.field {
            VerifyField::Request => {
                let text = normalise_newlines(text);
                let room = MAX_CAPTURE.saturating_sub(screen.request.len());
                let mut cut = text.len().min(room);
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                screen.request.push_str(&text[..cut]);
                if cut < text.len() {
                    screen.notice = Some(text_input::cut_notice(MAX_CAPTURE));
                }
            }
            VerifyField::Secret => {
                // A secret is one line of visible characters.
                let room = MAX_SECRET.saturating_sub(screen.secret.chars().count());
                let kept = text
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .take(room);
                screen.secret.extend(kept);
            }
        }
        screen.check(now);
    }

    /// Backspace in the verify screen's focused field.
    pub(super) fn verify_backspace(&mut self) {
        let now = self.now.unix_timestamp();
        if let Some(screen) = self.verify.as_mut() {
            match screen.field {
                VerifyField::Request => {
                    screen.request.pop();
                }
                VerifyField::Secret => {
                    screen.secret.pop();
                }
            }
            screen.check(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_carriage_returns_become_line_ends() {
        assert_eq!(normalise_newlines("a\rb\r\nc\r"), "a\nb\r\nc\n");
    }
}
