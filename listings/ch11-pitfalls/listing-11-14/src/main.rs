use std::time::Duration;

use tokio::runtime::{Builder, Runtime};
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::time::{sleep, timeout};

// ANCHOR: order
#[derive(Default)]
struct State {
    cache: Mutex<Vec<String>>,
    log: Mutex<Vec<String>>,
}

/// Takes the cache, then the log.
async fn remember(state: &State, joke: &str) {
    let mut cache = state.cache.lock().await;
    sleep(Duration::from_millis(1)).await; // say, writing the cache out
    let mut log = state.log.lock().await;
    cache.push(joke.to_string());
    log.push(format!("remembered {joke:?}"));
}

/// Takes the log, then the cache: the opposite order.
async fn audit(state: &State) -> String {
    let log = state.log.lock().await;
    sleep(Duration::from_millis(1)).await;
    let cache = state.cache.lock().await;
    format!("cache: {}, log: {}", cache.len(), log.len())
}

/// The fix: every task takes the two locks in the same order.
async fn audit_fixed(state: &State) -> String {
    let cache = state.cache.lock().await;
    sleep(Duration::from_millis(1)).await;
    let log = state.log.lock().await;
    format!("cache: {}, log: {}", cache.len(), log.len())
}
// ANCHOR_END: order

// ANCHOR: actor
enum Request {
    Get(oneshot::Sender<u32>),
    Double(oneshot::Sender<u32>),
}

#[derive(Clone)]
struct Counter {
    requests: mpsc::Sender<Request>,
}

impl Counter {
    async fn ask(&self, request: fn(oneshot::Sender<u32>) -> Request) -> u32 {
        let (reply, answer) = oneshot::channel();
        self.requests.send(request(reply)).await.unwrap();
        answer.await.unwrap()
    }
}

/// An actor that, to double its value, asks itself for the value.
async fn run_counter(mut requests: mpsc::Receiver<Request>, me: Counter) {
    let mut value = 21;
    while let Some(request) = requests.recv().await {
        match request {
            Request::Get(reply) => _ = reply.send(value),
            Request::Double(reply) => {
                // Waits for an answer only this loop can give: never.
                value = me.ask(Request::Get).await * 2;
                _ = reply.send(value);
            }
        }
    }
}

/// The fix: the actor uses its own state, and never messages itself.
async fn run_counter_fixed(mut requests: mpsc::Receiver<Request>) {
    let mut value = 21;
    while let Some(request) = requests.recv().await {
        match request {
            Request::Get(reply) => _ = reply.send(value),
            Request::Double(reply) => {
                value *= 2;
                _ = reply.send(value);
            }
        }
    }
}
// ANCHOR_END: actor

fn start_counter(fixed: bool) -> Counter {
    let (requests, inbox) = mpsc::channel(8);
    let counter = Counter { requests };
    if fixed {
        tokio::spawn(run_counter_fixed(inbox));
    } else {
        tokio::spawn(run_counter(inbox, counter.clone()));
    }
    counter
}

// ANCHOR: block_on
/// A synchronous function that waits for an async answer, written for
/// callers outside any runtime.
fn wait_for(answer: oneshot::Receiver<u32>) -> u32 {
    futures::executor::block_on(answer).unwrap()
}

/// Calls `wait_for` from async code, for an answer that a task of the
/// same runtime will send.
async fn answer_from_a_task(on_blocking_pool: bool) -> u32 {
    let (reply, answer) = oneshot::channel();
    tokio::spawn(async move { reply.send(42).unwrap() });
    if on_blocking_pool {
        tokio::task::spawn_blocking(move || wait_for(answer))
            .await
            .unwrap()
    } else {
        wait_for(answer) // blocks the thread that must run the sender
    }
}
// ANCHOR_END: block_on

fn one_thread() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

fn two_workers() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

