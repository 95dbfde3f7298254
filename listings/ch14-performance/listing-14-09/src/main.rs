use std::hint::black_box;
use std::time::{Duration, Instant};

use support::measure::{Latencies, Spread, Stopwatch, repeat, timed};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::mpsc;

/// CPU-bound work with no `.await` in it: `rounds` steps of a cheap hash.
fn compute(rounds: u64) -> u64 {
    (0..rounds).fold(0_u64, |h, i| black_box(h.rotate_left(5) ^ i))
}

/// The load: `requests` requests, one due every `gap`; each computes for
/// `fast` rounds, and every hundredth for `slow` rounds.
#[derive(Debug, Clone, Copy)]
struct Load {
    requests: u32,
    gap: Duration,
    fast: u64,
    slow: u64,
}

impl Load {
    /// How many rounds the `i`th request computes, counting from 1.
    fn rounds(&self, i: u32) -> u64 {
        if i % 100 == 0 { self.slow } else { self.fast }
    }
}

// ANCHOR: serve
/// Sends the requests to `rt` from a thread of their own, each at the time
/// it is due, whether or not the earlier ones are done (an open loop), and
/// returns each request's latency, counted from when it was due.
fn serve(rt: &Runtime, load: Load) -> Vec<Duration> {
    let (done, mut latencies) = mpsc::unbounded_channel();
    let runtime = rt.handle().clone();
    let sender = std::thread::spawn(move || {
        let start = Instant::now();
        for i in 1..=load.requests {
            let due = start + load.gap * i;
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            let rounds = load.rounds(i);
            let done = done.clone();
            runtime.spawn(async move {
                black_box(compute(rounds));
                let _ = done.send(due.elapsed());
            });
        }
    });
    // The runtime runs the requests while this thread waits for the last
    // one: the channel closes when every sender is gone.
    let all = rt.block_on(async {
        let mut all = Vec::new();
        while let Some(latency) = latencies.recv().await {
            all.push(latency);
        }
        all
    });
    sender.join().unwrap();
    all
}

