use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::timeout;

/// Like `YieldOnce`, but it forgets to wake its task: it returns `Pending`
/// without arranging for anyone to poll it again.
#[derive(Default)]
pub struct ForgetfulYield {
    pub polls: u32,
}

impl Future for ForgetfulYield {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.polls += 1;
        if self.polls > 1 {
            Poll::Ready(()) // would be ready, if only it were asked
        } else {
            Poll::Pending // the bug: no `cx.waker().wake_by_ref()`
        }
    }
}

/// The correct version, counting its polls too.
#[derive(Default)]
pub struct YieldOnce {
    pub polls: u32,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls += 1;
        if self.polls > 1 {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

const AN_HOUR: Duration = Duration::from_secs(3600);

/// Runs `future` as a task of its own and waits up to an hour for it.
async fn run_as_task<F>(future: F) -> &'static str
where
    F: Future<Output = ()> + Send + 'static,
{
    match timeout(AN_HOUR, tokio::spawn(future)).await {
        Ok(_) => "finished",
        Err(_) => "still pending after an hour",
    }
}

// With the clock paused, an hour of waiting passes at once.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let outcome = run_as_task(YieldOnce::default()).await;
    println!("YieldOnce:      {outcome}");
    let outcome = run_as_task(ForgetfulYield::default()).await;
    println!("ForgetfulYield: {outcome}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn a_future_that_wakes_its_task_finishes_at_once() {
        let start = Instant::now();
        assert_eq!(run_as_task(YieldOnce::default()).await, "finished");
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[test]
    fn yield_once_is_pending_once_then_ready() {
        let mut future = YieldOnce::default();
        let mut cx = Context::from_waker(std::task::Waker::noop());
        assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Pending);
        assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Ready(()));
        assert_eq!(future.polls, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn pending_without_a_wake_up_hangs_the_task() {
        let start = Instant::now();
        let outcome = run_as_task(ForgetfulYield::default()).await;
        // A second poll would have returned `Ready`: it was never polled
        // again, for a whole (paused-clock) hour.
        assert_eq!(outcome, "still pending after an hour");
        assert_eq!(start.elapsed(), AN_HOUR);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wake_up_meant_for_another_future_can_hide_the_bug() {
        // In the same task as a timer, the forgetful future is polled again
        // when the timer wakes the task: it finishes, but an hour late.
        let start = Instant::now();
        let mut forgetful = ForgetfulYield::default();
        assert!(timeout(AN_HOUR, &mut forgetful).await.is_ok());
        assert_eq!(forgetful.polls, 2);
        assert_eq!(start.elapsed(), AN_HOUR);
    }
}
