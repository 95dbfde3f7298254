//! Measuring the way the book publishes figures: one warm-up run, then
//! [`RUNS`] measured runs, reported as the median with the range beside it,
//! and the CPU time the process used next to the wall time.
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
    fn cpu_time_counts_work_not_sleep() {
        let ((), slept) =
            timed(|| std::thread::sleep(Duration::from_millis(50)));
        let (_, worked) = timed(|| {
            let start = Instant::now();
            let mut x = 0_u64;
            while start.elapsed() < Duration::from_millis(50) {
                x = std::hint::black_box(x.wrapping_add(1));
            }
        });
        // Sleeping uses almost no CPU; spinning uses CPU all along,
        // though on a busy machine the thread may wait for a core.
        assert!(slept.cpu < Duration::from_millis(20), "{slept:?}");
        assert!(worked.cpu > slept.cpu, "{worked:?} {slept:?}");
        const { assert!(RUNS >= 5) };
    }
}
