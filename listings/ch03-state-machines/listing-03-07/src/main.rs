use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;

pin_project! {
    /// A future that counts how often its inner future is polled.
    pub struct CountPolls<F> {
        #[pin]
        inner: F, // structurally pinned: reached as `Pin<&mut F>`
        polls: u32, // not pinned: reached as a plain `&mut u32`
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
        let this = self.project();
        *this.polls += 1;
        let output = ready!(this.inner.poll(cx));
        Poll::Ready((output, *this.polls))
    }
}

async fn tell_joke() -> &'static str {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
    "Why did the future go to therapy? It had unresolved issues."
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (joke, polls) = CountPolls::new(tell_joke()).await;
    println!("tell_joke(): {polls} polls for {joke:?}");

    let sleep = tokio::time::sleep(Duration::from_secs(1));
    let ((), polls) = CountPolls::new(sleep).await;
    println!("sleep(1 s):  {polls} polls");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn it_counts_the_polls_of_an_async_fn() {
        let (joke, polls) = CountPolls::new(tell_joke()).await;
        assert!(joke.starts_with("Why did the future"));
        assert_eq!(polls, 3); // two `yield_now`s, so two `Pending`s
    }

    #[tokio::test(start_paused = true)]
    async fn it_wraps_futures_that_are_not_unpin() {
        // `Sleep` is not `Unpin`; `CountPolls` pins it in place.
        let sleep = tokio::time::sleep(Duration::from_secs(1));
        let ((), polls) = CountPolls::new(sleep).await;
        assert_eq!(polls, 2);
    }
}
