use std::thread;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::oneshot;
use tokio::task::yield_now;
use tokio_metrics::{RuntimeMonitor, TaskMetrics, TaskMonitor};

// ANCHOR: tasks
/// Blocks its thread for 100 ms in the second of its three polls.
async fn blocker() {
    yield_now().await; // poll 1 ends here
    thread::sleep(Duration::from_millis(100)); // poll 2 blocks
    yield_now().await; // poll 2 ends here; poll 3 finishes
}

/// Waits 100 ms the async way: four short polls.
async fn sleeper() {
    yield_now().await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    yield_now().await;
}

/// Runs `task` under a monitor that calls a poll of 40 ms or more slow.
async fn measure(task: impl Future<Output = ()>) -> TaskMetrics {
    let monitor =
        TaskMonitor::with_slow_poll_threshold(Duration::from_millis(40));
    monitor.instrument(task).await;
    monitor.cumulative()
}
// ANCHOR_END: tasks

// ANCHOR: scheduled
/// Wakes a monitored task, then keeps the thread busy for 100 ms before
/// the task can run. Returns the task's metrics.
async fn late_to_run() -> TaskMetrics {
    let monitor = TaskMonitor::new();
    let (waiting_tx, waiting) = oneshot::channel();
    let (wake, woken) = oneshot::channel::<()>();
    let task = tokio::spawn(monitor.instrument(async move {
        waiting_tx.send(()).unwrap();
        woken.await.unwrap(); // suspended here until `wake` sends
    }));
    waiting.await.unwrap(); // the task is now suspended on `woken`
    wake.send(()).unwrap(); // the task is scheduled...
    thread::sleep(Duration::from_millis(100)); // ...but the thread is busy
    task.await.unwrap();
    monitor.cumulative()
}
// ANCHOR_END: scheduled

#[tokio::main(flavor = "current_thread")]
async fn main() {
    for (name, metrics) in [
        ("blocker", measure(blocker()).await),
        ("sleeper", measure(sleeper()).await),
    ] {
        println!(
            "{name}: {} polls, {} slow",
            metrics.total_poll_count, metrics.total_slow_poll_count
        );
    }
    let metrics = late_to_run().await;
    println!(
        "woken task: scheduled {} time(s), waited >= 100 ms to run: {}",
        metrics.total_scheduled_count,
        metrics.total_scheduled_duration >= Duration::from_millis(100)
    );
    // ANCHOR: runtime
    let monitor = RuntimeMonitor::new(&Handle::current());
    let mut intervals = monitor.intervals();
    let parked: Vec<_> = (0..3)
        .map(|_| tokio::spawn(std::future::pending::<()>()))
        .collect();
    let sample = intervals.next().unwrap();
    println!(
        "runtime: {} worker(s), {} live task(s)",
        sample.workers_count, sample.live_tasks_count
    );
    // ANCHOR_END: runtime
    parked.iter().for_each(|task| task.abort());
}

#[cfg(test)]
mod tests {
    use super::*;

    // ANCHOR: tests
    #[tokio::test]
    async fn a_poll_that_blocks_is_counted_as_slow() {
        let metrics = measure(blocker()).await;
        assert_eq!(metrics.total_poll_count, 3);
        assert_eq!(metrics.total_slow_poll_count, 1);
        assert!(metrics.total_slow_poll_duration >= Duration::from_millis(100));
    }

    #[tokio::test]
    async fn an_async_wait_has_no_slow_poll() {
        let metrics = measure(sleeper()).await;
        assert_eq!(metrics.total_poll_count, 4);
        assert_eq!(metrics.total_slow_poll_count, 0);
    }

    #[tokio::test]
    async fn a_busy_thread_shows_as_scheduled_time() {
        let metrics = late_to_run().await;
        assert_eq!(metrics.total_scheduled_count, 1);
        assert!(metrics.total_scheduled_duration >= Duration::from_millis(100));
    }

    #[tokio::test]
    async fn the_runtime_monitor_counts_live_tasks() {
        let monitor = RuntimeMonitor::new(&Handle::current());
        let mut intervals = monitor.intervals();
        for _ in 0..3 {
            tokio::spawn(std::future::pending::<()>());
        }
        let sample = intervals.next().unwrap();
        assert_eq!(sample.workers_count, 1);
        assert_eq!(sample.live_tasks_count, 3);
    }
    // ANCHOR_END: tests
}
