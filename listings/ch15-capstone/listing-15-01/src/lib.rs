//! The joke bot as a small HTTP service.
//!
//! `POST /jokes` with `{"user": "ada", "id": 2}` answers one joke, in the
//! user's language; `GET /jokes/stream?user=ada&count=3` streams several,
//! one JSON object per line. Jokes come from an upstream joke API, user
//! preferences from an embedded SQLite database.

use std::convert::Infallible;
use std::fmt::Display;
use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroUsize};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use support::DemoServer;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, Span, info, info_span, warn};

/// Everything the service can be told. `Config::default()` listens on
/// 127.0.0.1:8080 with an in-memory database and the demo joke API.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 lets the operating system pick one.
    pub addr: SocketAddr,
    /// An SQLite database file, or `:memory:` for a private in-memory one.
    pub database: String,
    /// The upstream joke endpoint (the service adds `?id=…`); `None` starts
    /// the book's demo joke API in-process.
    pub joke_url: Option<String>,
    /// How long one upstream attempt may take, waiting for a slot included.
    pub attempt_timeout: Duration,
    /// How many times a failed upstream attempt is tried again.
    pub retries: u32,
    /// The pause before the first retry; it doubles for each further one.
    pub backoff: Duration,
    /// At most this many upstream requests at a time (at least 1).
    pub upstream_limit: usize,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: ":memory:".into(),
            joke_url: None,
            attempt_timeout: Duration::from_secs(1),
            retries: 2,
            backoff: Duration::from_millis(50),
            upstream_limit: 64,
            body_limit: 4 * 1024,
        }
    }
}

/// A setting that is present but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{name}={value:?} is not valid: {reason}")]
pub struct ConfigError {
    name: &'static str,
    value: String,
    reason: String,
}

impl Config {
    /// Reads `JOKE_BOT_*` settings through `var` (pass a lookup in
    /// `std::env::var`); a missing setting keeps its default.
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let default = Config::default();
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Ok(Config {
            addr: setting(&var, "JOKE_BOT_ADDR", default.addr)?,
            database: var("JOKE_BOT_DATABASE").unwrap_or(default.database),
            joke_url: var("JOKE_BOT_UPSTREAM"),
            attempt_timeout: Duration::from_millis(setting(
                &var,
                "JOKE_BOT_ATTEMPT_TIMEOUT_MS",
                ms(default.attempt_timeout),
            )?),
            retries: setting(&var, "JOKE_BOT_RETRIES", default.retries)?,
            backoff: Duration::from_millis(setting(
                &var,
                "JOKE_BOT_BACKOFF_MS",
                ms(default.backoff),
            )?),
            upstream_limit: setting::<NonZeroUsize>(
                &var,
                "JOKE_BOT_UPSTREAM_LIMIT",
                NonZeroUsize::new(default.upstream_limit)
                    .unwrap_or(NonZeroUsize::MIN),
            )?
            .get(),
            body_limit: setting(
                &var,
                "JOKE_BOT_BODY_LIMIT",
                default.body_limit,
            )?,
        })
    }
}

/// Parses the setting `name`, or returns `default` if it is not set.
fn setting<T>(
    var: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: T,
) -> Result<T, ConfigError>
where
    T: FromStr,
    T::Err: Display,
{
    match var(name) {
        None => Ok(default),
        Some(value) => value.parse().map_err(|e: T::Err| ConfigError {
            name,
            reason: e.to_string(),
            value,
        }),
    }
}

/// The service's shared state. Cloning it is cheap: clones share it all.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    joke_url: reqwest::Url,
    client: reqwest::Client,
    db: Db,
    /// One permit per upstream request allowed at a time.
    upstream_slots: Semaphore,
    /// Background work (recording served jokes) that shutdown waits for.
    tracker: TaskTracker,
    next_request_id: AtomicU64,
    /// The stand-in upstream, when no `joke_url` was configured.
    _demo: Option<DemoServer>,
}

impl App {
    /// Opens the database and prepares the upstream client.
    pub fn new(config: Config) -> anyhow::Result<App> {
        anyhow::ensure!(config.upstream_limit > 0, "upstream_limit is 0");
        let (joke_url, demo) = match &config.joke_url {
            Some(url) => (url.clone(), None),
            None => {
                let demo = DemoServer::start();
                (demo.url("/joke"), Some(demo))
            }
        };
        let joke_url = reqwest::Url::parse(&joke_url)
            .with_context(|| format!("invalid joke_url {joke_url:?}"))?;
        let db = Db::open(&config.database).with_context(|| {
            format!("opening database {:?}", config.database)
        })?;
        // The book's traffic stays local: never send it through a proxy.
        let client = reqwest::Client::builder().no_proxy().build()?;
        Ok(App {
            inner: Arc::new(Inner {
                upstream_slots: Semaphore::new(config.upstream_limit),
                config,
                joke_url,
                client,
                db,
                tracker: TaskTracker::new(),
                next_request_id: AtomicU64::new(1),
                _demo: demo,
            }),
        })
    }

