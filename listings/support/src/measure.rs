//! Measuring the way the book publishes figures: one warm-up run, then
//! [`RUNS`] measured runs, reported as the median with the range beside it,
//! and the CPU time the process used next to the wall time; and the
//! percentiles of a set of latencies ([`Latencies`]).
//!
//! ```
//! use support::measure::{Spread, repeat, timed};
//!
//! let runs = repeat(|| timed(|| (0..1_000_u64).sum::<u64>()).1);
//! let wall = Spread::of(runs.iter().map(|t| t.wall.as_secs_f64() * 1e6));
//! println!("{wall:.1} µs"); // for example `0.4 (0.3–0.9) µs`
//! assert!(wall.min <= wall.median && wall.median <= wall.max);
//! ```

use std::fmt;
use std::time::{Duration, Instant};

/// How many measured runs follow the warm-up run.
pub const RUNS: usize = 5;

/// Calls `run` once to warm up (lazily started threads, caches, the
/// allocator's free lists), throws that result away, then calls it
/// [`RUNS`] times and returns what those runs returned.
pub fn repeat<T>(mut run: impl FnMut() -> T) -> Vec<T> {
    run();
    (0..RUNS).map(|_| run()).collect()
}

/// The wall time of a piece of work, and the CPU time the whole process
/// used meanwhile: all its threads, in user and in system (kernel) mode.
/// CPU time above wall time means several cores worked at once.
#[derive(Debug, Clone, Copy)]
pub struct Times {
    pub wall: Duration,
    pub cpu: Duration,
}

/// Runs `f` and returns its result with the [`Times`] it took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Times) {
    let stopwatch = Stopwatch::start();
    let value = f();
    (value, stopwatch.times())
}

/// Measures [`Times`] from its start to each call of [`Stopwatch::times`],
/// for code that cannot go in a closure, such as code with `.await`s.
#[derive(Debug, Clone, Copy)]
pub struct Stopwatch {
    wall: Instant,
    cpu: Duration,
}

impl Stopwatch {
    pub fn start() -> Stopwatch {
        Stopwatch {
            cpu: cpu_time(),
            wall: Instant::now(),
        }
    }

    /// The wall time and the process's CPU time since the start.
    pub fn times(&self) -> Times {
        let wall = self.wall.elapsed();
        let cpu = cpu_time().saturating_sub(self.cpu);
        Times { wall, cpu }
    }
}

/// The CPU time this process has used so far, by all its threads (those
/// that have finished included), user plus system; from `getrusage`.
/// Zero on systems without it.
pub fn cpu_time() -> Duration {
    #[cfg(unix)]
    {
        // SAFETY: `getrusage` only writes the struct it is given, and an
        // all-zero `rusage` is a valid value of that plain C struct.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
                return Duration::ZERO;
            }
            usage
        };
        let time = |t: libc::timeval| {
            Duration::from_secs(t.tv_sec as u64)
                + Duration::from_micros(t.tv_usec as u64)
        };
        time(usage.ru_utime) + time(usage.ru_stime)
    }
    #[cfg(not(unix))]
    Duration::ZERO
}

/// How many times the kernel has switched the calling thread off its CPU
/// so far: because it blocked (waiting for a lock, a channel, a sleep) or
/// because its time was up. Linux only; zero elsewhere.
pub fn context_switches() -> u64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: as in `cpu_time`; RUSAGE_THREAD is the calling thread.
        let usage = unsafe {
            let mut usage: libc::rusage = std::mem::zeroed();
            if libc::getrusage(libc::RUSAGE_THREAD, &mut usage) != 0 {
                return 0;
            }
            usage
        };
        (usage.ru_nvcsw + usage.ru_nivcsw) as u64
    }
    #[cfg(not(target_os = "linux"))]
    0
}

/// The CPU the calling thread is running on now, if the system says.
pub fn current_cpu() -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `sched_getcpu` takes no arguments and touches no memory.
        let cpu = unsafe { libc::sched_getcpu() };
        usize::try_from(cpu).ok()
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// Keeps the calling thread on one CPU, `cpu` (counted from 0), from now
/// on. Returns whether it could: only Linux is supported.
pub fn pin_to_cpu(cpu: usize) -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `cpu_set_t` is a plain bit set for which all zeros is
        // valid (the empty set); `CPU_SET` and `sched_setaffinity` only
        // touch the set they are given, and 0 means the calling thread.
        unsafe {
            let mut set: libc::cpu_set_t = std::mem::zeroed();
            libc::CPU_SET(cpu, &mut set);
            let size = std::mem::size_of::<libc::cpu_set_t>();
            libc::sched_setaffinity(0, size, &set) == 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = cpu;
        false
    }
}

