//! Ctrl-C in the headless commands. While a change is on its way (a write request sent and
//! not yet answered, or a new secret not yet delivered), Ctrl-C does not kill the process:
//! that would leave a change that may have been made with no audit line and, for a create,
//! a secret shown nowhere. Instead nothing new starts, what is on its way finishes (each
//! request has its timeout) and is recorded, and the command ends with what it did. With
//! nothing on its way, Ctrl-C ends the command at once (exit 130), as usual.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static ON_ITS_WAY: AtomicUsize = AtomicUsize::new(0);
static STOP: AtomicBool = AtomicBool::new(false);

/// Held while a change is on its way; dropping it ends that.
#[must_use = "the change counts as on its way only while this is held"]
pub struct OnItsWay(());

impl Drop for OnItsWay {
    fn drop(&mut self) {
        ON_ITS_WAY.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Marks a change as on its way until the returned guard is dropped.
pub fn on_its_way() -> OnItsWay {
    ON_ITS_WAY.fetch_add(1, Ordering::SeqCst);
    OnItsWay(())
}

/// Ctrl-C was pressed while something was on its way: start nothing new.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// What the first Ctrl-C does; `Some(code)` means exit now.
pub fn on_ctrl_c() -> Option<i32> {
    if ON_ITS_WAY.load(Ordering::SeqCst) == 0 {
        return Some(130);
    }
    STOP.store(true, Ordering::SeqCst);
    None
}

/// Listens for Ctrl-C for the rest of the process (on the current tokio runtime).
pub fn listen() {
    tokio::spawn(async {
        let mut said = false;
        while tokio::signal::ctrl_c().await.is_ok() {
            if let Some(code) = on_ctrl_c() {
                std::process::exit(code);
            }
            if !said {
                said = true;
                eprintln!(
                    "linq-hooks: interrupted: nothing new is sent; what is on its way finishes \
                     and is recorded in the audit trail (each request has its timeout)"
                );
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing on its way: Ctrl-C ends at once (130). A change on its way: it stops what
    /// has not started instead, and the process lives on to record the answer.
    #[test]
    fn ctrl_c_waits_only_for_what_is_on_its_way() {
        assert_eq!(on_ctrl_c(), Some(130));
        assert!(!stop_requested());
        let way = on_its_way();
        assert_eq!(on_ctrl_c(), None);
        assert!(stop_requested());
        drop(way);
        assert_eq!(on_ctrl_c(), Some(130));
    }
}
