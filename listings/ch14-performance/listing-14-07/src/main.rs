use std::collections::HashSet;
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};
use tokio::sync::oneshot;

/// CPU-bound work: `rounds` steps of a cheap hash. Records which thread ran
/// it in `seen`.
fn compute(rounds: u64, seen: &Mutex<HashSet<ThreadId>>) -> u64 {
    seen.lock().unwrap().insert(std::thread::current().id());
    (0..rounds).fold(0_u64, |h, i| black_box(h.rotate_left(5) ^ i))
}

/// Wall time and the number of distinct threads the jobs ran on.
type Outcome = (Duration, usize);

/// CPU time this process has used so far (user + system), in ms, from
/// Linux's `/proc` (in steps of 10 ms); zero elsewhere.
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name; utime and stime are 12th and 13th.
    let fields = stat.rsplit(')').next().unwrap_or_default();
    let ticks: Vec<f64> = fields
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    ticks.iter().sum::<f64>() * 10.0 // 100 ticks per second on Linux
}

// ANCHOR: cpu
/// Runs `jobs` computations with `spawn_blocking`.
async fn with_spawn_blocking(jobs: usize, rounds: u64) -> Outcome {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let start = Instant::now();
    let handles: Vec<_> = (0..jobs)
        .map(|_| {
            let seen = Arc::clone(&seen);
            tokio::task::spawn_blocking(move || compute(rounds, &seen))
        })
        .collect();
    for handle in handles {
        handle.await.unwrap();
    }
    let threads = seen.lock().unwrap().len();
    (start.elapsed(), threads)
}

/// The same jobs on rayon's pool (one thread per core); each job sends its
/// result back to the async world through a oneshot channel.
async fn with_rayon(jobs: usize, rounds: u64) -> Outcome {
    let seen = Arc::new(Mutex::new(HashSet::new()));
    let start = Instant::now();
    let receivers: Vec<_> = (0..jobs)
        .map(|_| {
            let (tx, rx) = oneshot::channel();
            let seen = Arc::clone(&seen);
            rayon::spawn(move || {
                let _ = tx.send(compute(rounds, &seen));
            });
            rx
        })
        .collect();
    for rx in receivers {
        rx.await.unwrap();
    }
    let threads = seen.lock().unwrap().len();
    (start.elapsed(), threads)
}
// ANCHOR_END: cpu

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn main() {
    // Full size in release builds; small in debug builds (`make test`).
    let (jobs, rounds) = if cfg!(debug_assertions) {
        (16, 100_000)
    } else {
        (64, 50_000_000)
    };
    let rt = runtime();
    let cores = std::thread::available_parallelism().unwrap();
    println!("{jobs} CPU-bound jobs on a machine with {cores} cores");
    println!("                  wall time     CPU time   threads used");
    for name in ["spawn_blocking", "rayon"] {
        let cpu_before = cpu_ms();
        let (time, threads) = match name {
            "rayon" => rt.block_on(with_rayon(jobs, rounds)),
            _ => rt.block_on(with_spawn_blocking(jobs, rounds)),
        };
        let cpu = cpu_ms() - cpu_before;
        let ms = time.as_secs_f64() * 1e3;
        println!("{name:14}{ms:>10.1} ms{cpu:>10.0} ms{threads:>15}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawn_blocking_starts_more_threads_than_there_are_cores() {
        let cores = std::thread::available_parallelism().unwrap().get();
        let rt = runtime();
        let (_, blocking) = rt.block_on(with_spawn_blocking(32, 300_000));
        let (_, pool) = rt.block_on(with_rayon(32, 300_000));
        assert!(blocking > cores, "{blocking} threads, {cores} cores");
        assert!(pool <= rayon::current_num_threads());
    }
}
