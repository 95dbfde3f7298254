use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

/// A future that is not ready the first time it is polled, and ready the
/// second time.
#[derive(Default)]
pub struct YieldOnce {
    polled_before: bool,
}

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.polled_before {
            return Poll::Ready(());
        }
        self.polled_before = true;
        // Ask to be polled again before saying "not ready": nothing else
        // will ever wake this task.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn main() {
    // A waker that does nothing when woken: enough to call `poll` by hand.
    let mut cx = Context::from_waker(Waker::noop());
    let mut future = pin!(YieldOnce::default());

    println!("poll 1: {:?}", future.as_mut().poll(&mut cx));
    println!("poll 2: {:?}", future.as_mut().poll(&mut cx));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Wake;

    /// A waker that counts how often it is woken.
    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn yield_once_is_ready_on_the_second_poll() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = pin!(YieldOnce::default());
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(()));
    }

    #[test]
    fn yield_once_wakes_its_task_before_returning_pending() {
        let counter = Arc::new(CountingWaker::default());
        let waker = Waker::from(counter.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(YieldOnce::default());
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_runtime_polls_it_to_completion() {
        YieldOnce::default().await;
    }
}
