use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use reqwest::Client;
use serde::Deserialize;
use support::DemoServer;

// ANCHOR: get
/// A GET whose answer is plain text.
async fn slow_text(client: &Client, base: &str) -> reqwest::Result<String> {
    let response = client.get(format!("{base}/slow?ms=5")).send().await?;
    response.error_for_status()?.text().await
}

/// Only the fields this program needs; serde ignores the others.
#[derive(Debug, Deserialize)]
struct Joke {
    id: u32,
    setup: String,
}

/// A GET whose answer is JSON, decoded into a `Joke` by serde.
async fn joke(client: &Client, base: &str, id: u32) -> anyhow::Result<Joke> {
    let response = client.get(format!("{base}/joke?id={id}")).send().await?;
    let body = response.error_for_status()?.text().await?;
    Ok(serde_json::from_str(&body)?)
}
// ANCHOR_END: get

// ANCHOR: many
/// Fetches jokes 1 to `n`, at most two requests at a time, in order.
async fn jokes(
    client: &Client,
    base: &str,
    n: u32,
) -> anyhow::Result<Vec<Joke>> {
    futures::stream::iter(1..=n)
        .map(|id| joke(client, base, id)) // a stream of futures...
        .buffered(2) // ...run two at a time, results in order
        .try_collect() // stops at the first error
        .await
}
// ANCHOR_END: many

// ANCHOR: stream
/// Reads a body piece by piece as it arrives, without holding all of it.
async fn stream_lines(
    client: &Client,
    base: &str,
) -> reqwest::Result<Vec<String>> {
    let url = format!("{base}/stream?chunks=3&delay_ms=20");
    let response = client.get(url).send().await?.error_for_status()?;
    let mut body = response.bytes_stream();
    let mut pieces = Vec::new();
    while let Some(piece) = body.next().await {
        pieces.push(String::from_utf8_lossy(&piece?).into_owned());
    }
    Ok(pieces)
}
// ANCHOR_END: stream

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = DemoServer::start();
    let base = server.url("");
    // One client for the whole program; cloning it is cheap.
    let client = Client::builder()
        .no_proxy() // the book's requests stay on this machine
        .timeout(Duration::from_secs(10))
        .build()?;

    println!("{}", slow_text(&client, &base).await?);
    for joke in jokes(&client, &base, 3).await? {
        println!("joke {}: {}", joke.id, joke.setup);
    }
    println!("{:?}", stream_lines(&client, &base).await?.concat());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jokes_come_back_in_order() {
        let server = DemoServer::start();
        let jokes =
            jokes(&support::client(), &server.url(""), 3).await.unwrap();
        let ids: Vec<u32> = jokes.iter().map(|joke| joke.id).collect();
        assert_eq!(ids, [1, 2, 3]);
    }

    #[tokio::test]
    async fn one_missing_joke_fails_the_batch_with_its_status() {
        let server = DemoServer::start();
        // There are three jokes; the fourth answers 404.
        let error = jokes(&support::client(), &server.url(""), 4)
            .await
            .unwrap_err();
        let error = error.downcast_ref::<reqwest::Error>().unwrap();
        assert_eq!(error.status(), Some(reqwest::StatusCode::NOT_FOUND));
    }

    #[tokio::test]
    async fn a_streamed_body_arrives_in_pieces() {
        let server = DemoServer::start();
        let pieces = stream_lines(&support::client(), &server.url(""))
            .await
            .unwrap();
        // The server waits 20 ms before each line, so the first piece
        // comes alone, long before the rest has been sent.
        assert_eq!(pieces[0], "chunk 1\n");
        assert_eq!(pieces.concat(), "chunk 1\nchunk 2\nchunk 3\n");
    }
}
