use std::hint::black_box;

use support::measure::{Spread, Stopwatch, repeat};
use support::{CountAllocations, allocations};
use tokio::runtime::{Builder, Runtime};
use tokio::task::yield_now;

/// The system allocator, counting the allocations each thread makes.
#[global_allocator]
static ALLOCATOR: CountAllocations = CountAllocations;

/// Wall time and CPU time (µs) and heap allocations, per operation.
#[derive(Debug, Clone, Copy)]
struct Cost {
    micros: f64,
    cpu_micros: f64,
    allocations: f64,
}

/// A stopwatch that also counts allocations.
struct Meter(Stopwatch, usize);

impl Meter {
    fn start() -> Meter {
        Meter(Stopwatch::start(), allocations())
    }

    fn per_op(self, n: usize) -> Cost {
        let times = self.0.times();
        let made = allocations() - self.1;
        let n = n as f64;
        Cost {
            micros: times.wall.as_secs_f64() * 1e6 / n,
            cpu_micros: times.cpu.as_secs_f64() * 1e6 / n,
            allocations: made as f64 / n,
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
    let runs = repeat(|| {
        [
            spawn_threads(n),
            rt.block_on(spawn_tasks(n)),
            rt.block_on(join_two(n)),
            rt.block_on(spawn_two(n)),
        ]
    });
    let names = [
        "thread: spawn + join",
        "task: spawn + await",
        "two futures, join!",
        "two futures, 2 tasks",
    ];
    println!("{n} of each, current-thread runtime; per operation,");
    println!("median (min–max) of 5 runs after a warm-up run");
    println!(
        "                          wall time, µs         CPU time, µs  allocs"
    );
    for (row, name) in names.iter().enumerate() {
        let spread = |f: fn(&Cost) -> f64| {
            Spread::of(runs.iter().map(|costs| f(&costs[row])))
        };
        let wall = spread(|c| c.micros);
        let cpu = spread(|c| c.cpu_micros);
        let allocations = spread(|c| c.allocations).median;
        println!("{name:21} {wall:>19.2} {cpu:>20.2} {allocations:>7.0}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest of three runs: a run the scheduler interrupted is slow,
    /// never fast, so the minimum is the figure least disturbed by a busy
    /// machine.
    fn best(f: impl Fn() -> Cost) -> Cost {
        let runs = [f(), f(), f()];
        runs.into_iter()
            .min_by(|a, b| a.micros.total_cmp(&b.micros))
            .unwrap()
    }

    // These run in debug builds, where Tokio's code is not optimised but
    // thread creation (the kernel, and the pre-compiled standard library)
    // is: debug mode slows the task side only, so it cannot reverse this.
    #[test]
    fn spawning_a_task_is_cheaper_than_spawning_a_thread() {
        let thread = best(|| spawn_threads(200));
        let task = best(|| runtime().block_on(spawn_tasks(200)));
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
        // Both sides are Tokio code, equally unoptimised in a debug build.
        let joined = best(|| rt.block_on(join_two(1000)));
        let spawned = best(|| rt.block_on(spawn_two(1000)));
        assert!(joined.micros < spawned.micros, "{joined:?} {spawned:?}");
    }

    #[test]
    fn work_waits_once_and_returns_its_input() {
        use std::task::{Context, Poll, Waker};
        let mut work = std::pin::pin!(work(7));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(work.as_mut().poll(&mut cx).is_pending());
        assert_eq!(work.as_mut().poll(&mut cx), Poll::Ready(7));
    }

    #[test]
    fn per_op_divides_the_times_by_the_count() {
        use std::time::Duration;
        use support::measure::cpu_time;
        let meter = Meter::start();
        let start = cpu_time();
        while cpu_time() < start + Duration::from_millis(10) {}
        // At least 10 ms of CPU time, and of wall time, over 100 operations:
        // at least 100 µs each (and the CPU time hardly more).
        let cost = meter.per_op(100);
        assert!((100.0..5_000.0).contains(&cost.cpu_micros), "{cost:?}");
        assert!((100.0..1e6).contains(&cost.micros), "{cost:?}");
    }
}
