use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::{Duration, Instant};

// The executor and the timer of Listing 4-3, from its library.
use listing_04_03::{Executor, sleep_until};

// ANCHOR: timeout
/// The error `timeout` returns when the time limit passes first.
#[derive(Debug, PartialEq)]
struct Elapsed;

/// Runs `future`, but for no longer than `limit`.
async fn timeout<F: Future>(
    limit: Duration,
    future: F,
) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    let mut sleep = sleep_until(Instant::now() + limit);
    std::future::poll_fn(|cx| {
        // Both are polled with the same waker: whichever is ready first
        // wakes the task, and the next poll sees which one it was.
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if Pin::new(&mut sleep).poll(cx).is_ready() {
            return Poll::Ready(Err(Elapsed));
        }
        Poll::Pending
    })
    .await
}
// ANCHOR_END: timeout

fn main() {
    let mut executor = Executor::new();
    for (work, limit) in [(10, 50), (1_000, 20)] {
        executor.spawn(async move {
            let start = Instant::now();
            let job = sleep_until(start + Duration::from_millis(work));
            let result = timeout(Duration::from_millis(limit), job).await;
            println!("{work} ms of work, {limit} ms limit: {result:?}");
        });
    }
    executor.run();
}

#[cfg(test)]
mod tests {
    use super::*;
    use listing_04_03::Sleep;

    fn run<F: Future<Output = ()> + Send + 'static>(future: F) {
        let mut executor = Executor::new();
        executor.spawn(future);
        executor.run();
    }

    fn after(ms: u64) -> Sleep {
        sleep_until(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn a_fast_future_finishes_in_time() {
        run(async {
            let result = timeout(Duration::from_millis(500), async {
                after(10).await;
                "done"
            })
            .await;
            assert_eq!(result, Ok("done"));
        });
    }

    #[test]
    fn a_slow_future_is_cut_off_at_the_limit() {
        let start = Instant::now();
        run(async {
            let result = timeout(Duration::from_millis(20), after(5_000)).await;
            assert_eq!(result, Err(Elapsed));
        });
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(20));
        assert!(elapsed < Duration::from_millis(2_000), "took {elapsed:?}");
    }
}
