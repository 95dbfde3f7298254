use std::sync::Arc;

use reqwest::Client;
use support::DemoServer;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinSet;

/// Downloads one URL and returns the length of its body in bytes.
async fn size_of(client: &Client, url: &str) -> reqwest::Result<usize> {
    let response = client.get(url).send().await?.error_for_status()?;
    Ok(response.bytes().await?.len())
}

/// One worker: takes URLs from the shared queue until it is closed and
/// empty, and sends each size to the collector.
async fn worker(
    queue: Arc<Mutex<mpsc::Receiver<String>>>,
    sizes: mpsc::Sender<reqwest::Result<usize>>,
    client: Client,
) {
    loop {
        // The tokio guard is held across `recv().await` on purpose: one
        // worker at a time waits for the next URL. It is dropped at the
        // end of the statement, before the download starts.
        let next = queue.lock().await.recv().await;
        let Some(url) = next else { break };
        if sizes.send(size_of(&client, &url).await).await.is_err() {
            break; // the collector is gone
        }
    }
}

/// Downloads `urls` with `workers` workers; returns the total size.
async fn total_size(
    urls: Vec<String>,
    workers: usize,
) -> reqwest::Result<usize> {
    let (url_sender, url_receiver) = mpsc::channel(workers);
    let (size_sender, mut size_receiver) = mpsc::channel(workers);
    let queue = Arc::new(Mutex::new(url_receiver));
    let client = support::client();
    let mut tasks = JoinSet::new();
    for _ in 0..workers {
        let worker = worker(queue.clone(), size_sender.clone(), client.clone());
        tasks.spawn(worker);
    }
    drop(size_sender); // only the workers hold senders now
    tasks.spawn(async move {
        for url in urls {
            url_sender.send(url).await.expect("the workers are running");
        }
    }); // url_sender is dropped here: the queue closes once drained

    let mut total = 0;
    // Ends when every worker has finished and dropped its sender.
    while let Some(size) = size_receiver.recv().await {
        total += size?;
    }
    Ok(total)
}

#[tokio::main]
async fn main() -> reqwest::Result<()> {
    let server = DemoServer::start();
    let urls = (1..=20).map(|n| server.url(&format!("/bytes?n={n}")));
    let total = total_size(urls.collect(), 4).await?;
    println!("total: {total} bytes");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn adds_up_every_download_and_then_stops() {
        let server = DemoServer::start();
        let urls = (1..=20).map(|n| server.url(&format!("/bytes?n={n}")));
        let total = total_size(urls.collect(), 3).await.unwrap();
        assert_eq!(total, (1..=20).sum::<usize>());
    }

    #[tokio::test]
    async fn a_failed_download_is_reported() {
        let server = DemoServer::start();
        let urls = vec![server.url("/bytes?n=3"), server.url("/nowhere")];
        let error = total_size(urls, 2).await.unwrap_err();
        assert_eq!(error.status(), Some(reqwest::StatusCode::NOT_FOUND));
    }
}
