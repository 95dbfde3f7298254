//! Runs the joke bot until Ctrl-C (or SIGTERM). With no settings it
//! listens on 127.0.0.1:8080, keeps its database in memory and starts
//! the demo joke API; `JOKE_BOT_*` environment variables change that.

use std::io::IsTerminal;

use anyhow::Context;
use joke_bot::{App, Config};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::info;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Log to stderr, in colour only on a terminal; RUST_LOG=debug (for
    // example) shows more.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let config = Config::from_env(|name| std::env::var(name).ok())?;
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let app = App::new(config)?;
    info!(addr = %listener.local_addr()?, "listening");

    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    joke_bot::serve(listener, app, joke_bot::routes(), shutdown).await?;
    info!("stopped");
    Ok(())
}

/// Cancels `shutdown` on Ctrl-C, or on SIGTERM (what `kill` and container
/// runtimes send) on Unix.
async fn cancel_on_signal(shutdown: CancellationToken) {
    let ctrl_c = async {
        // If the handler cannot be installed, rely on the other signal.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    info!("shutting down: finishing the requests in flight");
    shutdown.cancel();
}
