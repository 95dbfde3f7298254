//! Some tasks to look at in tokio-console: run `cargo run -- 60` in this
//! folder, then `tokio-console` in another terminal.

use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};

/// Spawns a task with a name the console can show (an unstable Tokio API).
fn spawn_named<F>(name: &str, future: F) -> JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    #[cfg(tokio_unstable)]
    return tokio::task::Builder::new()
        .name(name)
        .spawn(future)
        .unwrap();
    #[cfg(not(tokio_unstable))]
    {
        let _ = name;
        tokio::spawn(future)
    }
}

#[tokio::main]
async fn main() {
    // Serves the console's data on 127.0.0.1:6669.
    #[cfg(tokio_unstable)]
    console_subscriber::init();
    #[cfg(not(tokio_unstable))]
    println!("built without --cfg tokio_unstable: nothing for the console");

    let seconds = std::env::args().nth(1).and_then(|s| s.parse().ok());
    let end = Instant::now() + Duration::from_secs(seconds.unwrap_or(0));

    // Waits well: idle most of the time.
    let ticker = spawn_named("ticker", async move {
        while Instant::now() < end {
            sleep(Duration::from_millis(100)).await;
        }
    });
    // Blocks its worker for 200 ms, then sleeps a second, over and over:
    // the console shows its long polls in its poll-time histogram.
    let blocker = spawn_named("blocker", async move {
        loop {
            std::thread::sleep(Duration::from_millis(200));
            if Instant::now() >= end {
                break;
            }
            sleep(Duration::from_secs(1)).await;
        }
    });
    ticker.await.unwrap();
    blocker.await.unwrap();
    println!("done");
}
