use reqwest::Client;
use support::DemoServer;

/// Downloads one URL and returns the length of its body in bytes.
async fn size_of(client: &Client, url: &str) -> reqwest::Result<usize> {
    let response = client.get(url).send().await?.error_for_status()?;
    Ok(response.bytes().await?.len())
}

/// Downloads three URLs at the same time and adds up their sizes.
async fn total_size(
    client: &Client,
    urls: [&str; 3],
) -> reqwest::Result<usize> {
    let [a, b, c] = urls;
    let (a, b, c) = tokio::try_join!(
        size_of(client, a),
        size_of(client, b),
        size_of(client, c)
    )?;
    Ok(a + b + c)
}

#[tokio::main]
async fn main() -> reqwest::Result<()> {
    let server = DemoServer::start();
    let urls =
        ["/bytes?n=100", "/bytes?n=2000", "/bytes?n=30"].map(|p| server.url(p));
    let total =
        total_size(&support::client(), urls.each_ref().map(String::as_str))
            .await?;
    println!("{total} bytes in all");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[tokio::test]
    async fn adds_up_the_three_sizes() {
        let server = DemoServer::start();
        let [a, b, c] = ["/bytes?n=1", "/bytes?n=20", "/bytes?n=300"]
            .map(|p| server.url(p));
        let total = total_size(&support::client(), [&a, &b, &c]).await;
        assert_eq!(total.unwrap(), 321);
    }

    #[tokio::test]
    async fn the_downloads_overlap() {
        let server = DemoServer::start();
        let client = support::client();
        let url = server.url("/slow?ms=50");
        // Warm up one connection, so the timing is only the three requests.
        size_of(&client, &url).await.unwrap();
        let start = Instant::now();
        total_size(&client, [&url, &url, &url]).await.unwrap();
        // In turn, three 50 ms requests take at least 150 ms.
        assert!(start.elapsed() < Duration::from_millis(150));
    }

    #[tokio::test]
    async fn a_failed_download_is_an_error() {
        let server = DemoServer::start();
        let ok = server.url("/bytes?n=5");
        let bad = server.url("/bytes?n=-1");
        let result = total_size(&support::client(), [&ok, &bad, &ok]).await;
        let status = result.unwrap_err().status();
        assert_eq!(status, Some(reqwest::StatusCode::BAD_REQUEST));
    }
}
