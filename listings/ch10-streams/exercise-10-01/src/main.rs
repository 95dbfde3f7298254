//! Exercise 10-1: every joke the server has, as a stream.

use async_stream::try_stream;
use futures::{Stream, TryStreamExt};
use reqwest::{Client, StatusCode};
use support::{DemoServer, Joke};

/// Fetches joke 1, 2, 3, … until the server answers 404; any other error
/// ends the stream with that error.
fn all_jokes(
    client: &Client,
    server: &DemoServer,
) -> impl Stream<Item = reqwest::Result<Joke>> {
    try_stream! {
        for id in 1.. {
            let url = server.url(&format!("/joke?id={id}"));
            let response = client.get(url).send().await?;
            if response.status() == StatusCode::NOT_FOUND {
                break;
            }
            let joke: Joke = response.error_for_status()?.json().await?;
            yield joke;
        }
    }
}

#[tokio::main]
async fn main() -> reqwest::Result<()> {
    let server = DemoServer::start();
    let client = support::client();
    let jokes: Vec<Joke> = all_jokes(&client, &server).try_collect().await?;
    for joke in jokes {
        println!("{}: {}", joke.id, joke.setup);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use std::pin::pin;

    #[tokio::test]
    async fn yields_every_joke_then_ends() {
        let server = DemoServer::start();
        let client = support::client();
        let ids: Vec<u32> = all_jokes(&client, &server)
            .map_ok(|joke| joke.id)
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids, [1, 2, 3]);
    }

    #[tokio::test]
    async fn can_be_read_one_joke_at_a_time() {
        let server = DemoServer::start();
        let client = support::client();
        let mut jokes = pin!(all_jokes(&client, &server));
        let first = jokes.next().await.unwrap().unwrap();
        assert_eq!(first.id, 1);
        assert_eq!(jokes.next().await.unwrap().unwrap().id, 2);
    }
}
