use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};
use reqwest::Client;
use support::DemoServer;
use tokio::time::{Instant, sleep};

// ANCHOR: fetch
/// Counts requests in flight, and remembers the highest count seen.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// One request in flight; dropping it, however the request ends, counts
/// it out.
struct Entered<'a>(&'a InFlight);

impl InFlight {
    fn enter(&self) -> Entered<'_> {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        Entered(self)
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

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
                // Counted out when dropped: on success, on an error that `?`
                // returns early, and when the future is dropped unfinished.
                let _entered = in_flight.enter();
                let url = server.url(&format!("/bytes?n={n}"));
                let response = client.get(url).send().await?;
                let body = response.error_for_status()?.bytes().await?;
                Ok::<_, reqwest::Error>(body.len())
            }
        })
        .buffer_unordered(limit) // run up to `limit` of them at once
        .try_fold(0, async |total, len| Ok(total + len))
        .await
}
// ANCHOR_END: fetch

// ANCHOR: order
/// Fetches jokes whose answers take 300, 150 and 0 ms; returns the ids in the
/// order the adapter yields them.
async fn joke_order(
    client: &Client,
    server: &DemoServer,
    ordered: bool,
) -> Vec<u32> {
    let requests = stream::iter([(1, 300), (2, 150), (3, 0)]).map(
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

// ANCHOR: stall
/// Stands for a download read in `chunks` pieces, 10 ms apart: each piece
/// is read only when the future is polled. Returns when it finished.
async fn download(start: Instant, chunks: u32) -> Duration {
    for _ in 0..chunks {
        sleep(Duration::from_millis(10)).await;
    }
    start.elapsed()
}

/// Runs a 50 ms and a 100 ms download at once, and spends 200 ms on each
/// result in the loop body. Returns when each download finished.
async fn finish_times(spawned: bool) -> Vec<Duration> {
    let start = Instant::now();
    let mut downloads = stream::iter([5, 10])
        .map(|chunks| async move {
            if spawned {
                // A task of its own runs whether the stream is polled or not.
                tokio::spawn(download(start, chunks)).await.unwrap()
            } else {
                download(start, chunks).await
            }
        })
        .buffer_unordered(2);
    let mut finished = Vec::new();
    while let Some(at) = downloads.next().await {
        finished.push(at);
        sleep(Duration::from_millis(200)).await; // slow work on each result
    }
    finished
}
// ANCHOR_END: stall

// The timer demo first, on the paused clock for exact times (which needs
// the current-thread runtime); then real time again for real requests.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> reqwest::Result<()> {
    let in_the_stream = finish_times(false).await;
    let spawned = finish_times(true).await;
    tokio::time::resume();
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
    println!("finished, downloads in the stream: {in_the_stream:?}");
    println!("finished, downloads spawned:       {spawned:?}");
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
    async fn an_error_does_not_leak_the_in_flight_count() {
        let server = DemoServer::start();
        let in_flight = Arc::new(InFlight::default());
        // The third size is over the server's limit: it answers 400.
        let sizes = vec![1000, 1000, 2_000_000, 1000, 1000];
        let outcome = total_bytes(
            &support::client(),
            &server,
            sizes,
            3,
            Arc::clone(&in_flight),
        )
        .await;
        let error = outcome.unwrap_err();
        assert_eq!(error.status(), Some(reqwest::StatusCode::BAD_REQUEST));
        // The failed request, and any dropped unfinished, are counted out.
        assert_eq!(in_flight.now.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn buffered_keeps_input_order_and_unordered_does_not() {
        let server = DemoServer::start();
        let client = support::client();
        assert_eq!(joke_order(&client, &server, true).await, [1, 2, 3]);
        assert_eq!(joke_order(&client, &server, false).await, [3, 2, 1]);
    }

    /// When each of four jobs started, in ms, when the first takes 100 ms
    /// and the others 10 ms, with at most two at once.
    async fn start_times(ordered: bool) -> Vec<u128> {
        let start = Instant::now();
        let jobs = stream::iter([100, 10, 10, 10]).map(|ms| async move {
            let started = start.elapsed().as_millis();
            sleep(Duration::from_millis(ms)).await;
            started
        });
        if ordered {
            jobs.buffered(2).collect().await
        } else {
            jobs.buffer_unordered(2).collect::<Vec<_>>().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn buffered_frees_a_slot_only_when_it_yields_an_output() {
        // Job 2 finished at 10 ms, but its output waits behind job 1's,
        // and so does job 3, until job 1 is done at 100 ms.
        assert_eq!(start_times(true).await, [0, 0, 100, 100]);
    }

    #[tokio::test(start_paused = true)]
    async fn buffer_unordered_fills_a_slot_as_soon_as_a_job_is_done() {
        let mut started = start_times(false).await;
        started.sort();
        assert_eq!(started, [0, 0, 10, 20]);
    }

    #[tokio::test(start_paused = true)]
    async fn futures_in_the_stream_stall_while_the_loop_body_works() {
        let finished = finish_times(false).await;
        assert_eq!(finished[0], Duration::from_millis(50));
        // The 100 ms download was still unfinished when the loop body's
        // 200 ms (from 50 ms on) were over: it made no progress meanwhile.
        assert!(finished[1] > Duration::from_millis(250), "{finished:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn spawned_downloads_go_on_while_the_loop_body_works() {
        let finished = finish_times(true).await;
        let expected = [50, 100].map(Duration::from_millis);
        assert_eq!(finished, expected);
    }
}
