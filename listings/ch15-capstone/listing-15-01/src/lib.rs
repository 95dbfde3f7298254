//! The joke bot as a small HTTP service.
//!
//! `POST /jokes` with `{"user": "ada", "id": 2}` answers one joke, in the
//! user's language; `GET /jokes/stream?user=ada&count=3` streams several,
//! one JSON object per line. Jokes come from an upstream joke API, user
//! preferences from an embedded SQLite database.

use std::convert::Infallible;
use std::error::Error as _;
use std::fmt::Display;
use std::io;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::pin::pin;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::body::Body;
use axum::error_handling::HandleErrorLayer;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{BoxError, Json, Router};
use futures::StreamExt;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use support::DemoServer;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceBuilder;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::load_shed::LoadShedLayer;
use tower::load_shed::error::Overloaded;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutError};
use tracing::{Instrument, Span, debug, info, info_span, warn};

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
    /// How long one upstream attempt may take.
    pub attempt_timeout: Duration,
    /// How many times a failed upstream attempt is tried again.
    pub retries: u32,
    /// The pause before the first retry; it doubles for each further one.
    pub backoff: Duration,
    /// At most this many upstream requests at a time.
    pub upstream_limit: usize,
    /// How long a request may wait for a free upstream slot before it is
    /// answered 503.
    pub upstream_wait: Duration,
    /// The largest request body accepted, in bytes.
    pub body_limit: usize,
    /// How long a client may take to send a request's headers (and how long
    /// an idle connection stays open).
    pub header_timeout: Duration,
    /// How long the request body may pause between two pieces.
    pub body_timeout: Duration,
    /// How long a request may take from its headers to its answer.
    pub request_timeout: Duration,
    /// At most this many requests in flight; more are answered 503 at once.
    pub max_requests: usize,
    /// At most this many open connections; more are closed at once.
    pub max_connections: usize,
    /// After a signal to stop, how long the requests in flight may take.
    pub grace: Duration,
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
            upstream_wait: Duration::from_millis(100),
            body_limit: 4 * 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(8),
            max_requests: 512,
            max_connections: 4096,
            grace: Duration::from_secs(10),
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

impl ConfigError {
    fn new(
        name: &'static str,
        value: impl Display,
        reason: impl Display,
    ) -> Self {
        let (value, reason) = (value.to_string(), reason.to_string());
        ConfigError {
            name,
            value,
            reason,
        }
    }
}

/// The longest timeout or pause a setting may ask for. Far longer ones are
/// mistakes, and Tokio's and hyper's timers must not overflow.
const MAX_WAIT: Duration = Duration::from_secs(60 * 60);
/// Beyond this many retries a client would wait for nothing.
const MAX_RETRIES: u32 = 10;

