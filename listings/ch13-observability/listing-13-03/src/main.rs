use std::time::{Duration, Instant};

use tokio::runtime::{Handle, RuntimeMetrics};
use tokio::sync::watch;

// ANCHOR: sample
/// The runtime's stable metrics at one moment.
#[derive(Debug, Clone, Copy)]
struct Sample {
    workers: usize,
    alive_tasks: usize,
    global_queue: usize,
    busy: Duration,
    parks: u64,
}

fn sample(metrics: &RuntimeMetrics) -> Sample {
    let workers = metrics.num_workers();
    let busy = (0..workers).map(|w| metrics.worker_total_busy_duration(w));
    let parks = (0..workers).map(|w| metrics.worker_park_count(w));
    Sample {
        workers,
        alive_tasks: metrics.num_alive_tasks(),
        global_queue: metrics.global_queue_depth(),
        busy: busy.sum(), // summed over the workers
        parks: parks.sum(),
    }
}

/// How busy the workers were between two samples taken `elapsed` apart, in
/// percent of `elapsed`: 100% per busy worker.
fn busy_percent(before: &Sample, after: &Sample, elapsed: Duration) -> f64 {
    let busy = after.busy - before.busy;
    100.0 * busy.as_secs_f64() / elapsed.as_secs_f64()
}

/// Prints, `count` times every `period`, what the runtime holds and how
/// busy its workers were since the last line (100% per busy worker).
async fn monitor(period: Duration, count: usize) {
    let metrics = Handle::current().metrics();
    let mut ticks = tokio::time::interval(period);
    ticks.tick().await; // the first tick is immediate
    let mut last = (sample(&metrics), Instant::now());
    for _ in 0..count {
        ticks.tick().await;
        let now = (sample(&metrics), Instant::now());
        let percent = busy_percent(&last.0, &now.0, now.1 - last.1);
        println!(
            "tasks: {}, global queue: {}, busy: {percent:.0}%, parks: {}",
            now.0.alive_tasks,
            now.0.global_queue,
            now.0.parks - last.0.parks
        );
        last = now;
    }
}
// ANCHOR_END: sample

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let metrics = Handle::current().metrics();
    println!("workers: {}", sample(&metrics).workers);

    // Ten tasks that wait until the value in the channel changes.
    let (go, wait) = watch::channel(());
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let mut wait = wait.clone();
            tokio::spawn(async move { wait.changed().await.unwrap() })
        })
        .collect();
    println!(
        "alive tasks while 10 wait: {}",
        sample(&metrics).alive_tasks
    );
    go.send(()).unwrap();
    for task in tasks {
        task.await.unwrap();
    }
    println!(
        "alive tasks after they end: {}",
        sample(&metrics).alive_tasks
    );

    // One task computes for 120 ms without an `.await`, and so keeps one of
    // the two workers busy; the monitor sees it.
    let monitor = tokio::spawn(monitor(Duration::from_millis(50), 4));
    tokio::spawn(async { spin(Duration::from_millis(120)) });
    monitor.await.unwrap();
}

/// Keeps the thread busy for `time`.
fn spin(time: Duration) {
    let start = Instant::now();
    while start.elapsed() < time {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::runtime::Builder;

    #[test]
    fn tasks_spawned_from_outside_wait_in_the_global_queue() {
        let runtime = Builder::new_current_thread().build().unwrap();
        for _ in 0..5 {
            runtime.spawn(async {}); // not on a runtime thread
        }
        assert_eq!(sample(&runtime.metrics()).global_queue, 5);
        runtime.block_on(tokio::task::yield_now()); // lets the runtime run
        assert_eq!(sample(&runtime.metrics()).global_queue, 0);
    }

    #[test]
    fn busy_percent_is_busy_time_over_elapsed_time() {
        let at = |busy| Sample {
            workers: 2,
            alive_tasks: 0,
            global_queue: 0,
            busy,
            parks: 0,
        };
        let (before, after) =
            (at(Duration::from_secs(1)), at(Duration::from_millis(1500)));
        // Two workers busy for 250 ms each: 500 ms of busy time in 250 ms.
        let percent = busy_percent(&before, &after, Duration::from_millis(250));
        assert_eq!(percent, 200.0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn busy_time_grows_while_a_task_computes() {
        let metrics = Handle::current().metrics();
        let before = sample(&metrics);
        tokio::spawn(async { spin(Duration::from_millis(30)) })
            .await
            .unwrap();
        // Workers publish their counters in batches (when they park, or
        // every so many polls), so wait a little for the figure to arrive.
        let mut busy = Duration::ZERO;
        for _ in 0..100 {
            busy = sample(&metrics).busy - before.busy;
            if busy >= Duration::from_millis(25) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(busy >= Duration::from_millis(25), "{busy:?}");
    }
}
