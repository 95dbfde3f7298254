//! Graceful shutdown with a time limit: once `shutdown` is cancelled, the
//! requests in flight get `grace` to finish, and then the server stops
//! anyway.

use std::io;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

#[derive(Debug, PartialEq, Eq)]
pub enum Stopped {
    /// Every request in flight finished within the grace period.
    Drained,
    /// The grace period ran out first.
    Forced,
}

pub async fn serve_with_grace(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    grace: Duration,
) -> io::Result<Stopped> {
    let signal = shutdown.clone().cancelled_owned();
    let serve = axum::serve(listener, router).with_graceful_shutdown(signal);
    let mut server = tokio::spawn(async move { serve.await });
    shutdown.cancelled().await;
    match tokio::time::timeout(grace, &mut server).await {
        Ok(finished) => {
            finished.map_err(io::Error::other)??;
            Ok(Stopped::Drained)
        }
        Err(_elapsed) => {
            // Stops accepting and waiting. Connections still open are
            // dropped when the runtime shuts down, as `main` returns.
            server.abort();
            Ok(Stopped::Forced)
        }
    }
}

/// A router whose one handler reports each request, then takes `delay`.
fn slow_router(delay: Duration, arrived: mpsc::UnboundedSender<()>) -> Router {
    let handler = move || {
        let arrived = arrived.clone();
        async move {
            let _ = arrived.send(());
            tokio::time::sleep(delay).await;
            "done"
        }
    };
    Router::new().route("/", get(handler))
}

/// What the client of `stop_during_a_request` gets, once it gets it.
type Answer = JoinHandle<reqwest::Result<String>>;

/// Starts a server whose handler takes `delay`, sends it one request,
/// cancels once the request is in flight, and returns how it stopped, and
/// the client's answer.
async fn stop_during_a_request(
    delay: Duration,
    grace: Duration,
) -> (Stopped, Answer) {
    let (arrived_tx, mut arrived) = mpsc::unbounded_channel();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let router = slow_router(delay, arrived_tx);
    let server = tokio::spawn(serve_with_grace(
        listener,
        router,
        shutdown.clone(),
        grace,
    ));
    let answer = tokio::spawn(async move {
        support::client().get(url).send().await?.text().await
    });
    arrived.recv().await.unwrap();
    shutdown.cancel();
    (server.await.unwrap().unwrap(), answer)
}

#[tokio::main]
async fn main() {
    // Generous for the quick request, so that a busy machine does not
    // turn its 20 ms into more than the grace period.
    let quick = stop_during_a_request(
        Duration::from_millis(20),
        Duration::from_secs(5),
    );
    println!("a 20 ms request, 5 s of grace: {:?}", quick.await.0);
    let stuck = stop_during_a_request(
        Duration::from_secs(60),
        Duration::from_millis(100),
    );
    println!("a 60 s request, 100 ms of grace: {:?}", stuck.await.0);
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[tokio::test]
    async fn a_quick_request_is_drained() {
        let grace = Duration::from_secs(5);
        let stopped = stop_during_a_request(Duration::from_millis(20), grace);
        let (stopped, answer) = stopped.await;
        assert_eq!(stopped, Stopped::Drained);
        // The client got its whole answer.
        assert_eq!(answer.await.unwrap().unwrap(), "done");
    }

    #[tokio::test]
    async fn a_stuck_request_is_cut_off_after_the_grace_period() {
        let started = Instant::now();
        let grace = Duration::from_millis(100);
        let stopped = stop_during_a_request(Duration::from_secs(60), grace);
        let (stopped, answer) = stopped.await;
        assert_eq!(stopped, Stopped::Forced);
        let elapsed = started.elapsed();
        assert!(elapsed >= grace && elapsed < Duration::from_secs(5));
        // The connection task axum spawned is still running: the client
        // has neither an answer nor an error. It is closed only when the
        // runtime shuts down, at the end of this test.
        assert!(!answer.is_finished());
    }
}