impl Config {
    /// Reads `JOKE_BOT_*` settings through `var` (pass a lookup in
    /// `std::env::var`); a missing setting keeps its default. Every value is
    /// checked, so a setting that would make the service useless stops it
    /// at start-up with a message that names the variable.
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let default = Config::default();
        let ms = |name, default: Duration| -> Result<Duration, ConfigError> {
            let default =
                u64::try_from(default.as_millis()).unwrap_or(u64::MAX);
            setting(&var, name, default).map(Duration::from_millis)
        };
        let config = Config {
            addr: setting(&var, "JOKE_BOT_ADDR", default.addr)?,
            database: var("JOKE_BOT_DATABASE").unwrap_or(default.database),
            joke_url: var("JOKE_BOT_UPSTREAM"),
            attempt_timeout: ms(
                "JOKE_BOT_ATTEMPT_TIMEOUT_MS",
                default.attempt_timeout,
            )?,
            retries: setting(&var, "JOKE_BOT_RETRIES", default.retries)?,
            backoff: ms("JOKE_BOT_BACKOFF_MS", default.backoff)?,
            upstream_limit: setting(
                &var,
                "JOKE_BOT_UPSTREAM_LIMIT",
                default.upstream_limit,
            )?,
            upstream_wait: ms(
                "JOKE_BOT_UPSTREAM_WAIT_MS",
                default.upstream_wait,
            )?,
            body_limit: setting(
                &var,
                "JOKE_BOT_BODY_LIMIT",
                default.body_limit,
            )?,
            header_timeout: ms(
                "JOKE_BOT_HEADER_TIMEOUT_MS",
                default.header_timeout,
            )?,
            body_timeout: ms("JOKE_BOT_BODY_TIMEOUT_MS", default.body_timeout)?,
            request_timeout: ms(
                "JOKE_BOT_REQUEST_TIMEOUT_MS",
                default.request_timeout,
            )?,
            max_requests: setting(
                &var,
                "JOKE_BOT_MAX_REQUESTS",
                default.max_requests,
            )?,
            max_connections: setting(
                &var,
                "JOKE_BOT_MAX_CONNECTIONS",
                default.max_connections,
            )?,
            grace: ms("JOKE_BOT_GRACE_MS", default.grace)?,
        };
        config.check()?;
        Ok(config)
    }

    /// Checks every value: no zero timeout or limit, none so large that a
    /// timer overflows or a semaphore panics, an upstream URL that parses.
    /// Errors name the environment variable that sets the value.
    pub fn check(&self) -> Result<(), ConfigError> {
        let ms = |d: Duration| d.as_millis();
        let timeouts = [
            ("JOKE_BOT_ATTEMPT_TIMEOUT_MS", self.attempt_timeout),
            ("JOKE_BOT_UPSTREAM_WAIT_MS", self.upstream_wait),
            ("JOKE_BOT_HEADER_TIMEOUT_MS", self.header_timeout),
            ("JOKE_BOT_BODY_TIMEOUT_MS", self.body_timeout),
            ("JOKE_BOT_REQUEST_TIMEOUT_MS", self.request_timeout),
            ("JOKE_BOT_GRACE_MS", self.grace),
        ];
        for (name, value) in timeouts {
            if value.is_zero() || value > MAX_WAIT {
                let reason = format!("must be from 1 to {}", ms(MAX_WAIT));
                return Err(ConfigError::new(name, ms(value), reason));
            }
        }
        if self.backoff > MAX_WAIT {
            let reason = format!("must be at most {}", ms(MAX_WAIT));
            let value = ms(self.backoff);
            return Err(ConfigError::new("JOKE_BOT_BACKOFF_MS", value, reason));
        }
        if self.retries > MAX_RETRIES {
            let reason = format!("must be at most {MAX_RETRIES}");
            let value = self.retries;
            return Err(ConfigError::new("JOKE_BOT_RETRIES", value, reason));
        }
        let limits = [
            ("JOKE_BOT_UPSTREAM_LIMIT", self.upstream_limit),
            ("JOKE_BOT_MAX_REQUESTS", self.max_requests),
            ("JOKE_BOT_MAX_CONNECTIONS", self.max_connections),
            ("JOKE_BOT_BODY_LIMIT", self.body_limit),
        ];
        for (name, value) in limits {
            // A semaphore panics beyond MAX_PERMITS.
            if !(1..=Semaphore::MAX_PERMITS).contains(&value) {
                let max = Semaphore::MAX_PERMITS;
                let reason = format!("must be from 1 to {max}");
                return Err(ConfigError::new(name, value, reason));
            }
        }
        if let Some(url) = &self.joke_url {
            upstream_url(url)
                .map_err(|e| ConfigError::new("JOKE_BOT_UPSTREAM", url, e))?;
        }
        Ok(())
    }
}

