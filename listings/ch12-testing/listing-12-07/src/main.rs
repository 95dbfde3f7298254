use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::runtime::Builder;
use tokio::task::{JoinSet, yield_now};

// ANCHOR: code
/// Background work with a bug: it panics.
async fn save(panicked: Arc<AtomicBool>) {
    // Records, as the task unwinds, that it really panicked.
    struct Witness(Arc<AtomicBool>);
    impl Drop for Witness {
        fn drop(&mut self) {
            self.0.store(std::thread::panicking(), Ordering::SeqCst);
        }
    }
    let _witness = Witness(panicked);
    panic!("disk full");
}

/// Test body 1: spawns the work and waits until it has finished, but
/// never looks at the result.
async fn forget(panicked: Arc<AtomicBool>) {
    let task = tokio::spawn(save(panicked));
    while !task.is_finished() {
        yield_now().await;
    }
}

/// Test body 2: awaits the handle and unwraps the result.
async fn await_handle(panicked: Arc<AtomicBool>) {
    tokio::spawn(save(panicked)).await.unwrap();
}

/// Test body 3: joins every task of a `JoinSet`.
async fn join_all(panicked: Arc<AtomicBool>) {
    let mut tasks = JoinSet::new();
    tasks.spawn(save(panicked));
    while let Some(result) = tasks.join_next().await {
        result.unwrap();
    }
}

/// Runs a test body as `#[tokio::test]` does and says whether the test
/// would pass: a test passes when its body returns without panicking.
fn passes(body: impl Future<Output = ()>) -> bool {
    let runtime = Builder::new_current_thread().enable_all().build().unwrap();
    panic::catch_unwind(AssertUnwindSafe(|| runtime.block_on(body))).is_ok()
}
// ANCHOR_END: code

fn main() {
    // The task's panic message goes to stderr; stdout has the verdicts.
    let panicked = Arc::new(AtomicBool::new(false));
    let passed = passes(forget(panicked.clone()));
    let really = panicked.load(Ordering::SeqCst);
    println!(
        "forget:       test passes: {passed} (the task panicked: {really})"
    );
    let passed = passes(await_handle(Arc::default()));
    println!("await_handle: test passes: {passed}");
    let passed = passes(join_all(Arc::default()));
    println!("join_all:     test passes: {passed}");
}

#[cfg(test)]
mod tests {
    use super::*;

    // ANCHOR: tests
    #[test]
    fn a_panic_in_a_task_nobody_awaits_does_not_fail_the_test() {
        let panicked = Arc::new(AtomicBool::new(false));
        assert!(passes(forget(panicked.clone())), "the test passes");
        assert!(
            panicked.load(Ordering::SeqCst),
            "although the task panicked"
        );
    }

    #[test]
    fn awaiting_the_handle_fails_the_test() {
        assert!(!passes(await_handle(Arc::default())));
    }

    #[test]
    fn joining_a_join_set_fails_the_test() {
        assert!(!passes(join_all(Arc::default())));
    }

    // In an ordinary test, the task's own message reaches the test.
    #[tokio::test]
    #[should_panic(expected = "disk full")]
    async fn the_panic_message_reaches_the_test() {
        await_handle(Arc::default()).await;
    }
    // ANCHOR_END: tests
}
