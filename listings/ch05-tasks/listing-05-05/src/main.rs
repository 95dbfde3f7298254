//! `join!` versus `tokio::spawn`: one test for each row of the table.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use tokio::task;

// ANCHOR: meet
/// Blocks the calling thread until two callers are inside `meet` at the
/// same time, or until `patience` runs out. Two callers can only meet if
/// they run in parallel, on two threads.
fn meet(inside: &AtomicUsize, patience: Duration) -> bool {
    inside.fetch_add(1, SeqCst);
    let start = Instant::now();
    while start.elapsed() < patience {
        if inside.load(SeqCst) == 2 {
            return true;
        }
        std::thread::yield_now();
    }
    inside.fetch_sub(1, SeqCst); // give up and leave
    false
}
// ANCHOR_END: meet

// ANCHOR: experiments
/// Runs two futures with `join!` inside a task; returns whether each of
/// them ran in that same task.
async fn join_same_task() -> (bool, bool) {
    tokio::spawn(async {
        let parent = task::id();
        let (a, b) = tokio::join!(async { task::id() }, async { task::id() });
        (a == parent, b == parent)
    })
    .await
    .unwrap()
}

/// The same with two spawned tasks.
async fn spawn_same_task() -> (bool, bool) {
    tokio::spawn(async {
        let parent = task::id();
        let a = tokio::spawn(async { task::id() });
        let b = tokio::spawn(async { task::id() });
        (a.await.unwrap() == parent, b.await.unwrap() == parent)
    })
    .await
    .unwrap()
}

/// Whether two futures in one `join!` can meet.
async fn join_parallel() -> (bool, bool) {
    let inside = AtomicUsize::new(0);
    let patience = Duration::from_millis(10);
    tokio::join!(async { meet(&inside, patience) }, async {
        meet(&inside, patience)
    })
}

/// Whether two spawned tasks can meet.
async fn spawn_parallel() -> (bool, bool) {
    let inside = Arc::new(AtomicUsize::new(0));
    let patience = Duration::from_secs(10);
    let a = tokio::spawn({
        let inside = Arc::clone(&inside);
        async move { meet(&inside, patience) }
    });
    let b = tokio::spawn(async move { meet(&inside, patience) });
    (a.await.unwrap(), b.await.unwrap())
}
// ANCHOR_END: experiments

// Two worker threads, so that parallelism is possible at all.
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    println!(
        "in the caller's task:  join! {:?}, spawn {:?}",
        join_same_task().await,
        spawn_same_task().await
    );
    println!(
        "met on two threads:    join! {:?}, spawn {:?}",
        join_parallel().await,
        spawn_parallel().await
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    // Appendix A, Claim 6: the two futures run in parallel, as spawned tasks
    // on both workers; `join_never_runs_its_futures_in_parallel` fails.
    #[cfg(feature = "counterfactual")]
    async fn join_parallel() -> (bool, bool) {
        spawn_parallel().await
    }

    // ANCHOR: same_task
    #[tokio::test]
    async fn join_runs_its_futures_inside_the_calling_task() {
        assert_eq!(join_same_task().await, (true, true));
    }

    #[tokio::test]
    async fn spawn_gives_each_future_a_task_of_its_own() {
        assert_eq!(spawn_same_task().await, (false, false));
    }
    // ANCHOR_END: same_task

    /// Uses an `Rc`, which is not `Send`, across an `.await`.
    async fn shout(text: Rc<str>) -> String {
        task::yield_now().await;
        text.to_uppercase()
    }

    #[tokio::test]
    async fn join_accepts_futures_that_borrow_and_are_not_send() {
        let text: Rc<str> = Rc::from("hi");
        let local = String::from("borrowed");
        let (a, b) = tokio::join!(shout(Rc::clone(&text)), async {
            local.len() // borrows a local: no 'static needed
        });
        assert_eq!((a.as_str(), b), ("HI", 8));
    }

    // ANCHOR: panic
    #[tokio::test(start_paused = true)]
    async fn a_panic_inside_join_ends_the_whole_task() {
        let finished = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&finished);
        let task = tokio::spawn(async move {
            let slow = async {
                tokio::time::sleep(Duration::from_millis(10)).await;
                counter.fetch_add(1, SeqCst);
            };
            tokio::join!(async { panic!("boom") }, slow);
        });
        assert!(task.await.unwrap_err().is_panic());
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(finished.load(SeqCst), 0, "the other future was dropped");
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_in_a_spawned_task_stays_in_that_task() {
        let boom = tokio::spawn(async { panic!("boom") });
        let slow = tokio::spawn(async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            "finished"
        });
        assert!(boom.await.unwrap_err().is_panic());
        assert_eq!(slow.await.unwrap(), "finished");
    }
    // ANCHOR_END: panic

    // ANCHOR: parallel
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn join_never_runs_its_futures_in_parallel() {
        assert_eq!(join_parallel().await, (false, false));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn spawned_tasks_can_run_in_parallel() {
        assert_eq!(spawn_parallel().await, (true, true));
    }
    // ANCHOR_END: parallel
}