/// Parses the upstream URL, which must be `http` or `https`.
fn upstream_url(url: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(url).map_err(|e| e.to_string())?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("{other}: is not http: or https:")),
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
        Some(value) => value
            .parse()
            .map_err(|e: T::Err| ConfigError::new(name, value, e)),
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
    /// Checks the configuration, opens the database and prepares the
    /// upstream client.
    pub fn new(config: Config) -> anyhow::Result<App> {
        config.check()?;
        let (joke_url, demo) = match &config.joke_url {
            Some(url) => (url.clone(), None),
            None => {
                let demo = DemoServer::start();
                (demo.url("/joke"), Some(demo))
            }
        };
        let joke_url = upstream_url(&joke_url).map_err(anyhow::Error::msg)?;
        let db = Db::open(&config.database).with_context(|| {
            format!("JOKE_BOT_DATABASE={:?}: cannot open it", config.database)
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

/// How long a query waits for a lock that another connection (another
/// process, say) holds on a database file, before it fails as busy.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The SQLite database: one connection, used on Tokio's blocking pool.
#[derive(Clone)]
pub struct Db {
    conn: Arc<tokio::sync::Mutex<Connection>>,
}

impl Db {
    /// Opens (or creates) the database at `path` and seeds three users.
    pub fn open(path: &str) -> rusqlite::Result<Db> {
        let conn = Connection::open(path)?;
        // Wait for another connection's lock instead of failing at once.
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // In a file, WAL lets readers and one writer work at the same time.
        // (An in-memory database keeps its own mode and answers "memory".)
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| {
                row.get(0)
            })?;
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
            conn: Arc::new(tokio::sync::Mutex::new(conn)),
        })
    }

    /// Runs `query` on a blocking-pool thread, so that SQLite's blocking
    /// calls never hold up the async worker threads.
    pub async fn call<T, F>(&self, query: F) -> anyhow::Result<T>
    where
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        // Queries wait for the connection here, as tasks, so that at most
        // one blocking-pool thread at a time is busy with the database.
        let conn = Arc::clone(&self.conn).lock_owned().await;
        let result = tokio::task::spawn_blocking(move || query(&conn))
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
            // A slot that does not come free soon means the upstream is
            // saturated: say so at once rather than queue.
            let slot = timeout(config.upstream_wait, self.upstream_slot())
                .await
                .map_err(|_elapsed| ApiError::UpstreamBusy)??;
            let attempt = timeout(config.attempt_timeout, self.try_fetch(id));
            let error = match attempt.await {
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
            drop(slot); // nobody waits for a slot during our pause
            if retries_left == 0 {
                return Err(error);
            }
            retries_left -= 1;
            warn!(%error, ?pause, "upstream attempt failed; retrying");
            tokio::time::sleep(pause).await;
            pause = pause.saturating_mul(2);
        }
    }

    /// Waits for a free upstream slot; it is given back when dropped.
    async fn upstream_slot(
        &self,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        let slots = &self.inner.upstream_slots;
        let slot = slots.acquire().await.context("the semaphore is closed")?;
        Ok(slot)
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

// ANCHOR: routes
/// The service's routes. Add your own with `.route(…)` before `serve`.
pub fn routes() -> Router<App> {
    Router::new()
        .route("/jokes", post(joke))
        .route("/jokes/stream", get(joke_stream))
}

/// The whole HTTP service: `routes` behind the limits, `/health` beside
/// them, and the timeouts and tracing around both.
fn service(
    app: App,
    routes: Router<App>,
    draining: CancellationToken,
) -> Router {
    let config = &app.inner.config;
    // Requests over `max_requests` are answered 503 at once, not queued.
    let load_shedding = ServiceBuilder::new()
        .layer(HandleErrorLayer::new(async |error: BoxError| {
            if error.is::<Overloaded>() {
                ApiError::Overloaded
            } else {
                ApiError::Internal(anyhow::anyhow!(error))
            }
        }))
        .layer(LoadShedLayer::new())
        .layer(GlobalConcurrencyLimitLayer::new(config.max_requests));
    routes
        .fallback(async || {
            ApiError::rejected(StatusCode::NOT_FOUND, "no such endpoint")
        })
        .method_not_allowed_fallback(async || {
            let message = "method not allowed";
            ApiError::rejected(StatusCode::METHOD_NOT_ALLOWED, message)
        })
        .layer(load_shedding)
        // Outside the limit: a busy service is not an unhealthy one.
        .route("/health", get(move || health(draining.is_cancelled())))
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(RequestBodyTimeoutLayer::new(config.body_timeout))
        .layer(middleware::from_fn_with_state(app.clone(), deadline))
        .layer(middleware::from_fn_with_state(app.clone(), trace))
        .with_state(app)
}

/// `GET /health`: 200 while serving, 503 once shutdown has begun.
async fn health(draining: bool) -> (StatusCode, &'static str) {
    if draining {
        (StatusCode::SERVICE_UNAVAILABLE, "draining")
    } else {
        (StatusCode::OK, "ok")
    }
}

/// Answers 503 if the request takes longer than `request_timeout`.
async fn deadline(
    State(app): State<App>,
    request: Request,
    next: Next,
) -> Response {
    let limit = app.inner.config.request_timeout;
    match timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => ApiError::RequestTimeout(limit).into_response(),
    }
}
// ANCHOR_END: routes

/// How [`serve`] ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Connections still open when the grace period ran out, closed then.
    pub cut_off: usize,
    /// Background writes still running when the grace period ran out.
    pub unfinished_writes: usize,
}

