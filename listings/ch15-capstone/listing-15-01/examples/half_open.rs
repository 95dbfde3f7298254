//! A hostile client, for trying the joke bot by hand: it opens `COUNT`
//! connections that each send half of a request's headers and then wait,
//! and meanwhile asks `GET /health` on a fresh connection every 250 ms. It
//! reports how fast `/health` answered, and when the server had closed the
//! half-open connections. It stops by itself after `SECONDS`.
//!
//! ```console
//! $ cargo run --release -p listing-15-01 &
//! $ cargo run --release -p listing-15-01 --example half_open -- 127.0.0.1:8080 1000 60
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout};

const HALF_HEADERS: &[u8] = b"GET /health HTTP/1.1\r\nHost: joke-bot\r\n";
const HEALTH: &[u8] =
    b"GET /health HTTP/1.1\r\nHost: joke-bot\r\nConnection: close\r\n\r\n";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:8080".into());
    let count: usize = args.next().map_or(Ok(1000), |n| n.parse())?;
    let seconds: u64 = args.next().map_or(Ok(60), |n| n.parse())?;
    let limit = Duration::from_secs(seconds);
    let started = Instant::now();

    // The half-open connections; each task notes when the server closes it.
    let closed = Arc::new(AtomicUsize::new(0));
    let mut opened = 0;
    for _ in 0..count {
        let connect =
            timeout(Duration::from_secs(5), TcpStream::connect(&addr));
        let Ok(Ok(mut stream)) = connect.await else {
            continue;
        };
        if stream.write_all(HALF_HEADERS).await.is_err() {
            continue;
        }
        opened += 1;
        let closed = Arc::clone(&closed);
        tokio::spawn(async move {
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer).await; // until closed
            closed.fetch_add(1, Ordering::Relaxed);
        });
    }
    let secs = |t: Instant| t.duration_since(started).as_secs_f64();
    println!(
        "{opened} of {count} half-open connections open at {:.1} s",
        secs(Instant::now())
    );

    // Probe /health until the server has closed them all, or time is up.
    let (mut probes, mut slow, mut first_ok_after_slow) = (0, 0, None);
    let mut slowest = Duration::ZERO;
    let mut all_closed_at = None;
    while started.elapsed() < limit {
        let sent = Instant::now();
        let ok = timeout(Duration::from_secs(1), health(&addr)).await;
        let ok = matches!(ok, Ok(Ok(true)));
        probes += 1;
        if ok {
            slowest = slowest.max(sent.elapsed());
            if slow > 0 && first_ok_after_slow.is_none() {
                first_ok_after_slow = Some(secs(sent));
            }
        } else {
            slow += 1;
            first_ok_after_slow = None;
        }
        if all_closed_at.is_none() && closed.load(Ordering::Relaxed) == opened {
            all_closed_at = Some(secs(Instant::now()));
        }
        if all_closed_at.is_some() && ok {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    println!(
        "/health: {probes} probes, {slow} not answered within 1 s; slowest answer {:.1} ms",
        slowest.as_secs_f64() * 1000.0
    );
    if let Some(at) = first_ok_after_slow {
        println!("/health answered again from {at:.1} s");
    }
    match all_closed_at {
        Some(at) => println!("the server had closed all {opened} by {at:.1} s"),
        None => println!(
            "after {seconds} s, {} of {opened} were still open",
            opened - closed.load(Ordering::Relaxed)
        ),
    }
    Ok(())
}

/// Asks `GET /health` on a new connection; true if the answer is 200.
async fn health(addr: &str) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(HEALTH).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    Ok(answer.starts_with(b"HTTP/1.1 200"))
}
