//! Logs go to a file in the data dir (0600 in a 0700 directory), never to the terminal the
//! UI owns, and never carry a key or a secret.

use std::sync::OnceLock;
use std::time::Instant;
use tracing_appender::non_blocking::WorkerGuard;

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Marks the process start, for the `startup` timeline (call first thing in `main`).
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// A debug line of the startup timeline: milliseconds since `mark_start`
/// (`LINQ_HOOKS_LOG=linq_hooks=debug`; perf/first_frame_vs_curl.py --stages reads them).
pub fn startup(stage: &str) {
    if let Some(start) = STARTED.get() {
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        tracing::debug!("startup {ms:7.2} ms: {stage}");
    }
}

/// Starts logging to `<data dir>/<face>.log`; `None` when there is nowhere to log.
pub fn init(face: &str) -> Option<WorkerGuard> {
    let dir = crate::private_files::data_dir().ok()?;
    let file = crate::private_files::open_append(&dir.join(format!("{face}.log"))).ok()?;
    // The default buffer reserves ~4 MiB up front; a dashboard logs a few lines a minute.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .finish(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("LINQ_HOOKS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init()
        .ok()?;
    Some(guard)
}
