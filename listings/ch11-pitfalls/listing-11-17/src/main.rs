use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::Handle;
use tokio::task::{block_in_place, spawn_blocking};

// ANCHOR: wait
/// A blocking call: waits, holding its thread, until someone else sets
/// `flag`, for `limit` at most. Says whether it saw the flag set.
fn wait_for(flag: &AtomicBool, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while !flag.load(Ordering::SeqCst) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_micros(100));
    }
    true
}

/// For waits that should end at once: a long limit costs nothing.
const GENEROUS: Duration = Duration::from_secs(5);
/// For waits that can never end: the limit is all they cost.
const SHORT: Duration = Duration::from_millis(500);
// ANCHOR_END: wait

// ANCHOR: hand_off
/// Spawns a task that sets a flag, then blocks until the flag is set.
async fn block_after_spawning(in_place: bool, limit: Duration) -> bool {
    let flag = Arc::new(AtomicBool::new(false));
    let setter = Arc::clone(&flag);
    tokio::spawn(async move { setter.store(true, Ordering::SeqCst) });
    if in_place {
        block_in_place(|| wait_for(&flag, limit))
    } else {
        wait_for(&flag, limit) // wrong: the setter waits behind this call
    }
}
// ANCHOR_END: hand_off

// ANCHOR: same_task
/// Blocks in one branch of a `join!` while the other sets the flag.
async fn block_in_place_beside_a_join() -> bool {
    let flag = AtomicBool::new(false);
    let (saw, ()) = tokio::join!(
        async { block_in_place(|| wait_for(&flag, SHORT)) },
        async {
            tokio::task::yield_now().await;
            flag.store(true, Ordering::SeqCst);
        },
    );
    saw
}

/// The same with `spawn_blocking`: the blocking call leaves the task.
async fn spawn_blocking_beside_a_join() -> bool {
    let flag = Arc::new(AtomicBool::new(false));
    let waiter = Arc::clone(&flag);
    let (saw, ()) = tokio::join!(
        async { spawn_blocking(move || wait_for(&waiter, GENEROUS)).await },
        async {
            tokio::task::yield_now().await;
            flag.store(true, Ordering::SeqCst);
        },
    );
    saw.unwrap()
}
// ANCHOR_END: same_task

// ANCHOR: sync_bridge
async fn word_count(text: &str) -> usize {
    tokio::time::sleep(Duration::from_millis(10)).await; // stands for I/O
    text.split_whitespace().count()
}

/// A synchronous function (say, a trait method you must implement) that
/// needs an async result, called from inside a task.
fn word_count_sync(text: &str) -> usize {
    block_in_place(|| Handle::current().block_on(word_count(text)))
}
// ANCHOR_END: sync_bridge

/// Runs `work` as a task of its own, on one of the runtime's workers.
async fn in_a_task<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> T {
    tokio::spawn(work).await.unwrap()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 1)]
async fn main() {
    let plain = in_a_task(block_after_spawning(false, SHORT)).await;
    println!("plain blocking call:     saw the flag = {plain}");
    let in_place = in_a_task(block_after_spawning(true, GENEROUS)).await;
    println!("block_in_place:          saw the flag = {in_place}");
    let joined = in_a_task(block_in_place_beside_a_join()).await;
    println!("block_in_place in join!: saw the flag = {joined}");
    let pooled = in_a_task(spawn_blocking_beside_a_join()).await;
    println!("spawn_blocking in join!: saw the flag = {pooled}");
    let words = in_a_task(async { word_count_sync("one two three") }).await;
    println!("block_on inside block_in_place: {words} words");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::{Context, Waker};

    // One worker, so that nothing else can run the spawned setter.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn block_in_place_hands_the_other_tasks_to_another_thread() {
        let task = in_a_task(block_after_spawning(true, GENEROUS));
        assert!(task.await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_plain_blocking_call_keeps_them_waiting() {
        let task = in_a_task(block_after_spawning(false, SHORT));
        assert!(!task.await);
    }

    #[tokio::test(flavor = "current_thread")]
    #[should_panic(expected = "can call blocking only when running on the \
                               multi-threaded runtime")]
    async fn block_in_place_panics_on_a_current_thread_runtime() {
        block_in_place(|| ());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn block_in_place_still_blocks_its_own_task() {
        let start = Instant::now();
        let task = in_a_task(block_in_place_beside_a_join());
        assert!(!task.await);
        // It waited its whole limit: the other branch never ran meanwhile.
        assert!(start.elapsed() >= SHORT);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn spawn_blocking_lets_its_own_task_go_on() {
        let task = in_a_task(spawn_blocking_beside_a_join());
        assert!(task.await);
    }

    #[test]
    fn spawn_blocking_beside_a_join_answers_from_the_blocking_pool() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(1)
            .build()
            .unwrap();
        // The pool's only thread is taken until `release` is sent.
        let (release, taken) = std::sync::mpsc::channel::<()>();
        let _holder = runtime.spawn_blocking(move || taken.recv());
        let mut joined = Box::pin(spawn_blocking_beside_a_join());
        {
            let _context = runtime.enter(); // for `spawn_blocking`
            let mut cx = Context::from_waker(Waker::noop());
            for _ in 0..3 {
                // The other branch sets the flag; the wait has no thread.
                assert!(joined.as_mut().poll(&mut cx).is_pending());
            }
        }
        release.send(()).unwrap();
        assert!(runtime.block_on(joined));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn block_on_inside_block_in_place_runs_async_code() {
        let task = in_a_task(async { word_count_sync("one two three") });
        assert_eq!(task.await, 3);
    }
}