/// The median, the smallest and the largest of a set of figures.
///
/// It prints as `median (min–max)`; a precision applies to each number and
/// a width to the whole text, right-aligned: `format!("{:20.1}", spread)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// # Panics
    ///
    /// If there are no figures, or one is NaN.
    pub fn of(figures: impl IntoIterator<Item = f64>) -> Spread {
        let mut sorted: Vec<f64> = figures.into_iter().collect();
        assert!(!sorted.is_empty(), "no figures");
        sorted.sort_by(|a, b| a.partial_cmp(b).expect("a figure is NaN"));
        let middle = sorted.len() / 2;
        let median = if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            (sorted[middle - 1] + sorted[middle]) / 2.0
        };
        Spread {
            median,
            min: sorted[0],
            max: sorted[sorted.len() - 1],
        }
    }
}

impl fmt::Display for Spread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = f.precision().unwrap_or(1);
        let text =
            format!("{:.p$} ({:.p$}–{:.p$})", self.median, self.min, self.max);
        // Right-aligned in the width, counted in characters (`–` is three
        // bytes).
        let width = f.width().unwrap_or(0);
        write!(f, "{text:>width$}")
    }
}

/// A set of latencies, sorted once, to read percentiles from.
///
/// The `p`th percentile is the nearest-rank one: the smallest latency that
/// at least `p` percent of the latencies do not exceed. `percentile(50.0)`
/// is the median, `percentile(100.0)` the largest.
///
/// ```
/// use std::time::Duration;
/// use support::measure::Latencies;
///
/// let ms = Duration::from_millis;
/// // 98 requests of 1 ms and 2 of 100 ms, in any order.
/// let all = (0..100).map(|i| if i % 50 == 7 { ms(100) } else { ms(1) });
/// let latencies = Latencies::new(all);
/// assert_eq!(latencies.percentile(50.0), ms(1));
/// assert_eq!(latencies.percentile(99.0), ms(100));
/// assert_eq!(latencies.mean(), Duration::from_micros(2_980));
/// ```
#[derive(Debug, Clone)]
pub struct Latencies {
    sorted: Vec<Duration>,
}

impl Latencies {
    /// # Panics
    ///
    /// If there are no latencies.
    pub fn new(latencies: impl IntoIterator<Item = Duration>) -> Latencies {
        let mut sorted: Vec<Duration> = latencies.into_iter().collect();
        assert!(!sorted.is_empty(), "no latencies");
        sorted.sort_unstable();
        Latencies { sorted }
    }

    /// How many latencies there are.
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Always false: a `Latencies` holds at least one latency.
    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// The nearest-rank `p`th percentile, for `p` above 0 and at most 100:
    /// the latency at rank ⌈`p` / 100 × n⌉, counting from 1 in sorted order.
    ///
    /// # Panics
    ///
    /// If `p` is not above 0 and at most 100.
    pub fn percentile(&self, p: f64) -> Duration {
        assert!(p > 0.0 && p <= 100.0, "percentile {p} is not in (0, 100]");
        let n = self.sorted.len();
        // In integer hundredths of a percent, so that 99% of 1,000 is rank
        // 990 exactly, not 990.000…1 rounded up to 991.
        let hundredths = (p * 100.0).round() as usize;
        let rank = (hundredths * n).div_ceil(10_000).max(1);
        self.sorted[rank - 1]
    }

    /// The largest latency.
    pub fn max(&self) -> Duration {
        self.sorted[self.sorted.len() - 1]
    }

    /// The arithmetic mean: the total divided by the count.
    pub fn mean(&self) -> Duration {
        let total: Duration = self.sorted.iter().sum();
        total / self.sorted.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_figure_and_the_range_its_ends() {
        let odd = Spread::of([5.0, 1.0, 9.0, 2.0, 3.0]);
        assert_eq!((odd.median, odd.min, odd.max), (3.0, 1.0, 9.0));
        assert_eq!(Spread::of([4.0, 1.0, 2.0, 8.0]).median, 3.0);
        assert_eq!(format!("{odd:>16.1}"), "   3.0 (1.0–9.0)");
    }

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let us = Duration::from_micros;
        // 1 to 100 µs, shuffled: percentile p is p µs exactly.
        let shuffled = (1..=100_u64).map(|i| us((i * 37) % 100 + 1));
        let latencies = Latencies::new(shuffled);
        for p in [1, 10, 50, 90, 99, 100] {
            assert_eq!(latencies.percentile(p as f64), us(p), "p{p}");
        }
        assert_eq!((latencies.len(), latencies.is_empty()), (100, false));
        assert_eq!(latencies.percentile(0.5), us(1));
        assert_eq!(latencies.percentile(99.5), us(100));
        assert_eq!(latencies.max(), us(100));
        assert_eq!(latencies.mean(), Duration::from_nanos(50_500));
        // 1,000 values: p99 is the 990th, p99.9 the 999th.
        let thousand = Latencies::new((1..=1_000).rev().map(us));
        assert_eq!(thousand.percentile(99.0), us(990));
        assert_eq!(thousand.percentile(99.9), us(999));
        assert_eq!(Latencies::new([us(7)]).percentile(1.0), us(7));
    }

