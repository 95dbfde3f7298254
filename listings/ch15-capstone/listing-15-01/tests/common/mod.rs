//! What the end-to-end tests share: starting the service in-process on
//! 127.0.0.1:0, and stopping it.
#![allow(dead_code)] // each test file uses a part

use std::time::Duration;

use axum::Router;
use joke_bot::{App, Config, Stopped};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A running service: its address, its state, and how to stop it.
pub struct Running {
    pub addr: std::net::SocketAddr,
    pub base: String,
    pub app: App,
    pub shutdown: CancellationToken,
    pub server: JoinHandle<Stopped>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Cancels the token, waits until `serve` has returned, and checks
    /// that it had nothing to cut off.
    pub async fn stop(self) -> App {
        self.shutdown.cancel();
        assert_eq!(self.server.await.unwrap(), Stopped::default());
        self.app
    }
}

pub async fn start(config: Config) -> Running {
    start_with(config, joke_bot::routes()).await
}

/// Starts the service with `routes` instead of the joke bot's own.
pub async fn start_with(config: Config, routes: Router<App>) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = App::new(config).unwrap();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(joke_bot::serve(
        listener,
        app.clone(),
        routes,
        shutdown.clone(),
    ));
    Running {
        addr,
        base: format!("http://{addr}"),
        app,
        shutdown,
        server,
    }
}

/// A configuration whose upstream is `joke_url`, with short pauses. An
/// attempt may take a second: on a busy machine a shorter one could time
/// out and be retried, which tests that count requests would notice.
pub fn config(joke_url: String) -> Config {
    Config {
        joke_url: Some(joke_url),
        attempt_timeout: Duration::from_secs(1),
        retries: 2,
        backoff: Duration::from_millis(5),
        ..Config::default()
    }
}

pub async fn post_joke(service: &Running, body: Value) -> (StatusCode, Value) {
    let response = support::client()
        .post(service.url("/jokes"))
        .json(&body)
        .send()
        .await
        .unwrap();
    (response.status(), response.json().await.unwrap())
}

pub async fn served(app: &App) -> i64 {
    app.db()
        .call(|conn| {
            conn.query_row("SELECT count(*) FROM served", [], |row| row.get(0))
        })
        .await
        .unwrap()
}

/// Opens a connection and sends `bytes`, typically part of a request.
pub async fn send_raw(addr: std::net::SocketAddr, bytes: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    stream
}

/// Reads until the server closes the connection, for at most `limit`;
/// returns what it sent (a reset counts as closed), or `None` if the
/// connection was still open at the limit.
pub async fn read_until_closed(
    stream: &mut TcpStream,
    limit: Duration,
) -> Option<String> {
    let mut received = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut received)).await {
        Ok(_closed_or_reset) => {
            Some(String::from_utf8_lossy(&received).into_owned())
        }
        Err(_elapsed) => None,
    }
}

/// An upstream joke API whose answers wait until `release` is called. It
/// reports each request it receives on the returned channel.
pub struct HeldUpstream {
    pub url: String,
    pub arrived: tokio::sync::mpsc::UnboundedReceiver<()>,
    release: CancellationToken,
}

impl HeldUpstream {
    pub async fn start() -> HeldUpstream {
        let (arrived_tx, arrived) = tokio::sync::mpsc::unbounded_channel();
        let release = CancellationToken::new();
        let released = release.clone();
        let upstream = axum::Router::new().route(
            "/joke",
            axum::routing::get(move || {
                let (arrived_tx, released) =
                    (arrived_tx.clone(), released.clone());
                async move {
                    let _ = arrived_tx.send(());
                    released.cancelled().await;
                    let joke = serde_json::json!({
                        "id": 1, "setup": "s", "punchline": "p"
                    });
                    axum::Json(joke)
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/joke", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, upstream).await });
        HeldUpstream {
            url,
            arrived,
            release,
        }
    }

    /// Waits until the upstream has received `n` more requests.
    pub async fn wait_for(&mut self, n: usize) {
        for _ in 0..n {
            self.arrived.recv().await.unwrap();
        }
    }

    /// Lets every request, held or future, be answered.
    pub fn release(&self) {
        self.release.cancel();
    }
}
