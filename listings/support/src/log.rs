//! A place for tests to capture what a program logs.

use std::io;
use std::sync::{Arc, Mutex};

/// An `io::Write` that keeps everything written to it, shared by its
/// clones. Give a `tracing_subscriber::fmt()` builder
/// `.with_writer(move || log.clone())`, then read [`CapturedLog::text`].
#[derive(Clone, Default)]
pub struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl CapturedLog {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
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
