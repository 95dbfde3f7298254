use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{Instant, sleep};

// ANCHOR: tokio_mutex
/// A connection that only one task at a time may use, for a whole
/// conversation that includes `.await`s.
type Connection = Arc<Mutex<Vec<String>>>;

async fn converse(connection: Connection, who: &str, start: Instant) {
    let mut log = connection.lock().await; // waits, without blocking
    let ms = start.elapsed().as_millis();
    log.push(format!("{who}: got the connection at {ms} ms"));
    sleep(Duration::from_millis(10)).await; // the guard is still held
    log.push(format!("{who}: done"));
} // the guard is dropped here, and the next task gets the lock
// ANCHOR_END: tokio_mutex

// The paused clock makes the printed times exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let connection = Connection::default();
    let start = Instant::now();
    let ada = tokio::spawn(converse(Arc::clone(&connection), "ada", start));
    let alan = tokio::spawn(converse(Arc::clone(&connection), "alan", start));
    ada.await.unwrap();
    alan.await.unwrap();
    for line in connection.lock().await.iter() {
        println!("{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::TryLockError;
    use std::sync::mpsc::{self, RecvTimeoutError};
    use tokio::sync::oneshot;

    // Appendix A, Claim 2: the guard dropped while the task is suspended, as
    // the claim has it; `a_tokio_mutex_guard_stays_held_across_await` fails.
    #[cfg(feature = "counterfactual")]
    async fn converse(connection: Connection, who: &str, start: Instant) {
        let ms = start.elapsed().as_millis();
        let line = format!("{who}: got the connection at {ms} ms");
        connection.lock().await.push(line);
        sleep(Duration::from_millis(10)).await; // the lock is free meanwhile
        connection.lock().await.push(format!("{who}: done"));
    }

    // Appendix A, Claim 3: the holder lets the lock go while it is suspended
    // on its thread; `blocking_on_that_lock_deadlocks_the_thread` fails.
    #[cfg(feature = "counterfactual")]
    async fn hold_std_lock(lock: &std::sync::Mutex<u32>) {
        drop(lock.lock().unwrap());
        sleep(Duration::from_millis(10)).await;
        drop(lock.lock().unwrap());
    }

    // ANCHOR: tests
    #[tokio::test(start_paused = true)]
    async fn a_tokio_mutex_guard_stays_held_across_await() {
        let connection = Connection::default();
        let start = Instant::now();
        let ada = tokio::spawn(converse(Arc::clone(&connection), "ada", start));
        sleep(Duration::from_millis(1)).await; // ada is now in her sleep
        // While ada's task is suspended, the lock is still hers.
        assert!(connection.try_lock().is_err());
        let alan = converse(Arc::clone(&connection), "alan", start);
        alan.await; // had to wait until ada's guard was dropped
        ada.await.unwrap();
        assert_eq!(
            *connection.lock().await,
            [
                "ada: got the connection at 0 ms",
                "ada: done",
                "alan: got the connection at 10 ms",
                "alan: done"
            ]
        );
    }

    // Holding a std guard across .await is exactly what this test is about.
    #[expect(clippy::await_holding_lock)]
    // ANCHOR_END: tests
    #[cfg(not(feature = "counterfactual"))] // Claim 3's false version: above
    // ANCHOR: tests
    async fn hold_std_lock(lock: &std::sync::Mutex<u32>) {
        let _guard = lock.lock().unwrap();
        sleep(Duration::from_millis(10)).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_std_guard_across_await_shuts_out_tasks_on_the_same_thread() {
        let lock = std::sync::Mutex::new(0);
        let other = async {
            tokio::task::yield_now().await; // let the holder go first
            matches!(lock.try_lock(), Err(TryLockError::WouldBlock))
        };
        // One thread, one task: nothing here can move to another thread.
        let ((), shut_out) = tokio::join!(hold_std_lock(&lock), other);
        assert!(shut_out, "the suspended holder still had the lock");
    }

    #[test]
    fn blocking_on_that_lock_deadlocks_the_thread() {
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            let lock = std::sync::Mutex::new(0);
            runtime.block_on(async {
                let other = async {
                    tokio::task::yield_now().await;
                    // Blocks the only thread, so the holder never resumes.
                    *lock.lock().unwrap() += 1;
                };
                tokio::join!(hold_std_lock(&lock), other);
            });
            done_tx.send(()).unwrap();
        });
        // Stuck, not finished and not panicked (that would be Disconnected).
        let waited = done_rx.recv_timeout(Duration::from_millis(200));
        assert_eq!(waited, Err(RecvTimeoutError::Timeout));
    }

    #[test]
    #[expect(clippy::await_holding_lock)] // the point of the test
    fn a_blocked_worker_also_strands_a_holder_on_another_thread() {
        let (done_tx, done_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_time()
                .build()
                .unwrap();
            let lock = Arc::new(std::sync::Mutex::new(0));
            // block_on runs this future on this thread, not on the worker.
            runtime.block_on(async {
                let _guard = lock.lock().unwrap();
                let (locking, about_to_lock) = oneshot::channel();
                let lock = Arc::clone(&lock);
                tokio::spawn(async move {
                    locking.send(()).unwrap();
                    *lock.lock().unwrap() += 1; // blocks the only worker
                });
                about_to_lock.await.unwrap();
                // Only a worker drives the timer, and the worker is stuck.
                sleep(Duration::from_millis(10)).await;
            });
            done_tx.send(()).unwrap();
        });
        let waited = done_rx.recv_timeout(Duration::from_millis(200));
        assert_eq!(waited, Err(RecvTimeoutError::Timeout));
    }
    // ANCHOR_END: tests
}
