use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, TryStreamExt, stream};
use reqwest::Client;
use support::DemoServer;

/// Counts requests in flight, and remembers the highest count seen.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl InFlight {
    fn enter(&self) {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
}

// ANCHOR: fetch
/// Downloads `/bytes?n=…` for every size, at most `limit` at a time, and
/// returns the total number of bytes.
async fn total_bytes(
    client: &Client,
    server: &DemoServer,
    sizes: Vec<usize>,
    limit: usize,
    in_flight: Arc<InFlight>,
) -> reqwest::Result<usize> {
    stream::iter(sizes)
        .map(|n| {
            // Each item becomes a future; nothing runs until it is polled.
            let in_flight = Arc::clone(&in_flight);
            async move {
                in_flight.enter();
                let url = server.url(&format!("/bytes?n={n}"));
                let body = client.get(url).send().await?.bytes().await;
                in_flight.leave();
                Ok::<_, reqwest::Error>(body?.len())
            }
        })
        .buffer_unordered(limit) // run up to `limit` of them at once
        .try_fold(0, async |total, len| Ok(total + len))
        .await
}
// ANCHOR_END: fetch

// ANCHOR: order
/// Fetches jokes whose answers take 80, 40 and 0 ms; returns the ids in the
/// order the adapter yields them.
async fn joke_order(
    client: &Client,
    server: &DemoServer,
    ordered: bool,
) -> Vec<u32> {
    let requests = stream::iter([(1, 80), (2, 40), (3, 0)]).map(
        |(id, delay_ms)| async move {
            let url = server.url(&format!("/joke?id={id}&delay_ms={delay_ms}"));
            let joke: support::Joke =
                client.get(url).send().await?.json().await?;
            Ok::<_, reqwest::Error>(joke.id)
        },
    );
    let ids = if ordered {
        requests.buffered(3).collect::<Vec<_>>().await // input order
    } else {
        requests.buffer_unordered(3).collect().await // completion order
    };
    ids.into_iter().map(Result::unwrap).collect()
}
// ANCHOR_END: order

#[tokio::main]
async fn main() -> reqwest::Result<()> {
    let server = DemoServer::start();
    let client = support::client();
    let in_flight = Arc::new(InFlight::default());
    let sizes = (1..=20).map(|i| i * 100).collect();
    let total =
        total_bytes(&client, &server, sizes, 4, Arc::clone(&in_flight)).await?;
    let most = in_flight.most.load(Ordering::SeqCst);
    println!("20 downloads, {total} bytes, at most {most} in flight");
    println!(
        "buffered:         {:?}",
        joke_order(&client, &server, true).await
    );
    println!(
        "buffer_unordered: {:?}",
        joke_order(&client, &server, false).await
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn never_more_than_the_limit_in_flight() {
        let server = DemoServer::start();
        let in_flight = Arc::new(InFlight::default());
        let sizes = vec![1000; 30];
        let total = total_bytes(
            &support::client(),
            &server,
            sizes,
            3,
            Arc::clone(&in_flight),
        )
        .await
        .unwrap();
        assert_eq!(total, 30_000);
        let most = in_flight.most.load(Ordering::SeqCst);
        // The first three requests all start before any can finish.
        assert_eq!(most, 3);
    }

    #[tokio::test]
    async fn buffered_keeps_input_order_and_unordered_does_not() {
        let server = DemoServer::start();
        let client = support::client();
        assert_eq!(joke_order(&client, &server, true).await, [1, 2, 3]);
        assert_eq!(joke_order(&client, &server, false).await, [3, 2, 1]);
    }
}
