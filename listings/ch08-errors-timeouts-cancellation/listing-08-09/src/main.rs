use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};
use tokio_util::sync::CancellationToken;

/// Does a 10 ms job over and over until `token` is cancelled; returns how
/// many jobs it finished and when it stopped.
async fn worker(token: CancellationToken) -> (u32, Duration) {
    let start = Instant::now();
    let mut jobs = 0;
    loop {
        tokio::select! {
            biased; // look at the token first
            _ = token.cancelled() => return (jobs, start.elapsed()),
            _ = sleep(Duration::from_millis(10)) => jobs += 1,
        }
    }
}

/// Starts an indexer under `root` and two downloads under a child token.
fn start(
    root: &CancellationToken,
) -> (CancellationToken, [JoinHandle<(u32, Duration)>; 3]) {
    let downloads = root.child_token();
    let tasks = [
        tokio::spawn(worker(root.clone())),
        tokio::spawn(worker(downloads.child_token())),
        tokio::spawn(worker(downloads.child_token())),
    ];
    (downloads, tasks)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let root = CancellationToken::new();
    let (downloads, tasks) = start(&root);
    sleep(Duration::from_millis(25)).await;
    downloads.cancel(); // stops both downloads, not the indexer
    sleep(Duration::from_millis(20)).await;
    root.cancel(); // stops everything that is left
    for (name, task) in ["indexer", "download 1", "download 2"]
        .into_iter()
        .zip(tasks)
    {
        let (jobs, stopped) = task.await.unwrap();
        println!("{name}: {jobs} jobs, stopped at {stopped:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn cancelling_a_child_leaves_the_parent_running() {
        let root = CancellationToken::new();
        let (downloads, [indexer, first, second]) = start(&root);
        sleep(Duration::from_millis(25)).await;
        downloads.cancel();
        assert_eq!(first.await.unwrap(), (2, Duration::from_millis(25)));
        assert_eq!(second.await.unwrap(), (2, Duration::from_millis(25)));
        assert!(!root.is_cancelled());
        assert!(!indexer.is_finished());
        root.cancel();
        assert_eq!(indexer.await.unwrap().0, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn cancelling_the_parent_cancels_every_child() {
        let root = CancellationToken::new();
        let (downloads, tasks) = start(&root);
        root.cancel();
        assert!(downloads.is_cancelled());
        for task in tasks {
            assert_eq!(task.await.unwrap(), (0, Duration::ZERO));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn run_until_cancelled_drops_the_future_on_cancel() {
        let token = CancellationToken::new();
        let canceller = token.clone();
        tokio::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            canceller.cancel();
        });
        let slow = async {
            sleep(Duration::from_secs(60)).await;
            "done"
        };
        assert_eq!(token.run_until_cancelled(slow).await, None);
        // A token that is never cancelled lets the future finish.
        let fine = CancellationToken::new();
        assert_eq!(fine.run_until_cancelled(async { 7 }).await, Some(7));
    }

    #[tokio::test(start_paused = true)]
    async fn a_drop_guard_cancels_when_it_goes_out_of_scope() {
        let token = CancellationToken::new();
        let task = tokio::spawn(worker(token.clone()));
        {
            let _guard = token.clone().drop_guard();
            sleep(Duration::from_millis(15)).await;
        } // the guard is dropped here and cancels the token
        assert_eq!(task.await.unwrap(), (1, Duration::from_millis(15)));
    }
}
