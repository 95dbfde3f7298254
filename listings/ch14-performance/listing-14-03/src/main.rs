use std::sync::Arc;
use std::time::Instant;

use tokio::runtime::{Builder, Runtime};

// ANCHOR: mutex
/// `tasks` tasks each add 1 to a shared counter `per_task` times, under a
/// `std::sync::Mutex`. Returns nanoseconds per lock-and-unlock.
async fn std_mutex(tasks: usize, per_task: usize) -> f64 {
    let counter = Arc::new(std::sync::Mutex::new(0_usize));
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let counter = Arc::clone(&counter);
        handles.push(tokio::spawn(async move {
            for _ in 0..per_task {
                *counter.lock().unwrap() += 1;
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    assert_eq!(*counter.lock().unwrap(), tasks * per_task);
    start.elapsed().as_nanos() as f64 / (tasks * per_task) as f64
}

/// The same with `tokio::sync::Mutex`, whose `lock` is an `async fn`.
async fn tokio_mutex(tasks: usize, per_task: usize) -> f64 {
    let counter = Arc::new(tokio::sync::Mutex::new(0_usize));
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let counter = Arc::clone(&counter);
        handles.push(tokio::spawn(async move {
            for _ in 0..per_task {
                *counter.lock().await += 1;
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    assert_eq!(*counter.lock().await, tasks * per_task);
    start.elapsed().as_nanos() as f64 / (tasks * per_task) as f64
}
// ANCHOR_END: mutex

/// Two worker threads, as on the machine that measured the book's figures.
fn runtime() -> Runtime {
    let mut builder = Builder::new_multi_thread();
    builder.worker_threads(2).build().unwrap()
}

fn main() {
    // Full size in release builds; small in debug builds (`make test`).
    let total = if cfg!(debug_assertions) {
        4_000
    } else {
        4_000_000
    };
    let rt = runtime();
    rt.block_on(tokio_mutex(4, 1000)); // warm up: start the worker threads
    println!("lock, add 1, unlock: {total} times per row, 2 worker threads");
    println!("                       std::sync::Mutex   tokio::sync::Mutex");
    for (tasks, label) in
        [(1, "1 task, uncontended"), (4, "4 tasks, contended")]
    {
        let per_task = total / tasks;
        let std = rt.block_on(std_mutex(tasks, per_task));
        let tokio = rt.block_on(tokio_mutex(tasks, per_task));
        println!("{label:20}{std:>17.1} ns{tokio:>18.1} ns");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest of three runs: robust on a busy machine.
    fn best(f: impl Fn() -> f64) -> f64 {
        (0..3).map(|_| f()).fold(f64::MAX, f64::min)
    }

    #[test]
    fn std_mutex_is_cheaper_when_not_held_across_await() {
        let rt = runtime();
        for tasks in [1, 4] {
            let per_task = 20_000 / tasks;
            let std = best(|| rt.block_on(std_mutex(tasks, per_task)));
            let tokio = best(|| rt.block_on(tokio_mutex(tasks, per_task)));
            assert!(std < tokio, "{tasks}: std {std:.1}, tokio {tokio:.1} ns");
        }
    }
}
