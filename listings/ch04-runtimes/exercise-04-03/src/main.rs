use std::io;
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::time::sleep;

/// How long dropping a `BlockingClient` waits for its blocking jobs.
const GRACE: Duration = Duration::from_millis(100);

/// A client for synchronous code: it owns a runtime of its own.
pub struct BlockingClient {
    // An `Option`, so that `drop` can take the runtime out and shut it
    // down by value.
    runtime: Option<Runtime>,
}

impl BlockingClient {
    pub fn new() -> io::Result<BlockingClient> {
        let runtime = Builder::new_current_thread().enable_all().build()?;
        Ok(BlockingClient {
            runtime: Some(runtime),
        })
    }

    fn runtime(&self) -> &Runtime {
        self.runtime
            .as_ref()
            .expect("only `drop` takes the runtime")
    }

    /// A stand-in for a request: answers `ms` after `ms` milliseconds.
    /// Blocks the calling thread; do not call it from async code.
    pub fn call(&self, ms: u64) -> u64 {
        self.runtime().block_on(async {
            sleep(Duration::from_millis(ms)).await;
            ms
        })
    }

    /// Starts a blocking job on the runtime's blocking pool.
    pub fn run_in_background(&self, job: impl FnOnce() + Send + 'static) {
        self.runtime().spawn_blocking(job);
    }
}

impl Drop for BlockingClient {
    fn drop(&mut self) {
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        if Handle::try_current().is_ok() {
            // Inside a runtime: waiting would block it, and would panic.
            runtime.shutdown_background();
        } else {
            runtime.shutdown_timeout(GRACE);
        }
    }
}

fn main() -> io::Result<()> {
    let client = BlockingClient::new()?;
    println!("answer: {}", client.call(20));
    drop(client);
    println!("client dropped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Instant;

    #[test]
    fn call_blocks_until_the_answer_comes() {
        let client = BlockingClient::new().unwrap();
        assert_eq!(client.call(5), 5);
        assert_eq!(client.call(1), 1);
    }

    #[test]
    fn dropping_the_client_waits_for_a_stuck_job_only_for_the_grace() {
        let (done, dropped) = mpsc::channel();
        let (release, wait_for_release) = mpsc::channel::<()>();
        thread::spawn(move || {
            let client = BlockingClient::new().unwrap();
            let (started, has_started) = mpsc::channel();
            client.run_in_background(move || {
                started.send(()).unwrap();
                let _ = wait_for_release.recv(); // stuck until released
            });
            has_started.recv().unwrap();
            let start = Instant::now();
            drop(client);
            done.send(start.elapsed()).unwrap();
        });
        let waited = dropped
            .recv_timeout(Duration::from_secs(10))
            .expect("dropping the client hung on the stuck job");
        assert!(waited >= GRACE, "{waited:?}");
        drop(release);
    }

    #[tokio::test]
    async fn dropping_the_client_inside_async_code_does_not_panic() {
        let client = BlockingClient::new().unwrap();
        drop(client);
    }
}
