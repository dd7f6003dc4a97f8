//! Logs go to a file in the data dir (0600 in a 0700 directory), never to the terminal the
//! UI owns, and never carry a key or a secret.

use tracing_appender::non_blocking::WorkerGuard;

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
