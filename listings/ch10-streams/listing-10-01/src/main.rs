use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures::{Stream, StreamExt};
use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep, sleep};

// ANCHOR: stream
pin_project! {
    /// Counts down from `remaining` to 1, one number per `period`.
    pub struct Countdown {
        remaining: u32,
        period: Duration,
        #[pin]
        sleep: Sleep,
    }
}

impl Countdown {
    pub fn new(from: u32, period: Duration) -> Self {
        Countdown {
            remaining: from,
            period,
            sleep: sleep(period),
        }
    }
}

impl Stream for Countdown {
    type Item = u32;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<u32>> {
        let mut this = self.project();
        if *this.remaining == 0 {
            return Poll::Ready(None); // the stream has ended
        }
        // Not time yet: `Sleep` has registered the waker, so return Pending.
        ready!(this.sleep.as_mut().poll(cx));
        let item = *this.remaining;
        *this.remaining -= 1;
        this.sleep.reset(Instant::now() + *this.period);
        Poll::Ready(Some(item))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.remaining as usize;
        (left, Some(left))
    }
}
// ANCHOR_END: stream

/// This program only waits on timers, so it uses Tokio's paused clock: it
/// finishes at once and prints exact times.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    // ANCHOR: consume
    let start = Instant::now();
    // `Countdown` holds a `Sleep`, which is not `Unpin`: pin it to call `next`.
    let mut countdown =
        std::pin::pin!(Countdown::new(3, Duration::from_secs(1)));
    while let Some(n) = countdown.next().await {
        println!("{n} at {:?}", start.elapsed());
    }
    println!("lift-off at {:?}", start.elapsed());
    // ANCHOR_END: consume
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn yields_one_item_per_period_then_ends() {
        let start = Instant::now();
        let items: Vec<_> = Countdown::new(3, Duration::from_secs(1))
            .map(|n| (n, start.elapsed().as_secs()))
            .collect()
            .await;
        assert_eq!(items, [(3, 1), (2, 2), (1, 3)]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_empty_countdown_ends_at_once() {
        let mut countdown = Box::pin(Countdown::new(0, Duration::from_secs(1)));
        assert_eq!(countdown.size_hint(), (0, Some(0)));
        assert_eq!(countdown.next().await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn the_size_hint_counts_the_numbers_left() {
        let mut countdown = Box::pin(Countdown::new(3, Duration::from_secs(1)));
        assert_eq!(countdown.size_hint(), (3, Some(3)));
        assert_eq!(countdown.next().await, Some(3));
        assert_eq!(countdown.size_hint(), (2, Some(2)));
    }
}
