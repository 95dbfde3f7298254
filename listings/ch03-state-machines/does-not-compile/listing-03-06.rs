use std::pin::Pin;
use std::task::{Context, Poll};

/// A future that counts how often its inner future is polled.
pub struct CountPolls<F> {
    inner: F,
    polls: u32,
}

impl<F: Future> Future for CountPolls<F> {
    type Output = (F::Output, u32);

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        self.polls += 1;
        match self.inner.poll(cx) {
            Poll::Ready(output) => Poll::Ready((output, self.polls)),
            Poll::Pending => Poll::Pending,
        }
    }
}

fn main() {}
