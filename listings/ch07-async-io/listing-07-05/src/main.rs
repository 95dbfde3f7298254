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
/// Reads a body piece by piece, and hands each piece to `handle` as soon as
/// it arrives, without ever holding the whole body.
async fn for_each_piece(
    client: &Client,
    url: &str,
    mut handle: impl FnMut(&str),
) -> reqwest::Result<()> {
    let response = client.get(url).send().await?.error_for_status()?;
    let mut body = response.bytes_stream();
    while let Some(piece) = body.next().await {
        handle(&String::from_utf8_lossy(&piece?));
    }
    Ok(())
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
    let mut body = String::new();
    let url = format!("{base}/stream?chunks=3&delay_ms=20");
    for_each_piece(&client, &url, |piece| body.push_str(piece)).await?;
    println!("{body:?}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio::sync::oneshot;
    use tokio::time::timeout;

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

    /// A one-request HTTP server that sends the first line of its body,
    /// then holds the rest back until `go` fires.
    async fn held_back_server(go: oneshot::Receiver<()>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let (mut request, mut buffer) = (Vec::new(), [0; 1024]);
            while !request.ends_with(b"\r\n\r\n") {
                let n = socket.read(&mut buffer).await.unwrap();
                assert!(n > 0, "the client hung up mid-request");
                request.extend_from_slice(&buffer[..n]);
            }
            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
            socket.write_all(head.as_bytes()).await.unwrap();
            socket.write_all(b"6\r\nfirst\n\r\n").await.unwrap();
            let _ = go.await; // nothing more until the client has "first"
            socket
                .write_all(b"7\r\nsecond\n\r\n0\r\n\r\n")
                .await
                .unwrap();
        });
        url
    }

    #[tokio::test]
    async fn a_streamed_body_is_handed_over_before_it_has_all_arrived() {
        let (go, held_back) = oneshot::channel();
        let (url, client) =
            (held_back_server(held_back).await, support::client());
        let mut go = Some(go);
        let mut body = String::new();
        let read = for_each_piece(&client, &url, |piece| {
            body.push_str(piece);
            if body == "first\n" {
                // In hand while the server still holds "second" back.
                go.take().unwrap().send(()).unwrap();
            }
        });
        // A client that waited for the whole body would wait for ever.
        timeout(Duration::from_secs(10), read)
            .await
            .expect("the first line was not handed over on its own")
            .unwrap();
        assert_eq!(body, "first\nsecond\n");
    }

    #[tokio::test]
    async fn the_demo_stream_arrives_whole() {
        let server = DemoServer::start();
        let url = server.url("/stream?chunks=3&delay_ms=1");
        let mut body = String::new();
        for_each_piece(&support::client(), &url, |piece| body.push_str(piece))
            .await
            .unwrap();
        assert_eq!(body, "chunk 1\nchunk 2\nchunk 3\n");
    }
}
