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
    let mut due = tokio::time::Instant::now() + period;
    loop {
        tokio::time::sleep_until(due).await;
        let late = tokio::time::Instant::now() - due;
        if late > TOO_LONG && !*blocked.lock().unwrap() {
            warn!("the heartbeat ran late: the runtime was blocked");
            *blocked.lock().unwrap() = true;
        }
        due = tokio::time::Instant::now() + period;
    }
}
// ANCHOR_END: detect

// ANCHOR: tasks
/// Waits well: two awaits on a timer.
async fn fetch() {
    sleep(Duration::from_millis(30)).await;
    sleep(Duration::from_millis(30)).await;
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
        tokio::spawn(watch_polls("idle", Arc::clone(c), sleep(TOO_LONG * 2))),
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
}
