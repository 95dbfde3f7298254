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
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    #[tokio::test]
    async fn returns_every_size_in_order() {
        let server = DemoServer::start();
        let urls = (1..=7).map(|n| server.url(&format!("/bytes?n={n}")));
        let sizes = fetch_all(&support::client(), urls.collect(), 2).await;
        assert_eq!(sizes.unwrap(), [1, 2, 3, 4, 5, 6, 7]);
    }

    /// A loopback server that answers each request after 20 ms and keeps
    /// the most requests it was ever handling at once.
    async fn counting_server() -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let now = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let high_water = Arc::clone(&most);
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                let (now, most) = (now.clone(), most.clone());
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    while !request.ends_with(b"\r\n\r\n") {
                        let mut byte = [0];
                        if socket.read(&mut byte).await.unwrap() == 0 {
                            return;
                        }
                        request.push(byte[0]);
                    }
                    let handling = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(handling, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    // Count the request as done before the client can
                    // see the answer and start the next one.
                    now.fetch_sub(1, Ordering::SeqCst);
                    let answer = "HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\
                                  connection: close\r\n\r\nx";
                    socket.write_all(answer.as_bytes()).await.unwrap();
                });
            }
        });
        (url, high_water)
    }

    #[tokio::test]
    async fn never_more_than_limit_in_flight() {
        let (url, most_at_once) = counting_server().await;
        let sizes = fetch_all(&support::client(), vec![url; 6], 2).await;
        assert_eq!(sizes.unwrap(), [1; 6]);
        // A fact, not a timing: the server never had three at once.
        let most_at_once = most_at_once.load(Ordering::SeqCst);
        assert!((1..=2).contains(&most_at_once), "{most_at_once} at once");
    }

    #[tokio::test]
    async fn the_first_error_is_returned() {
        let server = DemoServer::start();
        let urls = vec![server.url("/bytes?n=1"), server.url("/nowhere")];
        let error = fetch_all(&support::client(), urls, 2).await.unwrap_err();
        assert_eq!(error.status(), Some(reqwest::StatusCode::NOT_FOUND));
    }
}
