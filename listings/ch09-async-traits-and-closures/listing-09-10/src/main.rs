use std::pin::Pin;
use std::time::Duration;

use support::{DemoServer, Joke};

// ANCHOR: builder
/// A client for the joke API.
struct Jokes {
    client: reqwest::Client,
    base_url: String,
}

impl Jokes {
    /// Starts a request; set options on it, then `.await` it.
    fn joke(&self) -> JokeRequest<'_> {
        JokeRequest {
            jokes: self,
            id: 1,
            delay_ms: 0,
            timeout: None,
        }
    }
}

/// A request being built. Nothing is sent until it is awaited.
#[must_use = "a request does nothing until you `.await` it"]
struct JokeRequest<'a> {
    jokes: &'a Jokes,
    id: u32,
    delay_ms: u64,
    timeout: Option<Duration>,
}

impl JokeRequest<'_> {
    fn id(mut self, id: u32) -> Self {
        self.id = id;
        self
    }

    /// Asks the demo server to take this long to answer.
    fn delay_ms(mut self, delay_ms: u64) -> Self {
        self.delay_ms = delay_ms;
        self
    }

    fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}
// ANCHOR_END: builder

// ANCHOR: into_future
impl<'a> IntoFuture for JokeRequest<'a> {
    type Output = reqwest::Result<Joke>;
    // An `async` block's type has no name, so it is boxed to get one.
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let url = format!(
                "{}/joke?id={}&delay_ms={}",
                self.jokes.base_url, self.id, self.delay_ms
            );
            let mut request = self.jokes.client.get(url);
            if let Some(timeout) = self.timeout {
                request = request.timeout(timeout);
            }
            request.send().await?.error_for_status()?.json().await
        })
    }
}
// ANCHOR_END: into_future

#[tokio::main]
async fn main() -> reqwest::Result<()> {
    let server = DemoServer::start();
    let jokes = Jokes {
        client: support::client(),
        base_url: server.url(""),
    };
    // ANCHOR: use
    let first = jokes.joke().await?;
    let third = jokes.joke().id(3).timeout(Duration::from_secs(1)).await?;
    let late = jokes
        .joke()
        .delay_ms(200)
        .timeout(Duration::from_millis(20))
        .await;
    // ANCHOR_END: use
    println!("{}", first.setup);
    println!("{}", third.setup);
    println!("timed out: {}", late.is_err_and(|error| error.is_timeout()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncBufReadExt, BufReader};
    use tokio::time::timeout;

    use super::*;

    fn jokes(server: &DemoServer) -> Jokes {
        Jokes {
            client: support::client(),
            base_url: server.url(""),
        }
    }

    #[tokio::test]
    async fn awaiting_the_builder_sends_the_request() {
        let server = DemoServer::start();
        let jokes = jokes(&server);
        assert_eq!(jokes.joke().await.unwrap().id, 1);
        assert_eq!(jokes.joke().id(2).await.unwrap().id, 2);
    }

    #[tokio::test]
    async fn the_timeout_option_is_applied() {
        let server = DemoServer::start();
        let late = jokes(&server)
            .joke()
            .delay_ms(200)
            .timeout(Duration::from_millis(20))
            .await;
        assert!(late.unwrap_err().is_timeout());
    }

    #[tokio::test]
    async fn an_unknown_id_is_an_error() {
        let server = DemoServer::start();
        let error = jokes(&server).joke().id(9).await.unwrap_err();
        assert_eq!(error.status(), Some(reqwest::StatusCode::NOT_FOUND));
    }

    #[tokio::test]
    async fn nothing_is_sent_until_the_builder_is_awaited() {
        // A bare listener, so the test sees every connection attempt.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await;
        let listener = listener.unwrap();
        let jokes = Jokes {
            client: support::client(),
            base_url: format!("http://{}", listener.local_addr().unwrap()),
        };
        let request = jokes.joke().id(2).delay_ms(5);
        // Built but not awaited: no connection comes. (A builder that sent
        // on its own would connect well within the half second.)
        let early = timeout(Duration::from_millis(500), listener.accept());
        let early = early.await;
        assert!(early.is_err(), "a connection came before the await");
        // Awaited: the request arrives, with its options.
        let first_line = async {
            let (socket, _) = listener.accept().await.unwrap();
            let mut line = String::new();
            BufReader::new(socket).read_line(&mut line).await.unwrap();
            line
        };
        let line = tokio::select! {
            line = first_line => line,
            _ = request => unreachable!("nobody answers it"),
        };
        assert_eq!(line, "GET /joke?id=2&delay_ms=5 HTTP/1.1\r\n");
    }
}
