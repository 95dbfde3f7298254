//! The demo server: every endpoint is deterministic, bounded and local.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// The longest delay any endpoint accepts, so no request can hang a test.
const MAX_DELAY_MS: u64 = 10_000;
/// The most chunks `/stream` sends and the most bytes `/bytes` returns.
const MAX_CHUNKS: u32 = 1_000;
const MAX_BYTES: usize = 1 << 20;

/// A joke, as `/joke` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joke {
    pub id: u32,
    pub setup: String,
    pub punchline: String,
}

/// A user's preferences, as `/users/{name}/preferences` returns them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    pub user: String,
    pub language: String,
    pub max_length: u32,
}

const JOKES: [(&str, &str); 3] = [
    (
        "Why did the future go to therapy?",
        "It had too many unresolved issues.",
    ),
    (
        "How does a task say goodbye?",
        "It doesn't. It just yields.",
    ),
    (
        "Why was the executor so calm?",
        "It never worried about anything it was not woken for.",
    ),
];

const USERS: [(&str, &str, u32); 3] =
    [("ada", "en", 120), ("grace", "en", 80), ("alan", "fr", 200)];

/// A local HTTP server for the book's examples, on `127.0.0.1` and a port
/// the operating system picks.
///
/// | endpoint | answers |
/// | --- | --- |
/// | `GET /joke?id=1&delay_ms=0` | a [`Joke`] as JSON, after `delay_ms` milliseconds |
/// | `GET /users/{name}/preferences` | [`Preferences`] for `ada`, `grace` or `alan`; 404 for anyone else |
/// | `GET /slow?ms=100` | `slept 100 ms`, after that long |
/// | `GET /flaky?key=a&failures=2` | 503 for the first `failures` requests with that `key`, then 200 |
/// | `GET /stream?chunks=3&delay_ms=0` | `chunk 1\n` … `chunk 3\n`, sent one by one |
/// | `GET /bytes?n=10` | `n` bytes of `x` |
///
/// Delays are capped at 10 s, `chunks` at 1,000 and `n` at 1 MiB. A bad
/// parameter, an unknown user or an unknown path gets a 4xx answer with a
/// JSON body `{"error": "…"}`; nothing a client sends makes it panic.
///
/// The server stops when the `DemoServer` is dropped.
pub struct DemoServer {
    addr: SocketAddr,
    /// Never sent on: dropped with the `DemoServer`, it ends the server's
    /// wait for shutdown, and the server stops.
    _shutdown: oneshot::Sender<()>,
}

impl DemoServer {
    /// Starts the server on its own thread and returns once it is listening.
    ///
    /// This is a plain function, not an `async fn`: it works from `main`,
    /// from any runtime, and from a test.
    pub fn start() -> DemoServer {
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("demo-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("demo server runtime");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                        .await
                        .expect("bind 127.0.0.1:0");
                    let addr = listener.local_addr().expect("local address");
                    ready_tx.send(addr).expect("DemoServer::start is waiting");
                    axum::serve(listener, router())
                        .with_graceful_shutdown(async {
                            // Err: the DemoServer, and its sender, dropped.
                            let _ = shutdown_rx.await;
                        })
                        .await
                        .expect("demo server");
                });
            })
            .expect("spawn the demo server thread");
        let addr = ready_rx.recv().expect("demo server failed to start");
        DemoServer {
            addr,
            _shutdown: shutdown_tx,
        }
    }

    /// The address the server listens on, such as `127.0.0.1:41234`.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The full URL of `path` on this server: `url("/joke")` gives
    /// `http://127.0.0.1:41234/joke`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

/// Requests seen so far by `/flaky`, per key.
type FlakyCounts = Arc<Mutex<HashMap<String, u32>>>;

fn router() -> Router {
    Router::new()
        .route("/joke", get(joke))
        .route("/users/{name}/preferences", get(preferences))
        .route("/slow", get(slow))
        .route("/flaky", get(flaky))
        .route("/stream", get(stream))
        .route("/bytes", get(bytes))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such endpoint") })
        .with_state(FlakyCounts::default())
}

/// A 4xx/5xx answer with a JSON body `{"error": message}`.
struct ApiError(StatusCode, String);

fn error(status: StatusCode, message: impl Into<String>) -> ApiError {
    ApiError(status, message.into())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let ApiError(status, message) = self;
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}

/// Reads the query string into `T`, or explains in a 400 what is wrong.
fn params<T: DeserializeOwned>(
    query: Result<Query<T>, QueryRejection>,
) -> Result<T, ApiError> {
    query.map(|Query(params)| params).map_err(|rejection| {
        error(StatusCode::BAD_REQUEST, rejection.body_text())
    })
}

