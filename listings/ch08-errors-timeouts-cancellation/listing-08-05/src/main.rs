use std::pin::pin;
use std::sync::Mutex;
use std::task::{Context, Waker};
use std::time::Duration;

use tokio::time::{sleep, timeout};

type Log = Mutex<Vec<&'static str>>;

/// Moves money in two steps, with a wait in between.
async fn transfer(log: &Log) {
    log.lock().unwrap().push("debit sent");
    std::future::ready(()).await; // ready at once: never suspends
    log.lock().unwrap().push("debit confirmed");
    sleep(Duration::from_millis(50)).await; // suspends: a cancellation point
    log.lock().unwrap().push("credit sent");
}

/// Polls `transfer` once by hand, then drops it.
fn poll_once_then_drop(log: &Log) -> bool {
    let mut future = pin!(transfer(log));
    let mut cx = Context::from_waker(Waker::noop());
    let pending = future.as_mut().poll(&mut cx).is_pending();
    // `future` goes out of scope here: dropped while at its `sleep`.
    pending
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let log = Log::default();
    drop(transfer(&log)); // created, never polled
    println!("dropped before the first poll: {:?}", log.lock().unwrap());

    let log = Log::default();
    let pending = poll_once_then_drop(&log);
    println!(
        "polled once ({pending}), then dropped: {:?}",
        log.lock().unwrap()
    );

    let log = Log::default();
    let result = timeout(Duration::from_millis(10), transfer(&log)).await;
    sleep(Duration::from_secs(1)).await; // plenty of time to finish, if it could
    println!("timed out ({}): {:?}", result.is_err(), log.lock().unwrap());
}

#[cfg(test)]
mod tests {
    use std::task::Poll;

    use super::*;

    #[test]
    fn a_future_dropped_before_its_first_poll_runs_nothing() {
        let log = Log::default();
        drop(transfer(&log));
        assert!(log.lock().unwrap().is_empty());
    }

    // A runtime is needed only because `sleep` registers with its timer.
    #[tokio::test(start_paused = true)]
    async fn code_after_the_await_never_runs_when_the_future_is_dropped() {
        let log = Log::default();
        assert!(poll_once_then_drop(&log));
        // Everything up to the first await that was not ready ran, in one go;
        // nothing after it ever will, because nothing can poll it again.
        assert_eq!(*log.lock().unwrap(), ["debit sent", "debit confirmed"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_timeout_cancels_at_the_await_and_the_rest_never_runs() {
        let log = Log::default();
        let result = timeout(Duration::from_millis(10), transfer(&log)).await;
        assert!(result.is_err());
        sleep(Duration::from_secs(1)).await;
        assert_eq!(*log.lock().unwrap(), ["debit sent", "debit confirmed"]);
    }

    #[tokio::test(start_paused = true)]
    async fn run_to_the_end_it_does_all_three_steps() {
        let log = Log::default();
        transfer(&log).await;
        assert_eq!(
            *log.lock().unwrap(),
            ["debit sent", "debit confirmed", "credit sent"]
        );
    }

    #[tokio::test]
    async fn an_await_on_a_ready_tokio_resource_can_still_suspend() {
        // Every message is already in the channel, yet the loop returns
        // `Pending` part-way: Tokio's budget makes a busy task give way.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for n in 0..200 {
            tx.send(n).unwrap();
        }
        drop(tx); // without the budget, the loop would run to the end
        let mut received = 0;
        {
            let mut receive_all = pin!(async {
                while rx.recv().await.is_some() {
                    received += 1;
                }
            });
            let pending = std::future::poll_fn(|cx| {
                Poll::Ready(receive_all.as_mut().poll(cx).is_pending())
            });
            assert!(pending.await);
        } // dropped here: cancelled at an `.await` whose data was ready
        assert!(0 < received && received < 200, "received {received}");
        assert_eq!(rx.len(), 200 - received); // the rest are still queued
    }
}
