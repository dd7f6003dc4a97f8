//! Where a copy goes: the system clipboard (one long-lived arboard handle on its own thread),
//! else OSC 52 through the terminal, else nowhere — and an honest report of which.

use crate::app::CopyOutcome;
use std::io::{self, Write};
use std::sync::{mpsc, Arc, Mutex};
use zeroize::Zeroizing;

/// How the runtime should deliver a copy.
pub enum Route {
    /// Hand it to the system clipboard thread; it answers later.
    System,
    /// Write the OSC 52 sequence on the drawing thread now.
    Osc52 { tmux: bool },
    /// Tests: record the text.
    Recording,
}

/// One request to the system clipboard thread.
struct Job {
    text: Zeroizing<String>,
    reply: Box<dyn FnOnce(Result<(), String>) + Send>,
}

pub struct Clipboard {
    route: RouteKind,
    system: Option<mpsc::Sender<Job>>,
    recorded: Arc<Mutex<Vec<String>>>,
}

enum RouteKind {
    System,
    Osc52,
    Recording,
}

impl Clipboard {
    /// Picks the route from the environment: OSC 52 over SSH or without a display (arboard
    /// would talk to a display the user cannot see), else the system clipboard.
    pub fn detect() -> Self {
        let ssh =
            std::env::var_os("SSH_TTY").is_some() || std::env::var_os("SSH_CONNECTION").is_some();
        let display =
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
        let system = cfg!(any(target_os = "macos", target_os = "windows")) || display;
        Self {
            route: if system && !ssh {
                RouteKind::System
            } else {
                RouteKind::Osc52
            },
            system: None,
            recorded: Arc::default(),
        }
    }

    /// A sink that records what was copied, for tests.
    pub fn recording() -> (Self, Arc<Mutex<Vec<String>>>) {
        let recorded: Arc<Mutex<Vec<String>>> = Arc::default();
        (
            Self {
                route: RouteKind::Recording,
                system: None,
                recorded: recorded.clone(),
            },
            recorded,
        )
    }

    pub fn route(&self) -> Route {
        match self.route {
            RouteKind::System => Route::System,
            RouteKind::Osc52 => Route::Osc52 {
                tmux: std::env::var_os("TMUX").is_some(),
            },
            RouteKind::Recording => Route::Recording,
        }
    }

    /// The system clipboard hung: use OSC 52 from now on.
    pub fn give_up_system(&mut self) {
        self.route = RouteKind::Osc52;
    }

    pub fn record(&self, text: &str) {
        if let Ok(mut r) = self.recorded.lock() {
            r.push(text.to_string());
        }
    }

    /// Sends `text` to the system clipboard thread (started on first use: the arboard
    /// constructor can block on a dead forwarded display, so never on the UI task).
    /// `reply` runs on that thread with the result.
    pub fn copy_system(
        &mut self,
        text: Zeroizing<String>,
        reply: Box<dyn FnOnce(Result<(), String>) + Send>,
    ) {
        let sender = self.system.get_or_insert_with(spawn_system_thread);
        if let Err(mpsc::SendError(job)) = sender.send(Job { text, reply }) {
            (job.reply)(Err("the clipboard thread stopped".into()));
        }
    }
}

fn spawn_system_thread() -> mpsc::Sender<Job> {
    let (tx, rx) = mpsc::channel::<Job>();
    let spawned = std::thread::Builder::new()
        .name("clipboard".into())
        .spawn(move || {
            // Kept for the whole session: dropping it loses the copy on X11/Wayland.
            let mut handle: Option<arboard::Clipboard> = None;
            for job in rx {
                if handle.is_none() {
                    match arboard::Clipboard::new() {
                        Ok(c) => handle = Some(c),
                        Err(e) => {
                            (job.reply)(Err(e.to_string()));
                            continue;
                        }
                    }
                }
                let result = match handle.as_mut() {
                    Some(c) => set_text(c, &job.text),
                    None => Err("no clipboard".into()),
                };
                (job.reply)(result);
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the clipboard thread: {e}");
    }
    tx
}

#[cfg(target_os = "linux")]
fn set_text(c: &mut arboard::Clipboard, text: &str) -> Result<(), String> {
    use arboard::SetExtLinux;
    c.set()
        .exclude_from_history()
        .text(text)
        .map_err(|e| e.to_string())
}

#[cfg(not(target_os = "linux"))]
fn set_text(c: &mut arboard::Clipboard, text: &str) -> Result<(), String> {
    c.set().text(text).map_err(|e| e.to_string())
}

/// Writes the OSC 52 "copy to clipboard" sequence for `text` (sent plain, also under tmux:
/// tmux forwards it with `set -g set-clipboard on`). The same bytes as crossterm's
/// `CopyToClipboard`, but built in buffers that are wiped afterwards: the text may be the
/// signing secret.
pub fn write_osc52(out: &mut impl Write, text: &str) -> io::Result<()> {
    use base64::Engine;
    let mut encoded = Zeroizing::new(String::new());
    base64::engine::general_purpose::STANDARD.encode_string(text, &mut encoded);
    let mut sequence = Zeroizing::new(Vec::with_capacity(encoded.len() + 16));
    sequence.extend_from_slice(b"\x1b]52;c;");
    sequence.extend_from_slice(encoded.as_bytes());
    sequence.extend_from_slice(b"\x1b\\");
    out.write_all(&sequence)?;
    out.flush()
}

/// A copy that the system clipboard has not answered within this is sent by OSC 52.
pub const SYSTEM_COPY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The outcome to report for a route that finished.
pub fn outcome(route: &Route, what: &str, result: Result<(), String>) -> CopyOutcome {
    let what = what.to_string();
    match (route, result) {
        (_, Err(reason)) => CopyOutcome::Failed { what, reason },
        (Route::Osc52 { tmux }, Ok(())) => CopyOutcome::Osc52 { what, tmux: *tmux },
        (Route::System | Route::Recording, Ok(())) => CopyOutcome::System { what },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_bytes_are_exactly_the_sequence_for_the_text() {
        let mut out = Vec::new();
        write_osc52(&mut out, "b2c3d4e5-f6a7").unwrap();
        assert_eq!(out, b"\x1b]52;c;YjJjM2Q0ZTUtZjZhNw==\x1b\\");
    }

    #[test]
    fn osc52_matches_crossterms_copy_command() {
        let text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7Jxx2Oll+OE="; // linq-api.md test_vector
        let mut ours = Vec::new();
        write_osc52(&mut ours, text).unwrap();
        let mut theirs = Vec::new();
        crossterm::execute!(
            theirs,
            crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
        )
        .unwrap();
        assert_eq!(ours, theirs);
    }
}