/// Waits `ms` milliseconds, or rejects a delay over the cap.
async fn delay(ms: u64) -> Result<(), ApiError> {
    if ms > MAX_DELAY_MS {
        let message =
            format!("delay of {ms} ms is over the limit of {MAX_DELAY_MS} ms");
        return Err(error(StatusCode::BAD_REQUEST, message));
    }
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(())
}

#[derive(Deserialize)]
struct JokeParams {
    #[serde(default = "first")]
    id: u32,
    #[serde(default)]
    delay_ms: u64,
}

fn first() -> u32 {
    1
}

async fn joke(
    query: Result<Query<JokeParams>, QueryRejection>,
) -> Result<Json<Joke>, ApiError> {
    let JokeParams { id, delay_ms } = params(query)?;
    let Some(&(setup, punchline)) =
        (id as usize).checked_sub(1).and_then(|i| JOKES.get(i))
    else {
        let message =
            format!("no joke with id {id}; ids go from 1 to {}", JOKES.len());
        return Err(error(StatusCode::NOT_FOUND, message));
    };
    delay(delay_ms).await?;
    Ok(Json(Joke {
        id,
        setup: setup.into(),
        punchline: punchline.into(),
    }))
}

async fn preferences(
    Path(name): Path<String>,
) -> Result<Json<Preferences>, ApiError> {
    let Some(&(user, language, max_length)) =
        USERS.iter().find(|(user, ..)| *user == name)
    else {
        return Err(error(
            StatusCode::NOT_FOUND,
            format!("unknown user {name:?}"),
        ));
    };
    Ok(Json(Preferences {
        user: user.into(),
        language: language.into(),
        max_length,
    }))
}

#[derive(Deserialize)]
struct SlowParams {
    ms: u64,
}

async fn slow(
    query: Result<Query<SlowParams>, QueryRejection>,
) -> Result<String, ApiError> {
    let SlowParams { ms } = params(query)?;
    delay(ms).await?;
    Ok(format!("slept {ms} ms"))
}

#[derive(Deserialize)]
struct FlakyParams {
    #[serde(default)]
    key: String,
    failures: u32,
}

async fn flaky(
    State(counts): State<FlakyCounts>,
    query: Result<Query<FlakyParams>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let FlakyParams { key, failures } = params(query)?;
    let attempt = {
        let mut counts = counts.lock().unwrap();
        let seen = counts.entry(key).or_default();
        *seen += 1;
        *seen
    };
    if attempt <= failures {
        let message = format!(
            "attempt {attempt} failed on purpose; {failures} will fail"
        );
        return Err(error(StatusCode::SERVICE_UNAVAILABLE, message));
    }
    Ok(Json(serde_json::json!({ "attempts": attempt })))
}

#[derive(Deserialize)]
struct StreamParams {
    chunks: u32,
    #[serde(default)]
    delay_ms: u64,
}

