//! Copies: the system clipboard on its own thread, with OSC 52 on the drawing thread as
//! the fallback, and an honest outcome for the app either way.

use super::{Inner, Runtime};
use crate::app::Msg;
use crate::clipboard::{self, Route};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use zeroize::Zeroizing;

impl Runtime {
    /// Copies `text`: the system clipboard when there is one (falling back to OSC 52 when
    /// it fails or does not answer), else OSC 52; the outcome comes back as a message.
    pub(super) fn copy(&mut self, text: Zeroizing<String>, what: String) {
        let route = self.clipboard.route();
        match route {
            Route::Recording => {
                self.clipboard.record(&text);
                let _ = self.tx.send(Inner::Msg(Msg::Copied(clipboard::outcome(
                    &route,
                    &what,
                    Ok(()),
                ))));
            }
            Route::Osc52 { .. } => {
                let outcome = self.osc52(&text, &what);
                let _ = self.tx.send(Inner::Msg(Msg::Copied(outcome)));
            }
            Route::System => {
                // Whoever comes first, the clipboard's answer or the timeout, reports.
                let answered = Arc::new(AtomicBool::new(false));
                let (tx, fallback, first) = (self.tx.clone(), text.clone(), answered.clone());
                let what_done = what.clone();
                self.clipboard.copy_system(
                    text.clone(),
                    Box::new(move |result| {
                        if first.swap(true, Ordering::SeqCst) {
                            return;
                        }
                        let inner = match result {
                            Ok(()) => Inner::Msg(Msg::Copied(clipboard::outcome(
                                &Route::System,
                                &what_done,
                                Ok(()),
                            ))),
                            Err(reason) => {
                                tracing::info!("system clipboard failed ({reason}); using OSC 52");
                                Inner::Osc52Fallback {
                                    text: fallback,
                                    what: what_done,
                                    stuck: false,
                                }
                            }
                        };
                        let _ = tx.send(inner);
                    }),
                );
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(clipboard::SYSTEM_COPY_TIMEOUT).await;
                    if !answered.swap(true, Ordering::SeqCst) {
                        let _ = tx.send(Inner::Osc52Fallback {
                            text,
                            what,
                            stuck: true,
                        });
                    }
                });
            }
        }
    }
    /// Writes OSC 52 now, on the drawing thread, and says what happened.
    pub(super) fn osc52(&mut self, text: &str, what: &str) -> crate::app::CopyOutcome {
        let route = Route::Osc52 {
            tmux: std::env::var_os("TMUX").is_some(),
        };
        let result = clipboard::write_osc52(&mut self.osc52_out, text).map_err(|e| e.to_string());
        clipboard::outcome(&route, what, result)
    }
}
