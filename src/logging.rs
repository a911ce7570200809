//! Diagnostics go to a file in the data dir (`oncall.log`), never to the terminal while the TUI
//! is up. `ONCALL_LOG` sets the filter (default `info`).

use std::path::PathBuf;

/// Log lines waiting for the writer thread.
const LOG_QUEUE: usize = 1024;

/// Keeps the log writer alive; dropping it flushes.
pub struct LogGuard(#[allow(dead_code)] Option<tracing_appender::non_blocking::WorkerGuard>);

/// Starts logging to `<data dir>/oncall.log`. Failure to open the file only disables logging.
pub fn init() -> (LogGuard, Option<PathBuf>) {
    let dir = crate::config::data_dir();
    if std::fs::create_dir_all(&dir).is_err() {
        return (LogGuard(None), None);
    }
    let file = tracing_appender::rolling::never(&dir, "oncall.log");
    // The writer's queue is allocated (and touched) whole at start: the default of 128 000 lines
    // was 4 MB of resident memory for a log that writes a few lines a minute. Past the limit,
    // lines are dropped rather than blocking the dashboard.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE)
        .lossy(true)
        .finish(file);
    let filter = std::env::var("ONCALL_LOG").unwrap_or_else(|_| "info".into());
    let result = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .try_init();
    if result.is_err() {
        return (LogGuard(None), None);
    }
    (LogGuard(Some(guard)), Some(dir.join("oncall.log")))
}
