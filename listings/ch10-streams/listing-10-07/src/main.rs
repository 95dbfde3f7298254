use std::time::Duration;

use tokio::time::{Instant, interval};
use tokio_stream::wrappers::IntervalStream;
use tokio_stream::{Stream, StreamExt, StreamMap};

/// A stream that says `name` every `every_ms` milliseconds, `count` times.
fn ticker(
    name: &'static str,
    every_ms: u64,
    count: usize,
) -> impl Stream<Item = &'static str> {
    let mut timer = interval(Duration::from_millis(every_ms));
    timer.reset(); // skip the immediate first tick
    IntervalStream::new(timer).take(count).map(move |_| name)
}

// ANCHOR: merge
/// Two sources merged into one: items come out as they arrive.
async fn merged() -> Vec<(u128, &'static str)> {
    let start = Instant::now();
    ticker("jokes", 300, 3)
        .merge(ticker("news", 200, 3))
        .map(|item| (start.elapsed().as_millis(), item))
        .collect()
        .await
}

/// A `StreamMap` merges any number of streams, keyed, and can add or remove
/// them while running.
async fn keyed() -> Vec<(u128, String, &'static str)> {
    let start = Instant::now();
    let mut streams = StreamMap::new();
    streams.insert("ada".to_string(), ticker("ping", 100, 2));
    streams.insert("alan".to_string(), ticker("pong", 150, 2));
    let mut seen = Vec::new();
    while let Some((user, item)) = streams.next().await {
        seen.push((start.elapsed().as_millis(), user, item));
    }
    seen
}
// ANCHOR_END: merge

/// This program only waits on timers, so it uses Tokio's paused clock: it
/// finishes at once and prints exact times.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!("merge:");
    for (at, item) in merged().await {
        println!("{at:>4} ms: {item}");
    }
    println!("StreamMap:");
    for (at, user, item) in keyed().await {
        println!("{at:>4} ms: {user} {item}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn merge_interleaves_by_arrival_and_ends_when_both_end() {
        assert_eq!(
            merged().await,
            [
                (200, "news"),
                (300, "jokes"),
                (400, "news"),
                (600, "news"),
                (600, "jokes"),
                (900, "jokes"),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_stream_map_tags_each_item_with_its_key() {
        let seen = keyed().await;
        let users: Vec<_> =
            seen.iter().map(|(_, user, _)| user.as_str()).collect();
        assert_eq!(users, ["ada", "alan", "ada", "alan"]);
        let times: Vec<_> = seen.iter().map(|(at, ..)| *at).collect();
        assert_eq!(times, [100, 150, 200, 300]);
    }
}