    #[test]
    fn repeat_throws_the_warm_up_run_away() {
        let mut calls = 0;
        let kept = repeat(|| {
            calls += 1;
            calls
        });
        assert_eq!(kept, [2, 3, 4, 5, 6]);
    }

    /// The kernel's own counts of the calling thread's voluntary and
    /// involuntary context switches.
    #[cfg(target_os = "linux")]
    fn proc_switches() -> (u64, u64) {
        let status =
            std::fs::read_to_string("/proc/thread-self/status").unwrap();
        let field = |name: &str| -> u64 {
            let line = status.lines().find_map(|l| l.strip_prefix(name));
            line.unwrap().trim().parse().unwrap()
        };
        (
            field("voluntary_ctxt_switches:"),
            field("nonvoluntary_ctxt_switches:"),
        )
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn context_switches_adds_up_both_kinds_that_linux_counts() {
        use std::sync::atomic::{AtomicBool, Ordering};
        std::thread::spawn(|| {
            // Voluntary switches: each sleep gives the CPU up.
            for _ in 0..10 {
                std::thread::sleep(Duration::from_millis(1));
            }
            // Involuntary ones: with more busy threads than CPUs, the
            // kernel has to take the CPU away from this one now and then.
            let stop = AtomicBool::new(false);
            let cpus = std::thread::available_parallelism().unwrap().get();
            std::thread::scope(|s| {
                for _ in 0..cpus {
                    s.spawn(|| {
                        while !stop.load(Ordering::Relaxed) {
                            std::hint::spin_loop();
                        }
                    });
                }
                let start = Instant::now();
                while proc_switches().1 < 2
                    && start.elapsed() < Duration::from_secs(10)
                {
                    std::hint::spin_loop();
                }
                stop.store(true, Ordering::Relaxed);
            });
            // The sum, as read just before and just after.
            let before = proc_switches();
            let counted = context_switches();
            let after = proc_switches();
            assert!(before.0 >= 10 && before.1 >= 2, "{before:?}");
            let (low, high) = (before.0 + before.1, after.0 + after.1);
            assert!(low <= counted && counted <= high, "{counted} {after:?}");
        })
        .join()
        .unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_pinned_to_a_cpu_runs_on_that_cpu() {
        std::thread::spawn(|| {
            // SAFETY: as in `pin_to_cpu`; `sched_getaffinity` only writes
            // the set it is given, and `CPU_ISSET` only reads it.
            let allowed: Vec<usize> = unsafe {
                let mut set: libc::cpu_set_t = std::mem::zeroed();
                let size = std::mem::size_of::<libc::cpu_set_t>();
                assert_eq!(libc::sched_getaffinity(0, size, &mut set), 0);
                (0..libc::CPU_SETSIZE as usize)
                    .filter(|&cpu| libc::CPU_ISSET(cpu, &set))
                    .collect()
            };
            for &cpu in &allowed {
                assert!(pin_to_cpu(cpu), "CPU {cpu} of {allowed:?}");
                assert_eq!(current_cpu(), Some(cpu));
            }
            // No machine this runs on has 1,024 CPUs.
            assert!(!pin_to_cpu(1023));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn cpu_time_counts_work_not_sleep() {
        // Under `cargo test` the crate's other tests run on other threads
        // of this process and use CPU meanwhile, so one sleep can show CPU
        // time that is theirs: keep the quietest of ten. A `cpu_time` that
        // counts sleeping shows 50 ms on every one of them.
        let slept = (0..10)
            .map(|_| timed(|| std::thread::sleep(Duration::from_millis(50))).1)
            .min_by_key(|times| times.cpu)
            .unwrap();
        // Spin until the process has used 30 ms of CPU time: on a busy
        // machine the thread may wait for a core, so the wall time it takes
        // varies; a `cpu_time` that does not count work never gets there.
        let (_, worked) = timed(|| {
            let (start, cpu) = (Instant::now(), cpu_time());
            let mut x = 0_u64;
            while cpu_time() - cpu < Duration::from_millis(30)
                && start.elapsed() < Duration::from_secs(10)
            {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        });
        // Sleeping uses almost no CPU; spinning uses CPU all along.
        assert!(slept.cpu < Duration::from_millis(20), "{slept:?}");
        assert!(worked.cpu >= Duration::from_millis(30), "{worked:?}");
        const { assert!(RUNS >= 5) };
    }
}
