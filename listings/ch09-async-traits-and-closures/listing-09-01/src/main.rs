use std::time::Duration;

use support::{DemoServer, Joke};

// ANCHOR: trait
/// Anything that can tell joke number `id`.
trait JokeSource {
    async fn joke(&self, id: u32) -> anyhow::Result<String>;
}

/// Jokes kept in memory, with a short pause to stand in for a lookup.
struct Canned;

impl JokeSource for Canned {
    async fn joke(&self, id: u32) -> anyhow::Result<String> {
        tokio::time::sleep(Duration::from_millis(5)).await;
        match id {
            1 => Ok("Why do futures never get lost? They always await.".into()),
            _ => anyhow::bail!("no canned joke with id {id}"),
        }
    }
}

/// Jokes from the joke API, over HTTP.
struct Http {
    client: reqwest::Client,
    base_url: String,
}

impl JokeSource for Http {
    async fn joke(&self, id: u32) -> anyhow::Result<String> {
        let url = format!("{}/joke?id={id}", self.base_url);
        let response = self.client.get(url).send().await?;
        let status = response.status();
        anyhow::ensure!(status.is_success(), "the joke API answered {status}");
        let joke: Joke = response.json().await?;
        Ok(format!("{} {}", joke.setup, joke.punchline))
    }
}

/// Generic over the source: one copy of this function per source type.
async fn tell<S: JokeSource>(source: &S, id: u32) -> String {
    match source.joke(id).await {
        Ok(joke) => joke,
        Err(error) => format!("(no joke: {error})"),
    }
}
// ANCHOR_END: trait

// ANCHOR: desugared
/// The same trait, spelled out: a plain method returning a future.
trait JokeSourceSpelledOut {
    fn joke(&self, id: u32) -> impl Future<Output = anyhow::Result<String>>;
}

/// The spelled-out trait, implemented with `async fn`.
impl JokeSourceSpelledOut for Canned {
    async fn joke(&self, id: u32) -> anyhow::Result<String> {
        JokeSource::joke(self, id).await
    }
}

/// Makes a joke up from its number, without waiting for anything.
struct Numbered;

/// The `async fn` trait of Listing 9-1, implemented with the long form.
impl JokeSource for Numbered {
    // Clippy would suggest `async fn` here; this spelling is the point.
    #[allow(clippy::manual_async_fn)]
    fn joke(&self, id: u32) -> impl Future<Output = anyhow::Result<String>> {
        // The `async move` block is the body `async fn` would have had.
        async move { Ok(format!("Joke {id} is still being written.")) }
    }
}
// ANCHOR_END: desugared

#[tokio::main]
async fn main() {
    let server = DemoServer::start();
    let http = Http {
        client: support::client(),
        base_url: server.url(""),
    };
    println!("canned: {}", tell(&Canned, 1).await);
    println!("canned: {}", tell(&Canned, 2).await);
    println!("numbered: {}", tell(&Numbered, 7).await);
    let spelled_out = JokeSourceSpelledOut::joke(&Canned, 1).await;
    println!("spelled out: {}", spelled_out.unwrap());
    println!("http:   {}", tell(&http, 2).await);
    println!("http:   {}", tell(&http, 9).await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn async_fn_in_a_trait_works_without_the_async_trait_crate() {
        // This package does not depend on `async-trait` (see Cargo.toml).
        let start = tokio::time::Instant::now();
        assert!(tell(&Canned, 1).await.starts_with("Why do futures"));
        assert_eq!(start.elapsed(), Duration::from_millis(5));
    }

    #[tokio::test(start_paused = true)]
    async fn each_spelling_implements_a_trait_declared_with_the_other() {
        // `JokeSource` says `async fn`; `Numbered` writes `-> impl Future`.
        let numbered = tell(&Numbered, 7).await;
        assert_eq!(numbered, "Joke 7 is still being written.");
        // `JokeSourceSpelledOut` says `-> impl Future`; `Canned` writes
        // `async fn`.
        let spelled_out = JokeSourceSpelledOut::joke(&Canned, 1).await;
        assert_eq!(spelled_out.unwrap(), tell(&Canned, 1).await);
    }

    #[tokio::test]
    async fn the_http_source_reports_an_unknown_joke_as_an_error() {
        let server = DemoServer::start();
        let http = Http {
            client: support::client(),
            base_url: server.url(""),
        };
        assert!(tell(&http, 1).await.starts_with("Why did the future"));
        let error = http.joke(9).await.unwrap_err().to_string();
        assert!(error.contains("404"), "{error}");
    }
}
