use std::time::Duration;

use futures::stream::{self, Stream, StreamExt};
use tokio_stream::StreamMap;

/// The numbers 1 to 3, 10 ms apart if `slow`, all at once if not.
fn numbers(slow: bool) -> impl Stream<Item = u32> {
    let numbers = stream::iter(1..=3);
    if slow {
        numbers.then(|n| async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            n
        })
    } else {
        numbers
    }
}

#[tokio::main]
async fn main() {
    let mut sources = StreamMap::new();
    sources.insert("slow", stream::iter(1..=3).then(|n| async move { n }));
    while let Some((source, n)) = sources.next().await {
        println!("{source}: {n}");
    }
    println!("{:?}", numbers(true).count().await);
}
