use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

/// A future that may be polled after it has finished: from then on it
/// returns `Pending`, and `is_terminated` says so.
pub struct MyFuse<F> {
    // Boxed, so that any future fits (Chapter 3 explains why that matters);
    // `None` once the future has finished.
    inner: Option<Pin<Box<F>>>,
}

impl<F> MyFuse<F> {
    pub fn new(inner: F) -> Self {
        MyFuse {
            inner: Some(Box::pin(inner)),
        }
    }

    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }
}

impl<F: Future> Future for MyFuse<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let Some(inner) = self.inner.as_mut() else {
            return Poll::Pending; // finished: nothing to wait for
        };
        let output = ready!(inner.as_mut().poll(cx));
        self.inner = None; // drop the finished future at once
        Poll::Ready(output)
    }
}

async fn fetch(answer: &'static str, millis: u64) -> &'static str {
    tokio::time::sleep(Duration::from_millis(millis)).await;
    answer
}

/// Both answers, in the order they arrive, with Tokio's `select!` in a loop.
async fn both_as_they_come() -> Vec<&'static str> {
    let mut joke = MyFuse::new(fetch("joke", 200));
    let mut preferences = MyFuse::new(fetch("preferences", 5));
    let mut arrived = Vec::new();
    while !(joke.is_terminated() && preferences.is_terminated()) {
        tokio::select! {
            answer = &mut joke => arrived.push(answer),
            answer = &mut preferences => arrived.push(answer),
        }
    }
    arrived
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!("{:?}", both_as_they_come().await);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::Waker;

    #[test]
    fn polling_after_ready_returns_pending_instead_of_panicking() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = pin!(MyFuse::new(async { 42 }));
        assert!(!future.is_terminated());
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(42));
        assert!(future.is_terminated());
        for _ in 0..3 {
            assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
        }
    }

    /// A future that is ready at once and sets its flag when dropped.
    struct ReadyThenDropped(Arc<AtomicBool>);

    impl Future for ReadyThenDropped {
        type Output = ();
        fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
            Poll::Ready(())
        }
    }

    impl Drop for ReadyThenDropped {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_inner_future_is_dropped_as_soon_as_it_finishes() {
        let dropped = Arc::new(AtomicBool::new(false));
        let inner = ReadyThenDropped(Arc::clone(&dropped));
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = pin!(MyFuse::new(inner));
        assert!(!dropped.load(Ordering::SeqCst));
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(()));
        // The fuse still exists, but the future inside it is gone.
        assert!(dropped.load(Ordering::SeqCst));
    }

    #[tokio::test(start_paused = true)]
    async fn tokio_select_can_loop_over_fused_futures() {
        let start = tokio::time::Instant::now();
        assert_eq!(both_as_they_come().await, ["preferences", "joke"]);
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }
}