// ANCHOR: serve
/// Serves `routes` on `listener` until `shutdown` is cancelled; then stops
/// accepting, lets the requests in flight and the background writes finish
/// within the grace period, and closes whatever is left.
pub async fn serve(
    listener: TcpListener,
    app: App,
    routes: Router<App>,
    shutdown: CancellationToken,
) -> Stopped {
    let config = app.inner.config.clone();
    let service = service(app.clone(), routes, shutdown.clone());
    let mut http = http1::Builder::new();
    // The header timeout needs a timer; without one hyper has none at all.
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_timeout);
    let connection_slots = Arc::new(Semaphore::new(config.max_connections));
    let connections = TaskTracker::new();
    let cut_off = CancellationToken::new();
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(error).await;
                    continue;
                }
            },
        };
        let Ok(slot) = Arc::clone(&connection_slots).try_acquire_owned() else {
            debug!(%peer, "too many connections: closing a new one");
            continue; // dropping `stream` closes it
        };
        let io = TokioIo::new(stream);
        let service = TowerToHyperService::new(service.clone());
        let connection = http.serve_connection(io, service);
        let (shutdown, cut_off) = (shutdown.clone(), cut_off.clone());
        connections.spawn(async move {
            let _slot = slot; // given back when the connection ends
            let mut connection = pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => Some(ended),
                () = shutdown.cancelled() => None,
            };
            let ended = match ended {
                Some(ended) => ended,
                None => {
                    // Finish the request in progress, then close.
                    connection.as_mut().graceful_shutdown();
                    tokio::select! {
                        ended = connection => ended,
                        () = cut_off.cancelled() => return, // drop: close
                    }
                }
            };
            if let Err(error) = ended {
                debug!(%peer, %error, "connection ended with an error");
            }
        });
    }
    drop(listener); // new connections are refused from now on
    let deadline = Instant::now() + config.grace;
    info!(open = connections.len(), "draining the open connections");
    connections.close();
    let mut stopped = Stopped::default();
    if timeout_at(deadline, connections.wait()).await.is_err() {
        stopped.cut_off = connections.len();
        warn!(
            "grace period of {:?} over: closing {} connections still open",
            config.grace, stopped.cut_off,
        );
        cut_off.cancel();
        connections.wait().await;
    }
    let background = &app.inner.tracker;
    background.close();
    if timeout_at(deadline, background.wait()).await.is_err() {
        stopped.unfinished_writes = background.len();
        warn!(
            "grace period over: {} background writes unfinished",
            stopped.unfinished_writes,
        );
    }
    stopped
}

/// What to do when `accept` fails.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::{
        ConnectionAborted, ConnectionRefused, ConnectionReset,
    };
    // Only that one connection is lost: go on.
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        debug!(%error, "a connection was lost before it was accepted");
        return;
    }
    // Most likely out of file descriptors ("Too many open files"): trying
    // again at once would spin. Pause until some connections have closed.
    warn!(%error, "cannot accept connections; trying again in 100 ms");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
// ANCHOR_END: serve

// ANCHOR: http
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
        let started = std::time::Instant::now();
        debug!("received");
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
    #[error("the joke service is busy; try again shortly")]
    UpstreamBusy,
    #[error("too many requests in flight; try again shortly")]
    Overloaded,
    #[error("the request took longer than {0:?}")]
    RequestTimeout(Duration),
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
            ApiError::UpstreamBusy
            | ApiError::Overloaded
            | ApiError::RequestTimeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": self.to_string() })
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> ApiError {
        // The body timeout shows up as an error while reading the body.
        let mut cause = rejection.source();
        while let Some(error) = cause {
            if error.is::<TimeoutError>() {
                let message = "the request body did not arrive in time";
                return ApiError::rejected(
                    StatusCode::REQUEST_TIMEOUT,
                    message,
                );
            }
            cause = error.source();
        }
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
        let mut response = (self.status(), Json(self.body())).into_response();
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            // Tells well-behaved clients when to try again.
            let after = HeaderValue::from_static("1");
            response.headers_mut().insert(header::RETRY_AFTER, after);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_failed_accept_pauses_unless_only_that_connection_was_lost() {
        let started = Instant::now();
        accept_failed(io::ErrorKind::ConnectionReset.into()).await;
        assert_eq!(started.elapsed(), Duration::ZERO);
        // Out of file descriptors, say: pause rather than spin.
        accept_failed(io::Error::other("Too many open files")).await;
        assert_eq!(started.elapsed(), Duration::from_millis(100));
    }
}

// The book includes this empty part to compile the whole file, hidden,
// together with programs that use the library.
// ANCHOR: none
// ANCHOR_END: none
