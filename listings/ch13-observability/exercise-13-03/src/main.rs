//! Solution 13-3: one `TaskMonitor` per kind of job names the kind that
//! blocks.

use std::thread;
use std::time::Duration;

use tokio::task::{JoinSet, yield_now};
use tokio_metrics::TaskMonitor;

/// Resizes an image, synchronously: blocks its worker for 60 ms.
async fn resize() {
    yield_now().await;
    thread::sleep(Duration::from_millis(60));
}

/// Looks a record up: waits 60 ms the async way.
async fn lookup() {
    tokio::time::sleep(Duration::from_millis(60)).await;
}

/// One monitor per kind of job; a poll of 30 ms or more is slow.
struct Monitors {
    resize: TaskMonitor,
    lookup: TaskMonitor,
}

impl Monitors {
    fn new() -> Self {
        let threshold = Duration::from_millis(30);
        Monitors {
            resize: TaskMonitor::with_slow_poll_threshold(threshold),
            lookup: TaskMonitor::with_slow_poll_threshold(threshold),
        }
    }

    /// The kinds of job whose tasks had at least one slow poll.
    fn kinds_with_slow_polls(&self) -> Vec<&'static str> {
        [("resize", &self.resize), ("lookup", &self.lookup)]
            .into_iter()
            .filter(|(_, m)| m.cumulative().total_slow_poll_count > 0)
            .map(|(kind, _)| kind)
            .collect()
    }
}

/// Runs three jobs of each kind, each as its own task.
async fn run_jobs(monitors: &Monitors) {
    let mut jobs = JoinSet::new();
    for _ in 0..3 {
        jobs.spawn(monitors.resize.instrument(resize()));
        jobs.spawn(monitors.lookup.instrument(lookup()));
    }
    while let Some(job) = jobs.join_next().await {
        job.unwrap();
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let monitors = Monitors::new();
    run_jobs(&monitors).await;
    for (kind, monitor) in
        [("resize", &monitors.resize), ("lookup", &monitors.lookup)]
    {
        let m = monitor.cumulative();
        println!(
            "{kind}: {} tasks, {} polls, {} slow",
            m.instrumented_count, m.total_poll_count, m.total_slow_poll_count
        );
    }
    println!("blocking: {:?}", monitors.kinds_with_slow_polls());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_monitors_name_the_kind_that_blocks() {
        let monitors = Monitors::new();
        run_jobs(&monitors).await;
        assert_eq!(monitors.kinds_with_slow_polls(), ["resize"]);
        let resize = monitors.resize.cumulative();
        assert_eq!(resize.instrumented_count, 3);
        assert_eq!(resize.total_slow_poll_count, 3);
        assert_eq!(monitors.lookup.cumulative().instrumented_count, 3);
    }
}