    /// The preferences database.
    pub fn db(&self) -> &Db {
        &self.inner.db
    }
}

// ANCHOR: db
impl App {
    /// The user's language, from the database; unknown users are a 404.
    async fn language(&self, user: &str) -> Result<String, ApiError> {
        let name = user.to_owned();
        let language = self
            .db()
            .call(move |conn| {
                conn.query_row(
                    "SELECT language FROM preferences WHERE user = ?1",
                    [name],
                    |row| row.get(0),
                )
                .optional()
            })
            .await?;
        language.ok_or_else(|| ApiError::UnknownUser(user.to_owned()))
    }

    /// Records in the background that `user` was served joke `id`; the
    /// reply does not wait for it, but shutdown does.
    fn record(&self, user: String, id: u32) {
        let db = self.db().clone();
        let write = async move {
            let insert = db.call(move |conn| {
                conn.execute(
                    "INSERT INTO served (user, joke_id) VALUES (?1, ?2)",
                    (user, id),
                )
            });
            if let Err(error) = insert.await {
                warn!(%error, "could not record a served joke");
            }
        };
        self.inner.tracker.spawn(write.in_current_span());
    }
}

/// The SQLite database: one connection, used on Tokio's blocking pool.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (or creates) the database at `path` and seeds three users.
    pub fn open(path: &str) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS preferences (
                 user TEXT PRIMARY KEY,
                 language TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS served (
                 user TEXT NOT NULL,
                 joke_id INTEGER NOT NULL
             );
             INSERT OR IGNORE INTO preferences (user, language)
             VALUES ('ada', 'en'), ('grace', 'en'), ('alan', 'fr');",
        )?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `query` on a blocking-pool thread, so that SQLite's blocking
    /// calls never hold up the async worker threads.
    pub async fn call<T, F>(&self, query: F) -> anyhow::Result<T>
    where
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let result = tokio::task::spawn_blocking(move || {
            // A query that panicked poisons the lock but not the
            // connection (an open transaction rolls back when dropped).
            let conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            query(&conn)
        })
        .await
        .context("a database query panicked")?;
        Ok(result?)
    }
}
// ANCHOR_END: db

/// A joke, as the upstream joke API sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Joke {
    pub id: u32,
    pub setup: String,
    pub punchline: String,
}

// ANCHOR: upstream
impl App {
    /// Fetches joke `id` upstream: at most `upstream_limit` requests at a
    /// time, each attempt under a timeout, failures retried with backoff.
    pub async fn fetch_joke(&self, id: u32) -> Result<Joke, ApiError> {
        let config = &self.inner.config;
        let mut pause = config.backoff;
        let mut retries_left = config.retries;
        loop {
            let attempt = async {
                // Wait for a free slot; it is given back when dropped.
                let _slot = self.inner.upstream_slots.acquire().await.context(
                    "the upstream semaphore is closed (it never should be)",
                )?;
                self.try_fetch(id).await
            };
            let error =
                match tokio::time::timeout(config.attempt_timeout, attempt)
                    .await
                {
                    Ok(Ok(joke)) => return Ok(joke),
                    // Asking again will not make the joke exist.
                    Ok(Err(error @ ApiError::UnknownJoke(_))) => {
                        return Err(error);
                    }
                    Ok(Err(error)) => error,
                    Err(_elapsed) => {
                        ApiError::UpstreamTimeout(config.attempt_timeout)
                    }
                };
            if retries_left == 0 {
                return Err(error);
            }
            retries_left -= 1;
            warn!(%error, ?pause, "upstream attempt failed; retrying");
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
    }

    /// One attempt, with no timeout of its own.
    async fn try_fetch(&self, id: u32) -> Result<Joke, ApiError> {
        let mut url = self.inner.joke_url.clone();
        url.query_pairs_mut().append_pair("id", &id.to_string());
        let response =
            self.inner.client.get(url).send().await.map_err(|error| {
                warn!(%error, "upstream request failed");
                ApiError::Upstream("cannot reach it".into())
            })?;
        match response.status() {
            status if status.is_success() => {
                response.json().await.map_err(|_| {
                    ApiError::Upstream("its answer is not a joke".into())
                })
            }
            StatusCode::NOT_FOUND => Err(ApiError::UnknownJoke(id)),
            status => Err(ApiError::Upstream(format!("it answered {status}"))),
        }
    }
}
// ANCHOR_END: upstream

/// The answer to `POST /jokes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JokeReply {
    pub user: String,
    pub language: String,
    pub joke: Joke,
}

// ANCHOR: http
/// The service's routes. Add your own with `.route(…)` before `serve`.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/jokes", post(joke))
        .route("/jokes/stream", get(joke_stream))
        .route("/health", get(|| async { "ok" }))
}

