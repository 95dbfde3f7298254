use std::collections::HashSet;
use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use support::measure::{Spread, Times, repeat, timed};
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
        (64, 20_000_000)
    };
    let rt = runtime();
    let cores = std::thread::available_parallelism().unwrap();
    println!(
        "{jobs} CPU-bound jobs, {cores} cores; median (min–max) of 5 runs"
    );
    println!("after a warm-up run; cores busy = CPU time / wall time");
    println!(
        "{:14} {:>18} {:>18} {:>13} {:>10}",
        "", "wall time, ms", "CPU time, ms", "cores busy", "threads"
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    // Each run does both, one after the other, so that both meet the
    // same background load.
    let runs = repeat(|| {
        let ((_, blocking), b) =
            timed(|| rt.block_on(with_spawn_blocking(jobs, rounds)));
        let ((_, rayon), r) = timed(|| rt.block_on(with_rayon(jobs, rounds)));
        [(b, blocking), (r, rayon)]
    });
    for (i, name) in ["spawn_blocking", "rayon"].into_iter().enumerate() {
        let figure = |f: &dyn Fn(Times, usize) -> f64| {
            Spread::of(runs.iter().map(|run| f(run[i].0, run[i].1)))
        };
        let wall = figure(&|t, _| ms(t.wall));
        let cpu = figure(&|t, _| ms(t.cpu));
        let busy = figure(&|t, _| ms(t.cpu) / ms(t.wall));
        let threads = figure(&|_, n| n as f64);
        println!(
            "{name:14} {wall:>18.0} {cpu:>18.0} {busy:>13.1} {threads:>10.0}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Condvar;
    use std::sync::atomic::{AtomicUsize, Ordering};

    // Appendix A, Claim 16: a blocking pool of one thread per core, as a
    // place for heavy computation would have; the first test below fails.
    #[cfg(feature = "counterfactual")]
    fn runtime() -> Runtime {
        let cores = std::thread::available_parallelism().unwrap().get();
        Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(cores)
            .build()
            .unwrap()
    }

    /// Where `jobs` jobs meet: each waits until all of them are running at
    /// the same time, which needs a thread each (or 10 s have passed).
    struct Meeting {
        arrived: Mutex<usize>,
        all_here: Condvar,
        jobs: usize,
    }

    impl Meeting {
        /// Whether all the jobs met.
        fn attend(&self) -> bool {
            let mut arrived = self.arrived.lock().unwrap();
            *arrived += 1;
            self.all_here.notify_all();
            let limit = Duration::from_secs(10);
            let waiting = |arrived: &mut usize| *arrived < self.jobs;
            let wait =
                self.all_here.wait_timeout_while(arrived, limit, waiting);
            let (arrived, _) = wait.unwrap();
            *arrived >= self.jobs
        }
    }

    /// Counts, not times: `jobs` jobs that must all run at once get a
    /// thread each from the blocking pool, however many cores there are:
    /// each job found no idle thread, so the pool started one.
    #[test]
    fn spawn_blocking_starts_more_threads_than_there_are_cores() {
        let cores = std::thread::available_parallelism().unwrap().get();
        let jobs = (4 * cores).min(256); // under the default limit of 512
        let rt = runtime();
        let seen = Arc::default();
        let meeting = Arc::new(Meeting {
            arrived: Mutex::new(0),
            all_here: Condvar::new(),
            jobs,
        });
        let handles: Vec<_> = (0..jobs)
            .map(|_| {
                let (meeting, seen) = (Arc::clone(&meeting), Arc::clone(&seen));
                rt.spawn_blocking(move || {
                    compute(1_000, &seen);
                    meeting.attend()
                })
            })
            .collect();
        for handle in handles {
            assert!(rt.block_on(handle).unwrap(), "the jobs never all met");
        }
        let blocking = seen.lock().unwrap().len();
        assert_eq!(blocking, jobs, "{blocking} threads for {jobs} jobs");
    }

    /// Rayon's pool, which `with_rayon` uses, runs no more jobs at once
    /// than there are cores. Each job counts itself in while it runs and
    /// waits 20 ms, long enough for any idle pool thread to take the next
    /// job meanwhile; the high-water mark is how many ran at once. A pool
    /// with more threads than cores (`RAYON_NUM_THREADS=16`, or a pool
    /// built with `num_threads(16)`) fails the test.
    #[test]
    fn rayon_runs_no_more_jobs_at_once_than_there_are_cores() {
        let cores = std::thread::available_parallelism().unwrap().get();
        let jobs = 4 * cores;
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let (done, finished) = std::sync::mpsc::channel();
        for _ in 0..jobs {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            let done = done.clone();
            rayon::spawn(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
                done.send(()).unwrap();
            });
        }
        for _ in 0..jobs {
            finished.recv().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(most <= cores, "{most} jobs at once on {cores} cores");
    }

    /// The listing's two functions run their jobs and count the threads
    /// that ran them: at least one, and on rayon no more than the cores.
    #[test]
    fn both_pools_report_the_threads_that_ran_the_jobs() {
        let cores = std::thread::available_parallelism().unwrap().get();
        let rt = runtime();
        let (_, blocking) = rt.block_on(with_spawn_blocking(8, 1_000));
        assert!((1..=8).contains(&blocking), "{blocking} threads");
        let (_, rayon) = rt.block_on(with_rayon(8, 1_000));
        assert!((1..=cores).contains(&rayon), "{rayon} threads");
    }
}
