use std::pin::pin;
use std::time::Duration;

use futures::stream::{self, FusedStream, Stream, StreamExt};
use tokio::time::{Instant, interval, sleep};

// ANCHOR: select
/// Five numbers, each of which takes 30 ms to produce.
fn slow_numbers() -> impl Stream<Item = u32> {
    stream::iter(1..=5).then(|n| async move {
        sleep(Duration::from_millis(30)).await;
        n
    })
}

/// Takes every number while a ticker interrupts every 10 ms.
async fn numbers_between_ticks(numbers: impl Stream<Item = u32>) -> Vec<u32> {
    let mut numbers = pin!(numbers);
    let mut ticker = interval(Duration::from_millis(10));
    let mut got = Vec::new();
    loop {
        tokio::select! {
            item = numbers.next() => match item {
                Some(n) => got.push(n),
                None => break,
            },
            _ = ticker.tick() => {} // a heartbeat, a status report, …
        }
    }
    got
}
// ANCHOR_END: select

// ANCHOR: lossy
/// Wrong: the branch's future holds the item across an `.await`.
async fn next_and_audit<S: Stream<Item = u32> + Unpin>(
    numbers: &mut S,
) -> Option<u32> {
    let item = numbers.next().await;
    if item.is_some() {
        sleep(Duration::from_millis(15)).await; // stands for an audit call
    }
    item
}

async fn audited_between_ticks(numbers: impl Stream<Item = u32>) -> Vec<u32> {
    let mut numbers = pin!(numbers);
    let mut ticker = interval(Duration::from_millis(10));
    let mut got = Vec::new();
    loop {
        tokio::select! {
            biased; // the same result on every run
            item = next_and_audit(&mut numbers) => match item {
                Some(n) => got.push(n),
                None => break,
            },
            _ = ticker.tick() => {}
        }
    }
    got
}
// ANCHOR_END: lossy

// ANCHOR: ended
/// 1, 2, 3, made with `unfold`, which must not be polled after its end.
fn three() -> impl Stream<Item = u32> {
    stream::unfold(1, |n| async move { (n <= 3).then_some((n, n + 1)) })
}

/// Merges two streams by hand, until both have ended.
async fn merge_two(
    a: impl Stream<Item = u32>,
    b: impl Stream<Item = u32>,
) -> Vec<u32> {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let mut got = Vec::new();
    loop {
        tokio::select! {
            Some(n) = a.next() => got.push(n),
            Some(n) = b.next() => got.push(n),
            else => break, // every branch failed its pattern
        }
    }
    got
}
// ANCHOR_END: ended

// ANCHOR: futures_select
/// The same with `futures::select!`, which asks for fused streams.
async fn merge_two_fused(
    a: impl FusedStream<Item = u32>,
    b: impl FusedStream<Item = u32>,
) -> Vec<u32> {
    let (mut a, mut b) = (pin!(a), pin!(b));
    let mut got = Vec::new();
    loop {
        futures::select! {
            n = a.next() => got.extend(n),
            n = b.next() => got.extend(n),
            complete => break, // every stream has ended
        }
    }
    got
}
// ANCHOR_END: futures_select

/// 100, 200, 300, 400, 500 ms apart: ends after the other stream.
fn hundreds() -> impl Stream<Item = u32> {
    stream::iter(1..=5).then(|n| async move {
        sleep(Duration::from_millis(100)).await;
        n * 100
    })
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = Instant::now();
    let got = numbers_between_ticks(slow_numbers()).await;
    println!("next():            {got:?} after {:?}", start.elapsed());
    let got = audited_between_ticks(slow_numbers()).await;
    println!("held in a branch:  {got:?}");
    let got = merge_two(three().fuse(), hundreds()).await;
    println!("tokio::select!:    {got:?}");
    let got = merge_two_fused(three().fuse(), hundreds().fuse()).await;
    println!("futures::select!:  {got:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn next_in_a_select_loop_loses_no_item() {
        let start = Instant::now();
        assert_eq!(
            numbers_between_ticks(slow_numbers()).await,
            [1, 2, 3, 4, 5]
        );
        // The work in flight lives in the stream: a lost branch does not
        // restart it, so five items of 30 ms take 150 ms in all.
        assert_eq!(start.elapsed(), Duration::from_millis(150));
    }

    #[tokio::test(start_paused = true)]
    async fn an_item_held_across_an_await_in_a_branch_is_lost() {
        // Each item was taken, then dropped with the branch at a tick.
        let mut numbers = pin!(slow_numbers());
        assert_eq!(audited_between_ticks(&mut numbers).await, []);
        // The stream was read to its end: nothing is left in it.
        assert_eq!(numbers.next().await, None);
    }

    #[tokio::test(start_paused = true)]
    #[should_panic(expected = "Unfold must not be polled after it returned")]
    async fn a_select_loop_polls_an_ended_stream_again() {
        merge_two(three(), hundreds()).await;
    }

    #[tokio::test(start_paused = true)]
    async fn a_fused_stream_may_be_polled_after_its_end() {
        let got = merge_two(three().fuse(), hundreds()).await;
        assert_eq!(got, [1, 2, 3, 100, 200, 300, 400, 500]);
    }

    #[tokio::test(start_paused = true)]
    async fn futures_select_ends_when_every_fused_stream_has() {
        let hundreds = hundreds().fuse();
        let got = merge_two_fused(three().fuse(), hundreds).await;
        assert_eq!(got, [1, 2, 3, 100, 200, 300, 400, 500]);
    }

    #[tokio::test]
    async fn fuse_answers_none_for_ever_and_says_it_has_ended() {
        let mut three = pin!(three().fuse());
        assert!(!three.is_terminated());
        while three.next().await.is_some() {}
        assert!(three.is_terminated());
        assert_eq!(three.next().await, None);
        assert_eq!(three.next().await, None);
    }
}
