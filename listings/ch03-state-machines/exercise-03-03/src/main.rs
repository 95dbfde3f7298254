use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, sleep};

/// The `async fn` version: stores `future` twice (Listing 3-2).
pub async fn timed<F: Future>(future: F) -> (F::Output, Duration) {
    let start = Instant::now();
    let output = future.await;
    (output, start.elapsed())
}

pin_project! {
    /// The struct version: stores the future once.
    pub struct Timed<F> {
        #[pin]
        inner: F,
        start: Option<Instant>, // set by the first poll, like `timed`
    }
}

impl<F> Timed<F> {
    pub fn new(inner: F) -> Self {
        Timed { inner, start: None }
    }
}

impl<F: Future> Future for Timed<F> {
    type Output = (F::Output, Duration);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let start = *this.start.get_or_insert_with(Instant::now);
        let output = ready!(this.inner.poll(cx));
        Poll::Ready((output, start.elapsed()))
    }
}

/// A joke that takes 200 ms, with a 1 KiB buffer held across the wait.
async fn slow_joke() -> usize {
    let buffer = [1u8; 1024];
    sleep(Duration::from_millis(200)).await;
    buffer.iter().filter(|&&b| b == 1).count()
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!(
        "slow_joke()          {:>5} bytes",
        size_of_val(&slow_joke())
    );
    println!(
        "timed(slow_joke())   {:>5} bytes",
        size_of_val(&timed(slow_joke()))
    );
    println!(
        "Timed::new(...)      {:>5} bytes",
        size_of_val(&Timed::new(slow_joke()))
    );
    let (_, took) = Timed::new(slow_joke()).await;
    println!("took {} ms", took.as_millis());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_struct_stores_the_future_once() {
        let inner = size_of_val(&slow_joke());
        assert!(size_of_val(&timed(slow_joke())) >= 2 * inner);
        assert!(size_of_val(&Timed::new(slow_joke())) <= inner + 32);
    }

    #[tokio::test(start_paused = true)]
    async fn both_measure_from_the_first_poll() {
        let by_fn = timed(slow_joke());
        let by_struct = Timed::new(slow_joke());
        // Time that passes before the first poll does not count.
        sleep(Duration::from_secs(1)).await;
        let ((jokes, took_fn), (same, took_struct)) =
            tokio::join!(by_fn, by_struct);
        assert_eq!((jokes, same), (1024, 1024));
        assert_eq!(took_fn, Duration::from_millis(200));
        assert_eq!(took_struct, Duration::from_millis(200));
    }
}
