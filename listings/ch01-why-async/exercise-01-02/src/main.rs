use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::task::yield_now;

/// The most steps of work the busy task does.
const STEPS: u32 = 1_000;

/// A CPU-bound task of up to `STEPS` steps. It spawns a second task, which
/// only notes how many steps are done when it gets to run, and stops early
/// once that task has finished. Unless `yield_after_each_step` is set, it
/// never reaches an `.await` until its loop is over. Returns the steps done
/// before the second task ran.
async fn busy(yield_after_each_step: bool) -> u32 {
    let steps = Arc::new(AtomicU32::new(0));
    let other = tokio::spawn({
        let steps = steps.clone();
        async move { steps.load(Ordering::Relaxed) }
    });
    while steps.load(Ordering::Relaxed) < STEPS && !other.is_finished() {
        steps.fetch_add(1, Ordering::Relaxed); // one step of work
        if yield_after_each_step {
            yield_now().await;
        }
    }
    other.await.unwrap()
}

// One thread for all tasks, as in `#[tokio::test]`.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let steps = tokio::spawn(busy(false)).await.unwrap();
    println!(
        "without yield_now: the other task ran after {steps} of {STEPS} steps"
    );
    let steps = tokio::spawn(busy(true)).await.unwrap();
    println!(
        "with yield_now:    the other task ran after {steps} of {STEPS} steps"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    // `#[tokio::test]` uses a current-thread runtime: while the busy task
    // runs, no other task can.
    #[tokio::test]
    async fn the_other_task_waits_until_the_busy_task_finishes() {
        let steps = tokio::spawn(busy(false)).await.unwrap();
        assert_eq!(steps, STEPS);
    }

    // Tokio does not promise which task it polls after a `yield_now`, only
    // that the other ready tasks get their turn; so the test checks that
    // the other task ran before the busy one was done, not when exactly.
    #[tokio::test]
    async fn with_yield_now_the_other_task_runs_before_the_busy_task_ends() {
        let steps = tokio::spawn(busy(true)).await.unwrap();
        assert!(steps < STEPS, "the other task ran after {steps} steps");
    }
}