/// Serves `routes` until `shutdown` is cancelled, then lets the requests
/// in flight and the background writes finish before it returns.
pub async fn serve(
    listener: TcpListener,
    app: App,
    routes: Router<App>,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let tracker = app.inner.tracker.clone();
    let router = routes
        .fallback(|| async {
            ApiError::rejected(StatusCode::NOT_FOUND, "no such endpoint")
        })
        .method_not_allowed_fallback(|| async {
            let message = "method not allowed";
            ApiError::rejected(StatusCode::METHOD_NOT_ALLOWED, message)
        })
        .layer(DefaultBodyLimit::max(app.inner.config.body_limit))
        .layer(middleware::from_fn_with_state(app.clone(), trace))
        .with_state(app);
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await?;
    tracker.close();
    tracker.wait().await;
    Ok(())
}

/// Runs every request inside a span, and logs its status and latency.
async fn trace(
    State(app): State<App>,
    request: Request,
    next: Next,
) -> Response {
    let id = app.inner.next_request_id.fetch_add(1, Ordering::Relaxed);
    let span = info_span!(
        "request",
        id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    async move {
        let started = Instant::now();
        let response = next.run(request).await;
        let status = response.status().as_u16();
        info!(status, latency = ?started.elapsed(), "answered");
        response
    }
    .instrument(span)
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JokeRequest {
    user: String,
    #[serde(default = "first_joke")]
    id: NonZeroU32,
}

fn first_joke() -> NonZeroU32 {
    NonZeroU32::MIN
}

/// `POST /jokes`: the user's language and the joke, looked up at once.
async fn joke(
    State(app): State<App>,
    body: Result<Json<JokeRequest>, JsonRejection>,
) -> Result<Json<JokeReply>, ApiError> {
    let Json(JokeRequest { user, id }) = body?;
    let (language, joke) =
        tokio::try_join!(app.language(&user), app.fetch_joke(id.get()))?;
    app.record(user.clone(), joke.id);
    Ok(Json(JokeReply {
        user,
        language,
        joke,
    }))
}

const MAX_STREAMED: u32 = 10;

#[derive(Deserialize)]
struct StreamParams {
    user: String,
    count: u32,
}

/// `GET /jokes/stream?user=…&count=…`: jokes 1 to `count`, one JSON
/// object per line, each sent as soon as it (and those before it) arrived.
async fn joke_stream(
    State(app): State<App>,
    params: Result<Query<StreamParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(StreamParams { user, count }) = params?;
    if !(1..=MAX_STREAMED).contains(&count) {
        let message = format!("count must be from 1 to {MAX_STREAMED}");
        return Err(ApiError::rejected(StatusCode::BAD_REQUEST, message));
    }
    // Errors found now still get their own status code...
    let language = app.language(&user).await?;
    let span = Span::current();
    let lines = futures::stream::iter(1..=count)
        .map(move |id| {
            let app = app.clone();
            async move { app.fetch_joke(id).await }.instrument(span.clone())
        })
        .buffered(4)
        .map(|joke| {
            // ...but once the 200 is sent, an error can only be a line.
            let line = match joke {
                Ok(joke) => serde_json::to_string(&joke),
                Err(error) => serde_json::to_string(&error.body()),
            };
            Ok::<_, Infallible>(line.unwrap_or_default() + "\n")
        });
    let headers = [
        (header::CONTENT_TYPE, "application/x-ndjson".to_owned()),
        (header::CONTENT_LANGUAGE, language),
    ];
    Ok((headers, Body::from_stream(lines)).into_response())
}

// ANCHOR_END: http

/// Everything that can go wrong with a request, and its status code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request itself is wrong: bad JSON, bad parameters, too large…
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
    #[error("unknown user {0:?}")]
    UnknownUser(String),
    #[error("no joke with id {0}")]
    UnknownJoke(u32),
    #[error("the joke service failed: {0}")]
    Upstream(String),
    #[error("the joke service did not answer within {0:?}")]
    UpstreamTimeout(Duration),
    /// A bug or a broken database; the details go to the log only.
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    fn rejected(status: StatusCode, message: impl Into<String>) -> ApiError {
        let message = message.into();
        ApiError::Rejected { status, message }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Rejected { status, .. } => *status,
            ApiError::UnknownUser(_) | ApiError::UnknownJoke(_) => {
                StatusCode::NOT_FOUND
            }
            ApiError::Upstream(_) => StatusCode::BAD_GATEWAY,
            ApiError::UpstreamTimeout(_) => StatusCode::GATEWAY_TIMEOUT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.to_string() })
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        ApiError::rejected(rejection.status(), rejection.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> ApiError {
        ApiError::rejected(rejection.status(), rejection.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(error) = &self {
            tracing::error!(error = format!("{error:#}"), "internal error");
        }
        (self.status(), Json(self.body())).into_response()
    }
}

// The book includes this empty part to compile the whole file, hidden,
// together with programs that use the library.
// ANCHOR: none
// ANCHOR_END: none
