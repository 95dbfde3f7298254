use std::sync::{Arc, Mutex};
use tokio::task::yield_now;

/// Where the tasks write down what they did, in order.
type Log = Arc<Mutex<Vec<String>>>;

/// A CPU-bound task in three steps. Unless `yield_after_each_step` is set,
/// it never reaches an `.await`, so it never gives the runtime a chance to
/// run anything else.
async fn busy(log: Log, yield_after_each_step: bool) {
    for step in 1..=3 {
        log.lock().unwrap().push(format!("busy step {step}"));
        if yield_after_each_step {
            yield_now().await;
        }
    }
}

/// Spawns the busy task, then a task that only writes one line, and returns
/// the order of events. The busy task is spawned first, so it runs first.
async fn event_order(yield_after_each_step: bool) -> Vec<String> {
    let log = Log::default();
    let busy = tokio::spawn(busy(log.clone(), yield_after_each_step));
    let other = tokio::spawn({
        let log = log.clone();
        async move { log.lock().unwrap().push("other task".to_string()) }
    });
    busy.await.unwrap();
    other.await.unwrap();
    log.lock().unwrap().clone()
}

// One thread for all tasks, as in `#[tokio::test]`.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("without yield_now: {}", event_order(false).await.join(", "));
    println!("with yield_now:    {}", event_order(true).await.join(", "));
}

#[cfg(test)]
mod tests {
    use super::event_order;

    // `#[tokio::test]` uses a current-thread runtime.
    #[tokio::test]
    async fn the_other_task_waits_until_the_busy_task_finishes() {
        let order = event_order(false).await;
        assert_eq!(
            order,
            ["busy step 1", "busy step 2", "busy step 3", "other task"]
        );
    }

    #[tokio::test]
    async fn with_yield_now_the_other_task_runs_in_between() {
        let order = event_order(true).await;
        assert_eq!(
            order,
            ["busy step 1", "other task", "busy step 2", "busy step 3"]
        );
    }
}
