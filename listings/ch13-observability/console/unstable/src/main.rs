//! A program with a stuck task, and the task dump that finds it. Build it
//! with `--cfg tokio_unstable` (this folder's `.cargo/config.toml` does).

use tokio::sync::oneshot;

/// Waits for a reply that never comes: the sender is kept, never used.
async fn wait_for_reply(reply: oneshot::Receiver<String>) -> String {
    reply.await.unwrap_or_default()
}

async fn handle_request(
    started: oneshot::Sender<()>,
    reply: oneshot::Receiver<String>,
) {
    started.send(()).unwrap();
    let answer = wait_for_reply(reply).await;
    println!("{answer}");
}

/// Dumps every task of the current runtime: one trace per task.
#[cfg(tokio_unstable)]
async fn dump_tasks() -> Vec<String> {
    use std::time::Duration;
    let handle = tokio::runtime::Handle::current();
    // A dump can wait forever for a blocked worker: give it a limit.
    let dump = tokio::time::timeout(Duration::from_secs(10), handle.dump())
        .await
        .expect("the dump finished");
    dump.tasks().iter().map(|t| t.trace().to_string()).collect()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (started_tx, started) = oneshot::channel();
    let (_never_used, reply) = oneshot::channel();
    let stuck = tokio::spawn(handle_request(started_tx, reply));
    started.await.unwrap(); // the task is now waiting for its reply

    #[cfg(tokio_unstable)]
    for (i, trace) in dump_tasks().await.iter().enumerate() {
        println!("task {i}:\n{trace}\n");
    }
    #[cfg(not(tokio_unstable))]
    println!("built without --cfg tokio_unstable: no task dump");
    stuck.abort();
}

#[cfg(all(test, tokio_unstable))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_dump_shows_where_the_stuck_task_waits() {
        let (started_tx, started) = oneshot::channel();
        let (_never_used, reply) = oneshot::channel();
        let stuck = tokio::spawn(handle_request(started_tx, reply));
        started.await.unwrap();
        let traces = dump_tasks().await;
        assert_eq!(traces.len(), 1, "{traces:?}");
        assert!(traces[0].contains("handle_request"), "{}", traces[0]);
        assert!(traces[0].contains("wait_for_reply"), "{}", traces[0]);
        stuck.abort();
    }

    #[tokio::test]
    async fn a_finished_task_is_not_in_the_dump() {
        let (started_tx, started) = oneshot::channel();
        let (reply_tx, reply) = oneshot::channel();
        let task = tokio::spawn(handle_request(started_tx, reply));
        started.await.unwrap();
        reply_tx.send("42".to_string()).unwrap();
        task.await.unwrap();
        assert!(dump_tasks().await.is_empty());
    }

    // ANCHOR: unhandled_panic
    /// Chapter 12: with this unstable option, a spawned task's panic
    /// shuts the runtime down, and the test fails even though nobody
    /// awaits the task's handle.
    #[tokio::test(
        flavor = "current_thread",
        unhandled_panic = "shutdown_runtime"
    )]
    #[should_panic(expected = "a spawned task panicked")]
    async fn an_unhandled_panic_fails_the_test() {
        let _forgotten = tokio::spawn(async { panic!("disk full") });
        // Without the option, the body would finish, and the test pass.
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }
    // ANCHOR_END: unhandled_panic
}
