//! What the end-to-end tests share: starting the service in-process on
//! 127.0.0.1:0, and stopping it.
#![allow(dead_code)] // each test file uses a part

use std::time::Duration;

use joke_bot::{App, Config, Stopped};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;
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
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = App::new(config).unwrap();
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(joke_bot::serve(
        listener,
        app.clone(),
        joke_bot::routes(),
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

/// A configuration whose upstream is `joke_url`, with short timeouts.
pub fn config(joke_url: String) -> Config {
    Config {
        joke_url: Some(joke_url),
        attempt_timeout: Duration::from_millis(200),
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
