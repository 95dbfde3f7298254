//! Runs the joke bot until Ctrl-C or SIGTERM. With no settings it listens
//! on 127.0.0.1:8080, keeps its database in memory and starts the demo
//! joke API; `JOKE_BOT_*` environment variables change that.

use std::io::IsTerminal;
use std::time::Duration;

use anyhow::Context;
use joke_bot::{App, Config};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
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
    let runtime = tokio::runtime::Runtime::new()?;
    let result = runtime.block_on(run(config));
    // Dropping a runtime waits for all blocking-pool work, and a database
    // write cannot be interrupted: give it one more second at most.
    runtime.shutdown_timeout(Duration::from_secs(1));
    result
}

async fn run(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let app = App::new(config)?;
    // Take over the signals before anyone can connect.
    let signals = Signals::install().context("cannot handle signals")?;
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signals(signals, shutdown.clone()));
    info!(addr = %listener.local_addr()?, "listening");

    let stopped =
        joke_bot::serve(listener, app, joke_bot::routes(), shutdown).await;
    if stopped == joke_bot::Stopped::default() {
        info!("stopped");
    } else {
        warn!(
            cut_off = stopped.cut_off,
            unfinished_writes = stopped.unfinished_writes,
            "stopped after the grace period",
        );
    }
    Ok(())
}

/// The first signal starts a graceful shutdown; a second one ends the
/// process at once, as Ctrl-C would have without a handler.
async fn stop_on_signals(mut signals: Signals, shutdown: CancellationToken) {
    let first = signals.next().await;
    info!("{first}: shutting down (send it again to stop at once)");
    shutdown.cancel();
    let second = signals.next().await;
    warn!("{second} again: exiting at once");
    std::process::exit(1);
}

/// Ctrl-C (SIGINT) and, on Unix, SIGTERM: what `kill`, systemd and
/// container runtimes send to ask a process to stop. Installed as soon as
/// this is created, so no signal is lost from then on.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(windows)]
    ctrl_c: tokio::signal::windows::CtrlC,
}

impl Signals {
    #[cfg(unix)]
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    #[cfg(windows)]
    fn install() -> std::io::Result<Signals> {
        let ctrl_c = tokio::signal::windows::ctrl_c()?;
        Ok(Signals { ctrl_c })
    }

    /// Waits for the next signal and names it.
    async fn next(&mut self) -> &'static str {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
        #[cfg(windows)]
        {
            self.ctrl_c.recv().await;
            "Ctrl-C"
        }
    }
}
