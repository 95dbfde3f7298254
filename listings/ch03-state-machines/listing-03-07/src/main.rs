use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep};

// ANCHOR: projection
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

// ANCHOR_END: projection

// ANCHOR: unpin
/// Without projection, way 1: accept only an `Unpin` inner future.
pub struct CountPollsUnpin<F> {
    inner: F,
    polls: u32,
}

impl<F: Future + Unpin> Future for CountPollsUnpin<F> {
    type Output = (F::Output, u32);

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        // `F: Unpin` makes `Self: Unpin`, so `self` derefs to `&mut Self`.
        self.polls += 1;
        let output = ready!(Pin::new(&mut self.inner).poll(cx));
        Poll::Ready((output, self.polls))
    }
}
// ANCHOR_END: unpin

// ANCHOR: boxed
/// Without projection, way 2: keep the inner future pinned in a box.
pub struct CountPollsBoxed<F> {
    inner: Pin<Box<F>>, // `Unpin`, whatever `F` is
    polls: u32,
}

impl<F: Future> Future for CountPollsBoxed<F> {
    type Output = (F::Output, u32);

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        self.polls += 1;
        let output = ready!(self.inner.as_mut().poll(cx));
        Poll::Ready((output, self.polls))
    }
}
// ANCHOR_END: boxed

// ANCHOR: restart
/// Counts the messages that arrive until none has come for `quiet`.
async fn count_until_quiet(
    mut messages: mpsc::Receiver<&str>,
    quiet: Duration,
) -> usize {
    let mut count = 0;
    let mut timer = pin!(sleep(quiet));
    loop {
        tokio::select! {
            Some(_) = messages.recv() => {
                count += 1;
                // Drop the pinned timer in place and start a new one there.
                timer.set(sleep(quiet));
            }
            () = &mut timer => return count,
        }
    }
}
// ANCHOR_END: restart

/// Sends three messages, three seconds apart.
async fn chat(messages: mpsc::Sender<&str>) {
    for text in ["hello", "tell me a joke", "another one"] {
        messages.send(text).await.unwrap();
        sleep(Duration::from_secs(3)).await;
    }
}

// ANCHOR: main
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (joke, polls) = CountPolls::new(tell_joke()).await;
    println!("tell_joke(): {polls} polls for {joke:?}");

    let sleep = tokio::time::sleep(Duration::from_secs(1));
    let ((), polls) = CountPolls::new(sleep).await;
    println!("sleep(1 s):  {polls} polls");

    let inner = Box::pin(tokio::time::sleep(Duration::from_secs(1)));
    let ((), polls) = CountPollsUnpin { inner, polls: 0 }.await;
    println!("CountPollsUnpin, Box::pin(sleep(1 s)): {polls} polls");

    let inner = Box::pin(tell_joke());
    let (_, polls) = CountPollsBoxed { inner, polls: 0 }.await;
    println!("CountPollsBoxed, tell_joke(): {polls} polls");

    let (sender, receiver) = mpsc::channel(8);
    let start = Instant::now();
    let chatting = tokio::spawn(chat(sender));
    let count = count_until_quiet(receiver, Duration::from_secs(5)).await;
    let seconds = start.elapsed().as_secs();
    println!("{count} messages, then 5 s of quiet, after {seconds} s");
    chatting.await.unwrap();
}
// ANCHOR_END: main

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

    #[tokio::test(start_paused = true)]
    async fn without_projection_an_unpin_future_or_a_box_will_do() {
        let inner = Box::pin(tokio::time::sleep(Duration::from_secs(1)));
        let ((), polls) = CountPollsUnpin { inner, polls: 0 }.await;
        assert_eq!(polls, 2);
        let inner = Box::pin(tell_joke());
        let (_, polls) = CountPollsBoxed { inner, polls: 0 }.await;
        assert_eq!(polls, 3);
    }

    async fn big() -> u8 {
        let buffer = [1u8; 1024];
        tokio::task::yield_now().await;
        buffer[0]
    }

    #[test]
    fn a_struct_wrapper_stores_its_future_once() {
        let size = size_of_val(&big());
        // Compare `pass_through` in Listing 3-2: an `async fn` stores the
        // future it is given twice.
        assert!(size_of_val(&CountPolls::new(big())) < size + 16);
        let boxed = CountPollsBoxed {
            inner: Box::pin(big()),
            polls: 0,
        };
        assert!(size_of_val(&boxed) <= 2 * size_of::<usize>());
    }

    #[tokio::test(start_paused = true)]
    async fn pin_set_restarts_the_timer_on_each_message() {
        let (sender, receiver) = mpsc::channel(8);
        let start = Instant::now();
        let chatting = tokio::spawn(chat(sender));
        let count = count_until_quiet(receiver, Duration::from_secs(5)).await;
        assert_eq!(count, 3);
        // Messages at 0, 3 and 6 s; quiet from 6 s to 11 s.
        assert_eq!(start.elapsed(), Duration::from_secs(11));
        chatting.await.unwrap();
    }
}