async fn stream(
    query: Result<Query<StreamParams>, QueryRejection>,
) -> Result<Body, ApiError> {
    let StreamParams { chunks, delay_ms } = params(query)?;
    if chunks > MAX_CHUNKS || delay_ms > MAX_DELAY_MS {
        let message = format!(
            "at most {MAX_CHUNKS} chunks and {MAX_DELAY_MS} ms between them"
        );
        return Err(error(StatusCode::BAD_REQUEST, message));
    }
    // Each item waits, then yields the next line; the body is sent as it goes.
    let lines = futures::stream::unfold(1, move |n| async move {
        if n > chunks {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        Some((Ok::<_, Infallible>(format!("chunk {n}\n")), n + 1))
    });
    Ok(Body::from_stream(lines))
}

#[derive(Deserialize)]
struct BytesParams {
    n: usize,
}

async fn bytes(
    query: Result<Query<BytesParams>, QueryRejection>,
) -> Result<String, ApiError> {
    let BytesParams { n } = params(query)?;
    if n > MAX_BYTES {
        return Err(error(
            StatusCode::BAD_REQUEST,
            format!("n is over the limit of {MAX_BYTES}"),
        ));
    }
    Ok("x".repeat(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(server: &DemoServer, path: &str) -> (StatusCode, String) {
        let response =
            crate::client().get(server.url(path)).send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    #[tokio::test]
    async fn jokes_and_preferences() {
        let server = DemoServer::start();
        let (status, body) = get(&server, "/joke?id=2").await;
        assert_eq!(status, StatusCode::OK);
        let joke: Joke = serde_json::from_str(&body).unwrap();
        assert_eq!(joke.id, 2);
        let (status, body) = get(&server, "/users/ada/preferences").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("\"language\":\"en\""), "{body}");
    }

    #[tokio::test]
    async fn a_joke_without_an_id_is_the_first() {
        let server = DemoServer::start();
        let (status, body) = get(&server, "/joke").await;
        assert_eq!(status, StatusCode::OK);
        let joke: Joke = serde_json::from_str(&body).unwrap();
        assert_eq!((joke.id, joke.setup.as_str()), (1, JOKES[0].0));
    }

    #[tokio::test]
    async fn flaky_fails_the_first_n_times_per_key() {
        let server = DemoServer::start();
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(get(&server, "/flaky?key=a&failures=2").await.0);
        }
        assert_eq!(
            statuses,
            [
                StatusCode::SERVICE_UNAVAILABLE,
                StatusCode::SERVICE_UNAVAILABLE,
                StatusCode::OK
            ]
        );
        // Another key has its own count.
        assert_eq!(
            get(&server, "/flaky?key=b&failures=1").await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
    }

    #[tokio::test]
    async fn stream_and_bytes() {
        let server = DemoServer::start();
        assert_eq!(
            get(&server, "/stream?chunks=2").await.1,
            "chunk 1\nchunk 2\n"
        );
        assert_eq!(get(&server, "/bytes?n=5").await.1, "xxxxx");
        assert_eq!(get(&server, "/slow?ms=1").await.1, "slept 1 ms");
    }

    #[tokio::test]
    async fn bad_requests_get_a_clear_4xx() {
        let server = DemoServer::start();
        for (path, status, needle) in [
            ("/joke?id=99", StatusCode::NOT_FOUND, "no joke with id 99"),
            ("/joke?delay_ms=soon", StatusCode::BAD_REQUEST, "delay_ms"),
            ("/slow?ms=999999", StatusCode::BAD_REQUEST, "over the limit"),
            ("/slow", StatusCode::BAD_REQUEST, "ms"),
            (
                "/users/bob/preferences",
                StatusCode::NOT_FOUND,
                "unknown user \\\"bob\\\"",
            ),
            ("/stream?chunks=100000", StatusCode::BAD_REQUEST, "at most"),
            ("/bytes?n=-1", StatusCode::BAD_REQUEST, "n"),
            ("/nowhere", StatusCode::NOT_FOUND, "no such endpoint"),
        ] {
            let (got, body) = get(&server, path).await;
            assert_eq!(got, status, "{path}: {body}");
            assert!(body.starts_with("{\"error\":"), "{path}: {body}");
            assert!(body.contains(needle), "{path}: {body}");
        }
    }

    /// The status a handler answers with.
    fn status<T>(answer: Result<T, ApiError>) -> StatusCode {
        answer.map_or_else(|ApiError(status, _)| status, |_| StatusCode::OK)
    }

    // The handlers are called directly, on a paused clock: a delay of 10 s
    // passes at once.
    #[tokio::test(start_paused = true)]
    async fn each_limit_is_the_largest_value_accepted() {
        let (ok, bad) = (StatusCode::OK, StatusCode::BAD_REQUEST);
        let slow_for = |ms| slow(Ok(Query(SlowParams { ms })));
        assert_eq!(status(slow_for(MAX_DELAY_MS).await), ok);
        assert_eq!(status(slow_for(MAX_DELAY_MS + 1).await), bad);
        let stream_of = |chunks, delay_ms| {
            stream(Ok(Query(StreamParams { chunks, delay_ms })))
        };
        assert_eq!(status(stream_of(MAX_CHUNKS, 0).await), ok);
        assert_eq!(status(stream_of(MAX_CHUNKS + 1, 0).await), bad);
        assert_eq!(status(stream_of(1, MAX_DELAY_MS).await), ok);
        assert_eq!(status(stream_of(1, MAX_DELAY_MS + 1).await), bad);
        let bytes_of = |n| bytes(Ok(Query(BytesParams { n })));
        assert_eq!(
            bytes_of(MAX_BYTES).await.map(|x| x.len()).ok(),
            Some(MAX_BYTES)
        );
        assert_eq!(status(bytes_of(MAX_BYTES + 1).await), bad);
    }

    #[test]
    fn dropping_the_server_stops_it() {
        let server = DemoServer::start();
        let addr = server.addr();
        drop(server);
        // The server thread closes its listener soon after; then a
        // connection is refused.
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(addr).is_ok() {
            assert!(start.elapsed() < Duration::from_secs(10), "still open");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
