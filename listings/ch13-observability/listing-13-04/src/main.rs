use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::time::sleep;
use tracing::warn;

/// A poll, or a heartbeat delay, longer than this counts as blocking.
const TOO_LONG: Duration = Duration::from_millis(40);

/// Names of the tasks caught blocking.
type Caught = Arc<Mutex<BTreeSet<&'static str>>>;

// ANCHOR: detect
/// Runs `future`, timing every poll. A future should return from `poll`
/// within microseconds; one that takes longer is blocking its thread.
async fn watch_polls<F: Future>(
    name: &'static str,
    caught: Caught,
    future: F,
) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let start = Instant::now();
        let result = future.as_mut().poll(cx);
        if start.elapsed() > TOO_LONG {
            warn!(task = name, "one poll took longer than {TOO_LONG:?}");
            caught.lock().unwrap().insert(name);
        }
        result
    })
    .await
}

/// Wakes up every 10 ms and checks that it was woken on time. If it was
/// not, something kept the runtime's thread from running it.
async fn heartbeat(blocked: Arc<Mutex<bool>>) {
    let period = Duration::from_millis(10);
    loop {
        let due = tokio::time::Instant::now() + period;
        tokio::time::sleep_until(due).await;
        let late = tokio::time::Instant::now() - due;
        if late > TOO_LONG && !*blocked.lock().unwrap() {
            warn!("the heartbeat ran late: the runtime was blocked");
            *blocked.lock().unwrap() = true;
        }
    }
}
// ANCHOR_END: detect

// ANCHOR: tasks
/// Waits well: two awaits on a timer.
async fn fetch() {
    sleep(Duration::from_millis(30)).await;
    sleep(Duration::from_millis(30)).await;
}

/// Waits for twice `TOO_LONG`, in one await on a timer.
async fn idle() {
    sleep(TOO_LONG * 2).await;
}

/// Blocks: a synchronous sleep (think: a blocking file or database call).
async fn report() {
    sleep(Duration::from_millis(5)).await;
    std::thread::sleep(Duration::from_millis(100));
}

/// Runs the three tasks under watch on a single thread, and returns the
/// tasks caught blocking and whether the heartbeat noticed.
async fn run() -> (Vec<&'static str>, bool) {
    let (caught, blocked) = (Caught::default(), Arc::default());
    let beat = tokio::spawn(heartbeat(Arc::clone(&blocked)));
    let c = &caught;
    let tasks = [
        tokio::spawn(watch_polls("fetch", Arc::clone(c), fetch())),
        tokio::spawn(watch_polls("report", Arc::clone(c), report())),
        tokio::spawn(watch_polls("idle", Arc::clone(c), idle())),
    ];
    for task in tasks {
        task.await.unwrap();
    }
    beat.abort();
    let caught = caught.lock().unwrap().iter().copied().collect();
    (caught, *blocked.lock().unwrap())
}
// ANCHOR_END: tasks

#[tokio::main(flavor = "current_thread")]
async fn main() {
    support::log_to_stdout(); // the subscriber of Listing 13-1
    let (caught, blocked) = run().await;
    println!("caught blocking: {caught:?}; heartbeat saw it: {blocked}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_blocking_task_is_named_and_the_others_are_not() {
        let (caught, blocked) = run().await;
        assert_eq!(caught, ["report"]);
        assert!(blocked);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_in_awaits_is_not_blocking() {
        let caught = Caught::default();
        let start = tokio::time::Instant::now();
        watch_polls("fetch", Arc::clone(&caught), fetch()).await;
        assert_eq!(start.elapsed(), Duration::from_millis(60));
        watch_polls("idle", Arc::clone(&caught), idle()).await;
        assert_eq!(start.elapsed(), Duration::from_millis(60) + TOO_LONG * 2);
        // Longer waits than `TOO_LONG`, in all, but no poll was long.
        assert!(caught.lock().unwrap().is_empty());
    }

    /// Whether the heartbeat reports the runtime blocked when, 25 ms after
    /// it starts, the paused clock jumps `held` at once, as it would for a
    /// thread held that long (its next beat, due at 30 ms, runs late).
    async fn heartbeat_reports(held: Duration) -> bool {
        let blocked = Arc::default();
        let beat = tokio::spawn(heartbeat(Arc::clone(&blocked)));
        sleep(Duration::from_millis(25)).await;
        tokio::time::advance(held).await;
        sleep(Duration::from_millis(25)).await;
        beat.abort();
        *blocked.lock().unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn the_heartbeat_reports_only_delays_over_the_threshold() {
        let ms = Duration::from_millis;
        assert!(!heartbeat_reports(ms(0)).await, "beats on time");
        assert!(!heartbeat_reports(ms(45)).await, "40 ms late is not over");
        assert!(heartbeat_reports(ms(46)).await, "41 ms late");
    }
}
