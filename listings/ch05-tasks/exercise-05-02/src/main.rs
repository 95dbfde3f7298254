use reqwest::Client;
use support::DemoServer;
use tokio::task::JoinSet;

/// Downloads one URL and returns the length of its body in bytes.
async fn size_of(client: Client, url: String) -> reqwest::Result<usize> {
    let response = client.get(url).send().await?.error_for_status()?;
    Ok(response.bytes().await?.len())
}

/// Downloads every URL, at most `limit` at a time. Returns the sizes in
/// the order of `urls`, or the first error.
async fn fetch_all(
    client: &Client,
    urls: Vec<String>,
    limit: usize,
) -> reqwest::Result<Vec<usize>> {
    let mut sizes = vec![0; urls.len()];
    let mut in_flight = JoinSet::new();
    let mut pending = urls.into_iter().enumerate();
    loop {
        // Top up to `limit` requests in flight.
        while in_flight.len() < limit {
            let Some((i, url)) = pending.next() else {
                break;
            };
            let client = client.clone(); // cheap: clients share a pool
            in_flight.spawn(async move { (i, size_of(client, url).await) });
        }
        // Wait for one to finish; stop when nothing is left.
        let Some(finished) = in_flight.join_next().await else {
            break;
        };
        let (i, size) = finished.expect("a download task panicked");
        sizes[i] = size?; // an error drops the set, which aborts the rest
    }
    Ok(sizes)
}

#[tokio::main]
async fn main() -> reqwest::Result<()> {
    let server = DemoServer::start();
    let urls = (1..=10).map(|n| server.url(&format!("/bytes?n={n}")));
    let sizes = fetch_all(&support::client(), urls.collect(), 3).await?;
    println!("sizes: {sizes:?}");
    println!("total: {} bytes", sizes.iter().sum::<usize>());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn returns_every_size_in_order() {
        let server = DemoServer::start();
        let urls = (1..=7).map(|n| server.url(&format!("/bytes?n={n}")));
        let sizes = fetch_all(&support::client(), urls.collect(), 2).await;
        assert_eq!(sizes.unwrap(), [1, 2, 3, 4, 5, 6, 7]);
    }

    #[tokio::test]
    async fn never_more_than_limit_in_flight() {
        let server = DemoServer::start();
        let urls = vec![server.url("/slow?ms=10"); 6];
        let start = Instant::now();
        fetch_all(&support::client(), urls, 2).await.unwrap();
        // Six 10 ms requests, two at a time, cannot take less than 30 ms;
        // with no limit they would take about 10 ms.
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[tokio::test]
    async fn the_first_error_is_returned() {
        let server = DemoServer::start();
        let urls = vec![server.url("/bytes?n=1"), server.url("/nowhere")];
        let error = fetch_all(&support::client(), urls, 2).await.unwrap_err();
        assert_eq!(error.status(), Some(reqwest::StatusCode::NOT_FOUND));
    }
}
