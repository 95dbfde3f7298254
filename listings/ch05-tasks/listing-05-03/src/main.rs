use std::time::Duration;

use tokio::task::JoinError;
use tokio::time::sleep;

// ANCHOR: describe
/// Says how a task ended, from what awaiting its handle returned.
fn describe(result: Result<u32, JoinError>) -> String {
    match result {
        Ok(value) => format!("returned {value}"),
        Err(error) if error.is_cancelled() => "was cancelled".to_string(),
        Err(error) => {
            // The panic's payload, usually the message as a &str.
            let payload = error.into_panic();
            let message = payload.downcast_ref::<&str>().unwrap_or(&"?");
            format!("panicked: {message}")
        }
    }
}
// ANCHOR_END: describe

// ANCHOR: main
#[tokio::main]
async fn main() {
    let fine = tokio::spawn(async { 42 });
    println!("fine task {}", describe(fine.await));

    let broken = tokio::spawn(async { panic!("no jokes left") });
    println!("broken task {}", describe(broken.await));

    let slow = tokio::spawn(async {
        sleep(Duration::from_secs(3600)).await;
        7
    });
    slow.abort();
    println!("slow task {}", describe(slow.await));
    println!("main is still running");
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn a_panic_comes_back_as_an_error_not_a_panic() {
        let handle = tokio::spawn(async { panic!("no jokes left") });
        // Appendix A, Claim 21: awaiting the handle resumes the task's panic
        // in the awaiting task; this test fails.
        #[cfg(feature = "counterfactual")]
        let handle = async {
            handle.await.map_err(|error| -> JoinError {
                std::panic::resume_unwind(error.into_panic())
            })
        };
        // This line runs: the panic did not reach the awaiting task.
        let error = handle.await.unwrap_err();
        assert!(error.is_panic());
        assert_eq!(describe(Err(error)), "panicked: no jokes left");
    }

    #[tokio::test(start_paused = true)]
    async fn abort_stops_the_task_at_its_await() {
        let reached_the_end = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&reached_the_end);
        let handle = tokio::spawn(async move {
            sleep(Duration::from_millis(10)).await;
            flag.store(true, Ordering::SeqCst);
        });
        tokio::task::yield_now().await; // let it reach its sleep
        handle.abort();
        assert!(handle.await.unwrap_err().is_cancelled());
        sleep(Duration::from_millis(20)).await;
        assert!(!reached_the_end.load(Ordering::SeqCst));
    }

    // ANCHOR: mid_poll
    #[test]
    fn a_task_aborted_in_the_middle_of_a_poll_can_still_complete() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let (started, has_started) = std::sync::mpsc::channel();
        let (go, wait_for_go) = std::sync::mpsc::channel::<()>();
        let result = runtime.block_on(async {
            let handle = tokio::spawn(async move {
                started.send(()).unwrap();
                wait_for_go.recv().unwrap(); // a worker is in this poll...
                42 // ...and the same poll completes the task
            });
            has_started.recv().unwrap(); // the task is being polled now
            handle.abort(); // only a request: it marks the task cancelled
            go.send(()).unwrap();
            handle.await
        });
        assert_eq!(result.unwrap(), 42, "the abort came too late");
    }
    // ANCHOR_END: mid_poll

    // ANCHOR: abort_handle
    #[tokio::test(start_paused = true)]
    async fn an_abort_handle_cancels_a_task_it_does_not_own() {
        let start = tokio::time::Instant::now();
        let handle = tokio::spawn(async {
            sleep(Duration::from_secs(3600)).await;
            7
        });
        let abort = handle.abort_handle(); // cloneable, can't be awaited
        tokio::spawn(async move {
            sleep(Duration::from_secs(1)).await; // a watchdog
            abort.abort();
        });
        let error = handle.await.unwrap_err(); // the owner sees the abort
        assert!(error.is_cancelled());
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }
    // ANCHOR_END: abort_handle

    #[tokio::test]
    async fn aborting_a_finished_task_changes_nothing() {
        let handle = tokio::spawn(async { 1 });
        while !handle.is_finished() {
            tokio::task::yield_now().await;
        }
        handle.abort();
        assert_eq!(handle.await.unwrap(), 1);
    }
}
