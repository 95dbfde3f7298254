use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

pin_project! {
    /// Runs `inner` and counts how often it was polled: a small tool for
    /// seeing how a future is driven.
    pub struct CountPolls<F> {
        #[pin]
        inner: F,
        polls: u32,
    }
}

impl<F> CountPolls<F> {
    pub fn new(inner: F) -> Self {
        CountPolls { inner, polls: 0 }
    }
}

impl<F: Future> Future for CountPolls<F> {
    type Output = (F::Output, u32);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `project` gives a pinned `inner` and a plain `&mut u32`.
        let this = self.project();
        *this.polls += 1;
        match this.inner.poll(cx) {
            Poll::Ready(output) => Poll::Ready((output, *this.polls)),
            // `inner` has arranged a wake-up, so returning Pending is fine.
            Poll::Pending => Poll::Pending,
        }
    }
}

async fn three_waits() -> &'static str {
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    "done"
}

/// This program only sleeps, so it uses Tokio's paused clock: it finishes
/// at once, and the counts do not depend on the machine.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (output, polls) = CountPolls::new(async { 42 }).await;
    println!("ready at once: {output} after {polls} poll");
    let (output, polls) = CountPolls::new(three_waits()).await;
    println!("three sleeps: {output} after {polls} polls");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_ready_future_is_polled_once() {
        assert_eq!(CountPolls::new(async { 42 }).await, (42, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn each_wait_costs_one_more_poll() {
        // One poll to start, then one per wake-up after each sleep.
        assert_eq!(CountPolls::new(three_waits()).await, ("done", 4));
    }
}
