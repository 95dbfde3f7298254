use std::future::{Ready, pending, poll_fn, ready};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Poll, Wake, Waker};
use std::time::Duration;

use futures::FutureExt;
use tokio::time::{Instant, sleep};

// ANCHOR: waker
/// A waker that counts how often it is woken.
#[derive(Default)]
struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    // Optional: the default clones the `Arc` and calls `wake`.
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<CountWakes>, Waker) {
    let counter = Arc::new(CountWakes::default());
    let waker = Waker::from(Arc::clone(&counter));
    (counter, waker)
}
// ANCHOR_END: waker

// ANCHOR: helpers
/// A joke that is already known: awaiting it takes no time.
struct CachedJoke(String);

impl IntoFuture for CachedJoke {
    type Output = String;
    type IntoFuture = Ready<String>; // a type you can name, without a box

    fn into_future(self) -> Ready<String> {
        ready(self.0)
    }
}

/// Waits until `deadline` has passed, or forever if there is none.
async fn until(deadline: Option<Duration>) {
    match deadline {
        Some(duration) => sleep(duration).await,
        None => pending().await, // never ready, never wakes anyone
    }
}

/// Polls `future` once, with the current task's waker, and hands back
/// its output if it is ready.
async fn poll_once<F: Future + Unpin>(future: &mut F) -> Option<F::Output> {
    poll_fn(|cx| match Pin::new(&mut *future).poll(cx) {
        Poll::Ready(output) => Poll::Ready(Some(output)),
        Poll::Pending => Poll::Ready(None),
    })
    .await
}
// ANCHOR_END: helpers

async fn fetch_joke() -> &'static str {
    sleep(Duration::from_millis(200)).await;
    "joke"
}

async fn fetch_preferences() -> &'static str {
    sleep(Duration::from_millis(5)).await;
    "preferences"
}

// ANCHOR: fused
/// Collects both answers as they arrive, with `futures::select!`.
async fn both_as_they_come() -> Vec<&'static str> {
    let mut joke = pin!(fetch_joke().fuse());
    let mut preferences = pin!(fetch_preferences().fuse());
    let mut arrived = Vec::new();
    loop {
        futures::select! {
            answer = joke => arrived.push(answer),
            answer = preferences => arrived.push(answer),
            complete => break, // every branch has finished
        }
    }
    arrived
}
// ANCHOR_END: fused

// ANCHOR: main
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (counter, waker) = counting_waker();
    waker.wake_by_ref();
    waker.wake(); // consumes this waker
    println!("woken {} times", counter.0.load(Ordering::SeqCst));

    let joke = CachedJoke(String::from("a cached joke")).await;
    println!("{joke}");

    let start = Instant::now();
    tokio::select! {
        () = until(Some(Duration::from_secs(5))) => println!("deadline"),
        () = until(None) => unreachable!("`pending` never finishes"),
    }
    println!("after {} s", start.elapsed().as_secs());

    let mut joke = Box::pin(fetch_joke());
    println!("at once: {:?}", poll_once(&mut joke).await);
    sleep(Duration::from_millis(200)).await;
    println!("200 ms later: {:?}", poll_once(&mut joke).await);

    println!("as they come: {:?}", both_as_they_come().await);
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;
    use futures::future::FusedFuture;
    use std::task::Context;

    #[test]
    fn a_waker_made_from_an_arc_calls_your_wake() {
        let (counter, waker) = counting_waker();
        waker.wake_by_ref();
        waker.wake(); // `wake` takes the waker by value
        assert_eq!(counter.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn the_waker_holds_a_reference_to_the_arc() {
        let (counter, waker) = counting_waker();
        assert_eq!(Arc::strong_count(&counter), 2);
        let clone = waker.clone();
        assert_eq!(Arc::strong_count(&counter), 3);
        drop(clone);
        drop(waker);
        assert_eq!(Arc::strong_count(&counter), 1);
    }

    #[test]
    fn ready_is_ready_on_the_first_poll() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = ready(42);
        assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Ready(42));
    }

    #[test]
    fn a_cached_joke_is_ready_on_the_first_poll() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = CachedJoke(String::from("joke")).into_future();
        let output = Pin::new(&mut future).poll(&mut cx);
        assert_eq!(output, Poll::Ready(String::from("joke")));
    }

    #[test]
    fn pending_is_never_ready_and_never_wakes() {
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut future = pending::<()>();
        for _ in 0..3 {
            assert!(Pin::new(&mut future).poll(&mut cx).is_pending());
        }
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn until_none_never_finishes_and_until_some_does() {
        let start = Instant::now();
        until(Some(Duration::from_secs(5))).await;
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        tokio::select! {
            biased;
            () = sleep(Duration::from_secs(3600)) => {}
            () = until(None) => panic!("`pending` finished"),
        }
        assert_eq!(start.elapsed(), Duration::from_secs(3605));
    }

    #[test]
    fn poll_once_does_not_wait_but_leaves_the_waker_behind() {
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let (sender, mut receiver) = tokio::sync::oneshot::channel();
        {
            let mut first = pin!(poll_once(&mut receiver));
            assert_eq!(first.as_mut().poll(&mut cx), Poll::Ready(None));
        }
        // The receiver kept the task's waker, so a send wakes the task.
        sender.send("joke").unwrap();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        let mut second = pin!(poll_once(&mut receiver));
        let answer = second.as_mut().poll(&mut cx);
        assert_eq!(answer, Poll::Ready(Some(Ok("joke"))));
    }

    #[test]
    #[should_panic(expected = "`async fn` resumed after completion")]
    fn an_async_block_panics_if_polled_after_ready() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = pin!(async { 42 });
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(42));
        let _ = future.as_mut().poll(&mut cx);
    }

    #[test]
    #[should_panic(expected = "`async fn` resumed after panicking")]
    fn a_future_that_panicked_panics_again_if_polled() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = pin!(async { panic!("the joke API is down") });
        let first =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                future.as_mut().poll(&mut cx)
            }));
        assert!(first.is_err());
        let _ = future.as_mut().poll(&mut cx);
    }

    #[test]
    #[should_panic(expected = "`Ready` polled after completion")]
    fn ready_panics_if_polled_after_ready() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut future = ready(42);
        assert_eq!(Pin::new(&mut future).poll(&mut cx), Poll::Ready(42));
        let _ = Pin::new(&mut future).poll(&mut cx);
    }

    #[test]
    fn a_fused_future_is_pending_forever_after_ready() {
        let (counter, waker) = counting_waker();
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(async { 42 }.fuse());
        assert!(!future.is_terminated());
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(42));
        assert!(future.is_terminated());
        for _ in 0..3 {
            assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
        }
        assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn select_in_a_loop_skips_the_fused_future_that_finished() {
        let start = Instant::now();
        assert_eq!(both_as_they_come().await, ["preferences", "joke"]);
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    #[should_panic(expected = "`async fn` resumed after completion")]
    async fn tokio_select_in_a_loop_polls_a_finished_future_again() {
        let mut joke = pin!(fetch_joke());
        let mut preferences = pin!(fetch_preferences());
        loop {
            tokio::select! {
                _ = &mut joke => break,
                _ = &mut preferences => {} // finished, but polled again
            }
        }
    }
}