/// Runs `answer_from_a_task` as a task (on a worker thread, as in a
/// server) of a new runtime, in a thread of its own, and waits for the
/// answer at most `patience`. A hung thread is left behind.
fn run_bounded(
    runtime: fn() -> Runtime,
    on_blocking_pool: bool,
    patience: Duration,
) -> Option<u32> {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let answer = runtime().block_on(async move {
            let task = tokio::spawn(answer_from_a_task(on_blocking_pool));
            task.await.unwrap()
        });
        let _ = done.send(answer); // the caller may have stopped waiting
    });
    result.recv_timeout(patience).ok()
}

/// How long a test waits for a call that should hang: if it has not
/// answered by then, it never will.
const HANG_WINDOW: Duration = Duration::from_millis(500);
/// How long a test waits for a call that should answer: far more than it
/// needs, even on a busy machine.
const ANSWER_WINDOW: Duration = Duration::from_secs(10);

const PATIENCE: Duration = Duration::from_secs(1);

// The paused clock: a deadlocked program leaves the runtime idle, so the
// clock jumps to the timeout at once.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let state = State::default();
    let both = async { tokio::join!(remember(&state, "pun"), audit(&state)) };
    println!(
        "opposite orders:       {:?}",
        timeout(PATIENCE, both).await.ok()
    );
    let state = State::default();
    let both =
        async { tokio::join!(remember(&state, "pun"), audit_fixed(&state)).1 };
    println!(
        "same order:            {:?}",
        timeout(PATIENCE, both).await.ok()
    );

    let counter = start_counter(false);
    let double = counter.ask(Request::Double);
    println!(
        "asking itself:         {:?}",
        timeout(PATIENCE, double).await.ok()
    );
    let counter = start_counter(true);
    let double = counter.ask(Request::Double);
    println!(
        "using its state:       {:?}",
        timeout(PATIENCE, double).await.ok()
    );

    let hang = |runtime| run_bounded(runtime, false, HANG_WINDOW);
    println!("block_on, one thread:  {:?}", hang(one_thread));
    println!("block_on, two workers: {:?}", hang(two_workers));
    let pool = run_bounded(one_thread, true, ANSWER_WINDOW);
    println!("on the blocking pool:  {pool:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn opposite_lock_orders_deadlock() {
        let state = State::default();
        let both =
            async { tokio::join!(remember(&state, "pun"), audit(&state)) };
        assert!(timeout(PATIENCE, both).await.is_err(), "timed out");
    }

    #[tokio::test(start_paused = true)]
    async fn one_lock_order_cannot_deadlock() {
        let state = State::default();
        let both = async {
            tokio::join!(remember(&state, "pun"), audit_fixed(&state))
        };
        let ((), audit) = timeout(PATIENCE, both).await.unwrap();
        assert_eq!(audit, "cache: 1, log: 1");
    }

    #[tokio::test(start_paused = true)]
    async fn an_actor_that_asks_itself_deadlocks() {
        let counter = start_counter(false);
        let double = counter.ask(Request::Double);
        assert!(timeout(PATIENCE, double).await.is_err(), "timed out");
    }

    #[tokio::test(start_paused = true)]
    async fn an_actor_that_uses_its_own_state_answers() {
        let counter = start_counter(true);
        assert_eq!(
            timeout(PATIENCE, counter.ask(Request::Double)).await,
            Ok(42)
        );
    }

    #[test]
    fn futures_block_on_in_a_task_hangs_instead_of_panicking() {
        assert_eq!(run_bounded(one_thread, false, HANG_WINDOW), None);
    }

    #[test]
    fn futures_block_on_hangs_with_two_workers_too() {
        // The sender sits in the blocked worker's LIFO slot, which the
        // other worker cannot steal from.
        assert_eq!(run_bounded(two_workers, false, HANG_WINDOW), None);
    }

    #[test]
    fn the_same_call_on_the_blocking_pool_returns() {
        for runtime in [one_thread, two_workers] {
            assert_eq!(run_bounded(runtime, true, ANSWER_WINDOW), Some(42));
        }
    }
}
