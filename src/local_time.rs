//! The local UTC offset, read once at start-up while the process has one thread (the only
//! time the `time` crate can read it soundly); UTC when it cannot be read.

use std::sync::OnceLock;
use time::UtcOffset;

static OFFSET: OnceLock<Option<UtcOffset>> = OnceLock::new();

/// Reads the offset. Call first thing in `main`, before any thread starts.
pub fn init() {
    OFFSET.get_or_init(|| UtcOffset::current_local_offset().ok());
}

/// The local offset, if [`init`] could read it.
pub fn offset() -> Option<UtcOffset> {
    OFFSET.get().copied().flatten()
}
