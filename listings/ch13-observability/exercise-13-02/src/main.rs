use std::time::Duration;

use tokio::runtime::Handle;
use tokio::time::sleep;
use tokio_util::task::TaskTracker;

/// Background work that takes a while.
async fn send_email() {
    sleep(Duration::from_secs(2)).await;
}

/// Spawns the work and forgets it, as careless code does.
fn handle_request_forgetful() {
    tokio::spawn(send_email());
}

/// Spawns the work on a tracker, so shutdown can wait for it.
fn handle_request_tracked(tracker: &TaskTracker) {
    tracker.spawn(send_email());
}

/// The service's shutdown: no new work, then wait for the tracked work.
async fn shut_down(tracker: &TaskTracker) {
    tracker.close();
    tracker.wait().await;
}

fn alive() -> usize {
    Handle::current().metrics().num_alive_tasks()
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let tracker = TaskTracker::new();
    handle_request_forgetful();
    shut_down(&tracker).await;
    println!("forgetful, after shutdown: {} task(s) still alive", alive());

    sleep(Duration::from_secs(5)).await; // let it finish, for a clean start
    let tracker = TaskTracker::new();
    handle_request_tracked(&tracker);
    shut_down(&tracker).await;
    println!("tracked, after shutdown: {} task(s) alive", alive());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_forgotten_task_is_still_alive_after_shutdown() {
        let tracker = TaskTracker::new();
        handle_request_forgetful();
        shut_down(&tracker).await;
        // Shutdown returned at once: the tracker never heard of the task.
        assert_eq!(alive(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_tracked_shutdown_leaves_no_task_behind() {
        let tracker = TaskTracker::new();
        for _ in 0..3 {
            handle_request_tracked(&tracker);
        }
        assert_eq!(alive(), 3);
        shut_down(&tracker).await;
        assert_eq!(alive(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_tracked_shutdown_waits_for_the_work_to_finish() {
        let tracker = TaskTracker::new();
        handle_request_tracked(&tracker);
        let start = tokio::time::Instant::now();
        shut_down(&tracker).await;
        // The email takes 2 s (paused clock), and shutdown waited for all of it.
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }
}
