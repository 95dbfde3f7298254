use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;
use tokio_util::task::{AbortOnDropHandle, TaskTracker};

/// The items saved so far.
type Saved = Arc<Mutex<Vec<u32>>>;

// ANCHOR: save
/// Saves one item, taking `item` milliseconds; item 3 always fails.
async fn save(item: u32, saved: Saved) -> Result<(), String> {
    sleep(Duration::from_millis(item.into())).await;
    if item == 3 {
        return Err(format!("item {item}: disk full"));
    }
    saved.lock().unwrap().push(item);
    Ok(())
}
// ANCHOR_END: save

// ANCHOR: forget
/// Spawn and forget: starts every save and reports success at once.
async fn save_all_and_forget(
    items: &[u32],
    saved: &Saved,
) -> Result<(), String> {
    for &item in items {
        tokio::spawn(save(item, saved.clone())); // the handle is dropped
    }
    Ok(())
}
// ANCHOR_END: forget

// ANCHOR: join_set
/// Every save runs in a task the JoinSet owns; the first error is returned.
async fn save_all(items: &[u32], saved: &Saved) -> Result<(), String> {
    let mut tasks = JoinSet::new();
    for &item in items {
        tasks.spawn(save(item, saved.clone()));
    }
    while let Some(finished) = tasks.join_next().await {
        if let Err(error) = finished.expect("a save task panicked") {
            tasks.shutdown().await; // abort the rest and wait until they end
            return Err(error);
        }
    }
    Ok(())
}
// ANCHOR_END: join_set

// ANCHOR: tracker
/// Every save runs to the end; failures are collected, none is lost.
async fn save_all_tracked(items: &[u32], saved: &Saved) -> Vec<String> {
    let tracker = TaskTracker::new();
    let errors = Arc::new(Mutex::new(Vec::new()));
    for &item in items {
        let (saved, errors) = (saved.clone(), errors.clone());
        tracker.spawn(async move {
            if let Err(error) = save(item, saved).await {
                errors.lock().unwrap().push(error);
            }
        });
    }
    tracker.close(); // no more tasks will be added...
    tracker.wait().await; // ...so this returns once all of them are done
    let errors = errors.lock().unwrap();
    errors.clone()
}
// ANCHOR_END: tracker

// ANCHOR: owner
/// Counts ticks in a background task that lives as long as the `Ticker`.
struct Ticker {
    ticks: Arc<AtomicU32>,
    _task: AbortOnDropHandle<()>, // dropping it aborts the task
}

impl Ticker {
    fn start() -> Ticker {
        let ticks = Arc::new(AtomicU32::new(0));
        let counter = ticks.clone();
        let task = tokio::spawn(async move {
            loop {
                sleep(Duration::from_millis(10)).await;
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        let _task = AbortOnDropHandle::new(task);
        Ticker { ticks, _task }
    }
}
// ANCHOR_END: owner

// ANCHOR: main
// The paused clock makes every run print the same thing.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let items = [1, 2, 3, 4];

    let saved = Saved::default();
    let result = save_all_and_forget(&items, &saved).await;
    println!("forget:  {result:?}, saved {:?}", saved.lock().unwrap());

    let saved = Saved::default();
    let result = save_all(&items, &saved).await;
    println!("JoinSet: {result:?}");

    let saved = Saved::default();
    let errors = save_all_tracked(&items, &saved).await;
    let mut saved = saved.lock().unwrap().clone();
    saved.sort();
    println!("TaskTracker: errors {errors:?}, saved {saved:?}");

    let ticker = Ticker::start();
    let ticks = ticker.ticks.clone();
    sleep(Duration::from_millis(35)).await;
    drop(ticker);
    sleep(Duration::from_millis(100)).await;
    println!(
        "Ticker: {} ticks, then dropped",
        ticks.load(Ordering::Relaxed)
    );
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;

    /// A paused-clock runtime of our own, so a test can shut it down.
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn spawn_and_forget_loses_the_error_and_the_work() {
        let saved = Saved::default();
        let rt = runtime();
        let result = rt.block_on(save_all_and_forget(&[1, 2, 3, 4], &saved));
        assert_eq!(result, Ok(()), "reports success although item 3 fails");
        drop(rt); // what happens when main returns: tasks are dropped
        assert!(saved.lock().unwrap().is_empty(), "and nothing was saved");
    }

    #[tokio::test(start_paused = true)]
    async fn forgotten_saves_run_on_unowned_while_the_runtime_lives() {
        let saved = Saved::default();
        assert_eq!(save_all_and_forget(&[1, 2, 3, 4], &saved).await, Ok(()));
        sleep(Duration::from_secs(1)).await;
        // The tasks did their work, after the caller was told it was done;
        // item 3's error went nowhere.
        assert_eq!(*saved.lock().unwrap(), [1, 2, 4]);
    }

    #[tokio::test(start_paused = true)]
    async fn join_set_returns_the_error_and_no_save_outlives_it() {
        let saved = Saved::default();
        let result = save_all(&[1, 2, 3, 4], &saved).await;
        assert_eq!(result, Err("item 3: disk full".to_string()));
        // Every task's future, and the clone of `saved` it held, is gone:
        // no task outlives `save_all`.
        assert_eq!(Arc::strong_count(&saved), 1, "a save task is still alive");
        sleep(Duration::from_secs(1)).await; // long after item 4 would finish
        assert_eq!(*saved.lock().unwrap(), [1, 2], "item 4 was never saved");
    }

    #[test]
    fn dropping_a_join_set_does_not_stop_a_task_in_the_middle_of_a_poll() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let saved = Saved::default();
        let (started, has_started) = std::sync::mpsc::channel();
        let (go, wait_for_go) = std::sync::mpsc::channel::<()>();
        rt.block_on(async {
            let mut tasks = JoinSet::new();
            let saved = saved.clone();
            tasks.spawn(async move {
                started.send(()).unwrap();
                wait_for_go.recv().unwrap(); // blocks a worker, mid-poll
                saved.lock().unwrap().push(1);
            });
            has_started.recv().unwrap();
            drop(tasks); // asks for an abort; the poll under way goes on
        });
        assert!(saved.lock().unwrap().is_empty(), "nothing saved yet");
        go.send(()).unwrap();
        drop(rt); // waits for the worker threads
        assert_eq!(*saved.lock().unwrap(), [1], "saved after the drop");
    }

    // ANCHOR: owner_test
    #[tokio::test(start_paused = true)]
    async fn dropping_the_owner_aborts_its_task() {
        let ticker = Ticker::start();
        let ticks = ticker.ticks.clone();
        sleep(Duration::from_millis(35)).await;
        assert_eq!(ticks.load(Ordering::Relaxed), 3);
        drop(ticker);
        sleep(Duration::from_millis(100)).await;
        assert_eq!(ticks.load(Ordering::Relaxed), 3, "the task kept ticking");
        // The task's future, and its clone of `ticks`, have been dropped.
        assert_eq!(Arc::strong_count(&ticks), 1);
    }
    // ANCHOR_END: owner_test

    #[test]
    fn task_tracker_waits_for_every_task_before_shutdown() {
        let saved = Saved::default();
        let rt = runtime();
        let errors = rt.block_on(save_all_tracked(&[1, 2, 3, 4], &saved));
        drop(rt);
        assert_eq!(errors, ["item 3: disk full"]);
        let mut saved = saved.lock().unwrap().clone();
        saved.sort();
        assert_eq!(saved, [1, 2, 4]);
    }
}
