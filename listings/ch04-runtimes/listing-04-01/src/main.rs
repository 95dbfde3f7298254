use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

use futures::channel::oneshot;

/// A waker that unparks the thread which is blocked in `block_on`.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on the current thread.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            // Sleep until a waker calls `unpark`. If `unpark` already ran,
            // `park` returns at once; if it returns for no reason, polling
            // again is harmless.
            Poll::Pending => thread::park(),
        }
    }
}

/// An async function that waits for another thread to send it a value.
async fn wait_for_answer() -> &'static str {
    let (sender, receiver) = oneshot::channel();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        sender.send("42").unwrap();
    });
    receiver.await.unwrap()
}

fn main() {
    let answer = block_on(wait_for_answer());
    println!("the answer, sent from another thread: {answer}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    // Appendix A, Claim 12: only Tokio could run a future, so a `block_on`
    // without it cannot; `async_rust_runs_without_tokio` fails.
    #[cfg(feature = "counterfactual")]
    fn block_on<F: Future>(_: F) -> F::Output {
        panic!("no Tokio runtime to run the future")
    }

    /// Wraps a future and counts how often it is polled.
    async fn counting<F: Future>(polls: &AtomicUsize, future: F) -> F::Output {
        let mut future = pin!(future);
        std::future::poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            future.as_mut().poll(cx)
        })
        .await
    }

    #[test]
    fn a_ready_future_is_polled_once() {
        let polls = AtomicUsize::new(0);
        assert_eq!(block_on(counting(&polls, async { 7 })), 7);
        assert_eq!(polls.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn parks_while_waiting_instead_of_spinning() {
        // One poll that returns `Pending`, one after the wake-up. A loop
        // that polled without parking would poll thousands of times in the
        // 20 ms the other thread sleeps.
        let polls = AtomicUsize::new(0);
        assert_eq!(block_on(counting(&polls, wait_for_answer())), "42");
        assert_eq!(polls.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn async_rust_runs_without_tokio() {
        // This package does not depend on Tokio at all: `block_on` above
        // is built from the standard library alone.
        async fn add(a: u32, b: u32) -> u32 {
            a + b
        }
        let sum = block_on(async { add(1, 2).await + add(3, 4).await });
        assert_eq!(sum, 10);
    }
}
