use std::hint::black_box;
use std::sync::Arc;

use support::measure::{Spread, Stopwatch, Times, repeat};
use tokio::runtime::{Builder, Runtime};

/// The work done while the lock is held: `rounds` steps of a cheap hash
/// (none: just the addition), then adding 1 to the counter.
fn critical_section(counter: &mut usize, rounds: u32) {
    let mut h = *counter as u64;
    for i in 0..rounds {
        h = black_box(h.rotate_left(5) ^ u64::from(i));
    }
    black_box(h);
    *counter += 1;
}

// ANCHOR: mutex
/// `tasks` tasks each run the critical section `per_task` times, under a
/// `std::sync::Mutex`. Returns the times for all of them.
async fn std_mutex(tasks: usize, per_task: usize, rounds: u32) -> Times {
    let counter = Arc::new(std::sync::Mutex::new(0_usize));
    let stopwatch = Stopwatch::start();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let counter = Arc::clone(&counter);
        handles.push(tokio::spawn(async move {
            for _ in 0..per_task {
                critical_section(&mut counter.lock().unwrap(), rounds);
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    assert_eq!(*counter.lock().unwrap(), tasks * per_task);
    stopwatch.times()
}

/// The same with `tokio::sync::Mutex`, whose `lock` is an `async fn`.
async fn tokio_mutex(tasks: usize, per_task: usize, rounds: u32) -> Times {
    let counter = Arc::new(tokio::sync::Mutex::new(0_usize));
    let stopwatch = Stopwatch::start();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let counter = Arc::clone(&counter);
        handles.push(tokio::spawn(async move {
            for _ in 0..per_task {
                critical_section(&mut *counter.lock().await, rounds);
            }
        }));
    }
    for handle in handles {
        handle.await.unwrap();
    }
    assert_eq!(*counter.lock().await, tasks * per_task);
    stopwatch.times()
}
// ANCHOR_END: mutex

/// Two worker threads, as on the machine that measured the book's figures.
fn runtime() -> Runtime {
    let mut builder = Builder::new_multi_thread();
    builder.worker_threads(2).build().unwrap()
}

/// Nanoseconds per lock: wall time and CPU time.
fn per_lock(times: Times, locks: usize) -> (f64, f64) {
    let ns = |d: std::time::Duration| d.as_nanos() as f64 / locks as f64;
    (ns(times.wall), ns(times.cpu))
}

fn main() {
    // Full size in release builds; small in debug builds (`make test`).
    let scale = if cfg!(debug_assertions) { 1 } else { 250 };
    let rt = runtime();
    println!("lock, work, unlock, 2 worker threads; per lock, median");
    println!("(min–max) of 5 runs after a warm-up run");
    println!("                           wall time, ns          CPU time, ns");
    // (rounds of work under the lock, locks per row, label)
    let cases = [
        (0, 4_000 * scale, "add 1"),
        (1_000, 200 * scale, "1,000 hash steps"),
    ];
    for (rounds, locks, work) in cases {
        println!("work under the lock: {work}; {locks} locks per row");
        for tasks in [1, 4] {
            let per_task = locks / tasks;
            let runs = repeat(|| {
                let std = rt.block_on(std_mutex(tasks, per_task, rounds));
                let tokio = rt.block_on(tokio_mutex(tasks, per_task, rounds));
                (per_lock(std, locks), per_lock(tokio, locks))
            });
            for (name, pick) in [("std", 0), ("tokio", 1)] {
                let get = |r: &((f64, f64), (f64, f64))| [r.0, r.1][pick];
                let wall = Spread::of(runs.iter().map(|r| get(r).0));
                let cpu = Spread::of(runs.iter().map(|r| get(r).1));
                let s = if tasks == 1 { "" } else { "s" };
                let label = format!("{name}, {tasks} task{s}");
                println!("  {label:14} {wall:>23.1} {cpu:>21.1}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest wall time of three runs: a run the scheduler
    /// interrupted is slow, never fast.
    fn best(f: impl Fn() -> Times) -> f64 {
        (0..3)
            .map(|_| f().wall.as_secs_f64())
            .fold(f64::MAX, f64::min)
    }

    /// What a debug build can check: under contention, both mutexes let
    /// every addition through exactly once (each function asserts it).
    #[test]
    fn both_mutexes_count_every_addition_under_contention() {
        let rt = runtime();
        rt.block_on(std_mutex(4, 2_000, 10));
        rt.block_on(tokio_mutex(4, 2_000, 10));
    }

    #[test]
    fn per_lock_divides_both_times_by_the_locks() {
        let ms = std::time::Duration::from_millis;
        let times = Times {
            wall: ms(6),
            cpu: ms(3),
        };
        assert_eq!(per_lock(times, 1_000), (6_000.0, 3_000.0));
    }

    /// Release builds only. In a debug build Tokio's code is not optimised
    /// and `std`'s lock is mostly pre-compiled, so the test would pass
    /// whatever the designs cost: run it with `cargo test --release`.
    #[test]
    #[cfg_attr(debug_assertions, ignore = "meaningful in release mode only")]
    fn std_mutex_is_cheaper_when_not_held_across_await() {
        let rt = runtime();
        for tasks in [1, 4] {
            let per_task = 400_000 / tasks;
            let std = best(|| rt.block_on(std_mutex(tasks, per_task, 0)));
            let tokio = best(|| rt.block_on(tokio_mutex(tasks, per_task, 0)));
            assert!(std < tokio, "{tasks}: std {std:.3}, tokio {tokio:.3} s");
        }
    }
}
