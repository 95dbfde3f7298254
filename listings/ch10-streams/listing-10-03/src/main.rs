use std::time::Duration;

use async_stream::{stream, try_stream};
use futures::stream::{self, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, interval};
use tokio_stream::wrappers::{IntervalStream, ReceiverStream};

// ANCHOR: makers
/// From anything iterable: every item is ready at once.
fn from_iter() -> impl Stream<Item = u32> {
    stream::iter([1, 2, 3])
}

/// From the receiving end of a channel: items arrive as they are sent, and
/// the stream ends when every sender has been dropped.
fn from_channel() -> impl Stream<Item = String> {
    let (tx, rx) = mpsc::channel(8);
    tokio::spawn(async move {
        for word in ["ask", "wait", "laugh"] {
            if tx.send(word.to_string()).await.is_err() {
                break; // nobody is listening any more
            }
        }
    });
    ReceiverStream::new(rx)
}

/// From a timer: one item (the instant) per tick. The first tick is
/// immediate; an interval never ends, so take what you need.
fn from_interval() -> impl Stream<Item = Instant> {
    IntervalStream::new(interval(Duration::from_millis(100)))
}

/// From a state and an async step: `unfold` calls the closure with the
/// state, and the closure returns the next item and the next state, or
/// `None` to end the stream.
fn from_unfold() -> impl Stream<Item = u64> {
    stream::unfold((0, 1), async |(a, b)| {
        if a > 20 {
            return None;
        }
        tokio::task::yield_now().await; // any async work may go here
        Some((a, (b, a + b)))
    })
}

/// From code that reads like a loop: `yield` produces an item.
fn from_stream_macro() -> impl Stream<Item = String> {
    stream! {
        for id in 1..=3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
            yield format!("joke {id}");
        }
    }
}

/// The same with errors: `?` yields the error as the last item.
fn from_try_stream(
    inputs: Vec<&'static str>,
) -> impl Stream<Item = Result<u32, std::num::ParseIntError>> {
    try_stream! {
        for input in inputs {
            let n: u32 = input.parse()?;
            yield n;
        }
    }
}
// ANCHOR_END: makers

/// This program only waits on timers and channels, so it uses Tokio's
/// paused clock: it finishes at once and prints exact times.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!("iter:        {:?}", from_iter().collect::<Vec<_>>().await);
    println!(
        "channel:     {:?}",
        from_channel().collect::<Vec<_>>().await
    );
    let start = Instant::now();
    let ticks: Vec<_> = from_interval()
        .take(3)
        .map(|tick| tick - start)
        .collect()
        .await;
    println!("interval:    {ticks:?}");
    println!("unfold:      {:?}", from_unfold().collect::<Vec<_>>().await);
    // `stream!` makes a stream that is not `Unpin`; `collect` does not mind.
    println!(
        "stream!:     {:?}",
        from_stream_macro().collect::<Vec<_>>().await
    );
    let parsed: Vec<_> =
        from_try_stream(vec!["1", "2", "x", "4"]).collect().await;
    println!("try_stream!: {parsed:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn each_maker_yields_what_it_should() {
        assert_eq!(from_iter().collect::<Vec<_>>().await, [1, 2, 3]);
        assert_eq!(
            from_channel().collect::<Vec<_>>().await,
            ["ask", "wait", "laugh"]
        );
        assert_eq!(
            from_unfold().collect::<Vec<_>>().await,
            [0, 1, 1, 2, 3, 5, 8, 13]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_interval_ticks_at_once_then_every_period() {
        let start = Instant::now();
        let ticks: Vec<_> = from_interval()
            .take(3)
            .map(|tick| (tick - start).as_millis())
            .collect()
            .await;
        assert_eq!(ticks, [0, 100, 200]);
    }

    #[tokio::test(start_paused = true)]
    async fn stream_macro_items_arrive_as_they_are_yielded() {
        let start = Instant::now();
        let timed: Vec<_> = from_stream_macro()
            .map(|joke| (joke, start.elapsed().as_millis()))
            .collect()
            .await;
        assert_eq!(
            timed,
            [
                ("joke 1".to_string(), 10),
                ("joke 2".to_string(), 20),
                ("joke 3".to_string(), 30)
            ]
        );
    }

    #[tokio::test]
    async fn try_stream_ends_after_the_first_error() {
        let items: Vec<_> =
            from_try_stream(vec!["1", "x", "3"]).collect().await;
        assert_eq!(items.len(), 2);
        assert_eq!(items[0], Ok(1));
        assert!(items[1].is_err());
    }

    #[tokio::test]
    async fn a_channel_stream_ends_when_the_senders_are_gone() {
        let (tx, rx) = mpsc::channel::<u32>(1);
        drop(tx);
        assert_eq!(ReceiverStream::new(rx).next().await, None);
    }
}
