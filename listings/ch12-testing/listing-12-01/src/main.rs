//! Which runtime does `#[tokio::main]` get, and each kind of
//! `#[tokio::test]`?

use tokio::runtime::{Handle, RuntimeFlavor};

/// The flavor of the runtime the caller runs on.
fn flavor() -> RuntimeFlavor {
    Handle::current().runtime_flavor()
}

#[tokio::main] // a multi-thread runtime, one worker per core
async fn main() {
    println!("#[tokio::main] runs on: {:?}", flavor());
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    /// Waits for a value on a *blocking* std channel: a stand-in for code
    /// under test that blocks its thread.
    fn wait_blocking(rx: std::sync::mpsc::Receiver<u32>) -> u32 {
        rx.recv().unwrap()
    }

    // ANCHOR: flavors
    #[tokio::test] // a current-thread runtime, new for this test
    async fn the_default_runs_every_task_on_the_test_thread() {
        assert_eq!(flavor(), RuntimeFlavor::CurrentThread);
        let test_thread = thread::current().id();
        let task = tokio::spawn(async { thread::current().id() });
        assert_eq!(task.await.unwrap(), test_thread);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn multi_thread_gives_the_test_worker_threads() {
        assert_eq!(flavor(), RuntimeFlavor::MultiThread);
        assert_eq!(Handle::current().metrics().num_workers(), 2);
        // One task blocks its worker; the other worker still runs the
        // task that unblocks it. On the default flavor this would hang.
        let (tx, rx) = std::sync::mpsc::channel();
        let blocked = tokio::spawn(async move { wait_blocking(rx) });
        tokio::spawn(async move { tx.send(7).unwrap() });
        assert_eq!(blocked.await.unwrap(), 7);
    }

    #[tokio::test(start_paused = true)] // current-thread, clock paused
    async fn a_paused_clock_skips_ahead() {
        let start = tokio::time::Instant::now();
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        assert_eq!(start.elapsed().as_secs(), 3600); // instantly
    }
    // ANCHOR_END: flavors
}