/// The two runtimes compared: one thread, or two worker threads.
fn runtimes() -> [(&'static str, Runtime); 2] {
    let one = Builder::new_current_thread().build().unwrap();
    let mut two = Builder::new_multi_thread();
    let two = two.worker_threads(2).build().unwrap();
    [("current_thread", one), ("multi_thread, 2", two)]
}
// ANCHOR_END: serve

/// The figures of one run on one runtime, in µs (latency) and ms.
#[derive(Debug, Clone, Copy)]
struct Run {
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
    mean: f64,
    cpu: f64,
    wall: f64,
}

fn measure(rt: &Runtime, load: Load) -> Run {
    let stopwatch = Stopwatch::start();
    let latencies = Latencies::new(serve(rt, load));
    let times = stopwatch.times();
    assert_eq!(latencies.len(), load.requests as usize);
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    Run {
        p50: us(latencies.percentile(50.0)),
        p90: us(latencies.percentile(90.0)),
        p99: us(latencies.percentile(99.0)),
        max: us(latencies.max()),
        mean: us(latencies.mean()),
        cpu: ms(times.cpu),
        wall: ms(times.wall),
    }
}

fn main() {
    // Full size in release builds; small in debug builds (`make test`).
    let load = if cfg!(debug_assertions) {
        let gap = Duration::from_micros(500);
        Load {
            requests: 200,
            gap,
            fast: 1_000,
            slow: 100_000,
        }
    } else {
        let gap = Duration::from_millis(1);
        Load {
            requests: 2_000,
            gap,
            fast: 12_000,
            slow: 12_500_000,
        }
    };
    let runtimes = runtimes();
    let cores = std::thread::available_parallelism().unwrap();
    let alone = repeat(|| timed(|| compute(load.slow)).1.cpu);
    let alone = Spread::of(alone.iter().map(|d| d.as_secs_f64() * 1e3));
    let (n, gap) = (load.requests, load.gap.as_micros());
    println!(
        "{n} requests, one due every {gap} µs (open loop), {cores} cores;"
    );
    println!(
        "each computes {} hash steps, every 100th {},",
        load.fast, load.slow
    );
    println!("with no .await (a 100th alone: {alone:.1} ms of CPU time)");
    println!("latency counted from when due, in µs; CPU and wall time of");
    println!("a run in ms; median (min–max) of 5 runs after a warm-up run");
    // Each run serves the load on both runtimes, one after the other, so
    // that both meet the same background load.
    let runs = repeat(|| runtimes.each_ref().map(|(_, rt)| measure(rt, load)));
    for (i, (name, _)) in runtimes.iter().enumerate() {
        let figure =
            |f: fn(&Run) -> f64| Spread::of(runs.iter().map(|r| f(&r[i])));
        println!("{name}");
        println!("  latency p50 {:>22.0}", figure(|r| r.p50));
        println!("  latency p90 {:>22.0}", figure(|r| r.p90));
        println!("  latency p99 {:>22.0}", figure(|r| r.p99));
        println!("  latency max {:>22.0}", figure(|r| r.max));
        println!("  latency mean {:>21.0}", figure(|r| r.mean));
        println!("  CPU time {:>25.0}", figure(|r| r.cpu));
        println!("  wall time {:>24.0}", figure(|r| r.wall));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Computes, with no `.await`, until `others` has been set or `limit`
    /// has passed, and says whether `others` was set meanwhile.
    fn compute_until(others: &AtomicBool, limit: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < limit {
            if others.load(Ordering::Acquire) {
                return true;
            }
            black_box(compute(1_000));
        }
        false
    }

    /// Whether a second request ran on `rt` while a first one computed.
    fn another_request_ran_meanwhile(rt: &Runtime, limit: Duration) -> bool {
        let ran = Arc::new(AtomicBool::new(false));
        let computing = {
            let ran = Arc::clone(&ran);
            rt.spawn(async move { compute_until(&ran, limit) })
        };
        let other = rt.spawn(async move { ran.store(true, Ordering::Release) });
        let saw_it = rt.block_on(computing).unwrap();
        rt.block_on(other).unwrap();
        saw_it
    }

    /// Events, not times. On one thread, a request that computes holds up
    /// every other: nothing else runs until it is done, however long it
    /// takes (here 100 ms). With two workers, the other worker runs the
    /// second request meanwhile (the limit of 10 s is only a safety net).
    #[test]
    fn a_computing_request_holds_up_one_thread_but_not_two_workers() {
        let [(_, one), (_, two)] = runtimes();
        let ms = Duration::from_millis;
        assert!(!another_request_ran_meanwhile(&one, ms(100)));
        assert!(another_request_ran_meanwhile(&two, ms(10_000)));
    }

    /// Every request is served and timed on both runtimes, and the last is
    /// not due before 300 gaps have passed: the requests are spread out.
    #[test]
    fn every_request_gets_a_latency() {
        let gap = Duration::from_micros(200);
        let load = Load {
            requests: 300,
            gap,
            fast: 100,
            slow: 10_000,
        };
        for (name, rt) in runtimes() {
            let start = Instant::now();
            let latencies = serve(&rt, load);
            assert!(start.elapsed() >= gap * 300, "{name}");
            assert_eq!(latencies.len(), 300, "{name}");
        }
    }

    /// Every hundredth request is a slow one, and only those.
    #[test]
    fn one_request_in_a_hundred_is_slow() {
        let gap = Duration::from_millis(1);
        let (fast, slow) = (1, 1_000);
        let load = Load {
            requests: 2_000,
            gap,
            fast,
            slow,
        };
        let slow_ones: Vec<u32> =
            (1..=2_000).filter(|&i| load.rounds(i) == slow).collect();
        let every_100th: Vec<u32> = (1..=20).map(|k| k * 100).collect();
        assert_eq!(slow_ones, every_100th);
        assert!((1..=2_000).all(|i| [fast, slow].contains(&load.rounds(i))));
    }

    /// A slow request's work takes processor time: `compute` really runs
    /// its rounds (10 million take milliseconds, even in a release build).
    #[test]
    fn computing_takes_processor_time() {
        let (_, times) = timed(|| black_box(compute(10_000_000)));
        assert!(times.cpu >= Duration::from_millis(2), "{times:?}");
    }
}
