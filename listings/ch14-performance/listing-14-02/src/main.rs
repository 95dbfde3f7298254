use std::hint::black_box;
use std::time::Instant;

use support::{CountAllocations, allocations};
use tokio::runtime::{Builder, Runtime};
use tokio::task::yield_now;

/// The system allocator, counting the allocations each thread makes.
#[global_allocator]
static ALLOCATOR: CountAllocations = CountAllocations;

/// Time (µs) and heap allocations, per operation.
#[derive(Debug, Clone, Copy)]
struct Cost {
    micros: f64,
    allocations: f64,
}

/// A stopwatch that also counts allocations.
struct Meter(Instant, usize);

impl Meter {
    fn start() -> Meter {
        Meter(Instant::now(), allocations())
    }

    fn per_op(self, n: usize) -> Cost {
        let made = allocations() - self.1;
        Cost {
            micros: self.0.elapsed().as_secs_f64() * 1e6 / n as f64,
            allocations: made as f64 / n as f64,
        }
    }
}

// ANCHOR: work
/// A small piece of async work that waits once, as real work would.
async fn work(x: u64) -> u64 {
    yield_now().await;
    black_box(x)
}

/// Start a thread and wait for it, `n` times.
fn spawn_threads(n: usize) -> Cost {
    let meter = Meter::start();
    for i in 0..n as u64 {
        std::thread::spawn(move || black_box(i)).join().unwrap();
    }
    meter.per_op(n)
}

/// Spawn a task running `work` and await it, `n` times.
async fn spawn_tasks(n: usize) -> Cost {
    let meter = Meter::start();
    for i in 0..n as u64 {
        tokio::spawn(work(i)).await.unwrap();
    }
    meter.per_op(n)
}

/// Run two `work`s at once inside this task, `n` times.
async fn join_two(n: usize) -> Cost {
    let meter = Meter::start();
    for i in 0..n as u64 {
        let (a, b) = tokio::join!(work(i), work(i + 1));
        black_box(a + b);
    }
    meter.per_op(n)
}

/// The same two `work`s, each in a spawned task, `n` times.
async fn spawn_two(n: usize) -> Cost {
    let meter = Meter::start();
    for i in 0..n as u64 {
        let (a, b) = (tokio::spawn(work(i)), tokio::spawn(work(i + 1)));
        black_box(a.await.unwrap() + b.await.unwrap());
    }
    meter.per_op(n)
}
// ANCHOR_END: work

fn runtime() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

fn main() {
    // Full size in release builds; small in debug builds (`make test`).
    let n = if cfg!(debug_assertions) { 200 } else { 20_000 };
    let rt = runtime();
    let rows = [
        ("thread: spawn + join", spawn_threads(n)),
        ("task: spawn + await", rt.block_on(spawn_tasks(n))),
        ("two futures, join!", rt.block_on(join_two(n))),
        ("two futures, two tasks", rt.block_on(spawn_two(n))),
    ];
    println!("operations: {n} of each, current-thread runtime");
    println!("                          time per op   allocations per op");
    for (name, cost) in rows {
        println!(
            "{name:24}{:>10.2} µs{:>15.1}",
            cost.micros, cost.allocations
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawning_a_task_is_cheaper_than_spawning_a_thread() {
        let thread = spawn_threads(200);
        let task = runtime().block_on(spawn_tasks(200));
        assert!(task.micros < thread.micros / 2.0, "{task:?} {thread:?}");
    }

    #[test]
    fn join_allocates_nothing_spawn_allocates_per_task() {
        let rt = runtime();
        let joined = rt.block_on(join_two(1000));
        let spawned = rt.block_on(spawn_two(1000));
        // One allocation per run at most (the runtime's own bookkeeping),
        // none per iteration.
        assert!(joined.allocations <= 0.001, "{joined:?}");
        assert!(spawned.allocations >= 2.0, "{spawned:?}"); // one per task
        assert!(joined.micros < spawned.micros, "{joined:?} {spawned:?}");
    }
}
