//! Logs the book can check: a program's on stdout, a test's in a buffer.

use std::io;
use std::sync::{Arc, Mutex};

use tracing::subscriber::DefaultGuard;
use tracing_subscriber::fmt::SubscriberBuilder;
use tracing_subscriber::fmt::format::{DefaultFields, Format, Full};

/// The `fmt` subscriber the book's programs log with: no timestamps (they
/// would differ on every run), no module path, no colour codes.
fn plain() -> SubscriberBuilder<DefaultFields, Format<Full, ()>> {
    tracing_subscriber::fmt()
        .without_time()
        .with_target(false)
        .with_ansi(false)
}

/// Installs, for the whole program, a `tracing_subscriber::fmt()`
/// subscriber that prints to stdout without timestamps, module paths or
/// colour codes, so that a program logs the same lines on every run and
/// the book can check them. Listing 13-1 writes the same setup out.
///
/// # Panics
///
/// If the program has a global subscriber already.
pub fn log_to_stdout() {
    plain().init();
}

/// An `io::Write` that keeps everything written to it, shared by its
/// clones. [`CapturedLog::set_default`] makes the current thread log into
/// it; for another format, give a `tracing_subscriber::fmt()` builder
/// `.with_writer(move || log.clone())`. Then read [`CapturedLog::text`].
///
/// ```
/// let log = support::CapturedLog::default();
/// let guard = log.set_default();
/// tracing::info!(user = "ada", "request received");
/// drop(guard);
/// assert!(log.text().ends_with("request received user=\"ada\"\n"));
/// ```
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// Makes a `tracing_subscriber::fmt()` subscriber that writes into this
    /// log, in the format of [`log_to_stdout`], the current thread's
    /// default subscriber until the returned guard is dropped (see
    /// [`tracing::subscriber::set_default`]).
    ///
    /// Only the current thread logs here, which suits a test on a
    /// current-thread runtime: every task runs on the test's thread.
    pub fn set_default(&self) -> DefaultGuard {
        let log = self.clone();
        let subscriber = plain().with_writer(move || log.clone()).finish();
        tracing::subscriber::set_default(subscriber)
    }
}

impl io::Write for CapturedLog {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_default_captures_this_thread_until_the_guard_is_dropped() {
        let log = CapturedLog::default();
        let guard = log.set_default();
        let span = tracing::info_span!("request", user = "ada");
        span.in_scope(|| tracing::info!("reply sent"));
        // Another thread has its own default subscriber: none here.
        std::thread::spawn(|| tracing::info!("from another thread"))
            .join()
            .unwrap();
        drop(guard);
        tracing::info!("after the guard");
        assert_eq!(log.text(), " INFO request{user=\"ada\"}: reply sent\n");
    }

    /// The global subscriber can be set once per process, and it writes to
    /// the real stdout: so this test runs itself again, in a child process
    /// that logs, and reads what the child printed.
    #[test]
    fn log_to_stdout_prints_the_plain_format() {
        const NAME: &str = "log::tests::log_to_stdout_prints_the_plain_format";
        if std::env::var_os("SUPPORT_LOG_TO_STDOUT_CHILD").is_some() {
            log_to_stdout();
            let span = tracing::info_span!("request", user = "ada");
            span.in_scope(|| tracing::info!("reply sent"));
            return;
        }
        let child =
            std::process::Command::new(std::env::current_exe().unwrap())
                .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
                .env("SUPPORT_LOG_TO_STDOUT_CHILD", "1")
                .output()
                .unwrap();
        assert!(child.status.success(), "{child:?}");
        let stdout = String::from_utf8_lossy(&child.stdout);
        let expected = " INFO request{user=\"ada\"}: reply sent\n";
        assert!(stdout.contains(expected), "{stdout}");
    }
}
