use std::time::{Duration, Instant};

use tokio::runtime::Builder;

// ANCHOR: waits
/// Starts `n` threads that each wait `wait` (a stand-in for a blocking
/// network call), and returns the wall time until all have finished.
fn threads(n: usize, wait: Duration) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|_| std::thread::spawn(move || std::thread::sleep(wait)))
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    start.elapsed()
}

/// Starts `n` tasks on one thread that each wait `wait` asynchronously,
/// and returns the wall time until all have finished.
fn tasks(n: usize, wait: Duration) -> Duration {
    let runtime = Builder::new_current_thread().enable_time().build();
    runtime.unwrap().block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..n)
            .map(|_| tokio::spawn(tokio::time::sleep(wait)))
            .collect();
        for handle in handles {
            handle.await.unwrap();
        }
        start.elapsed()
    })
}
// ANCHOR_END: waits

fn main() {
    // Full size in release builds; small in debug builds (`make test`).
    let (levels, wait) = if cfg!(debug_assertions) {
        ([1, 2, 4, 8, 16], Duration::from_millis(2))
    } else {
        ([10, 100, 1_000, 5_000, 10_000], Duration::from_millis(10))
    };
    println!("each unit waits {} ms; wall time until all are done", {
        wait.as_millis()
    });
    println!("concurrency    threads    tasks on 1 thread");
    for n in levels {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let (t, k) = (ms(threads(n, wait)), ms(tasks(n, wait)));
        println!("{n:>11}{t:>8.1} ms{k:>13.1} ms");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thread_drives_thousands_of_waiting_tasks() {
        // 5,000 waits of 50 ms, one after the other, would take 250 s.
        let wait = Duration::from_millis(50);
        let elapsed = tasks(5_000, wait);
        assert!(elapsed < wait * 20, "{elapsed:?}");
    }

    #[test]
    fn at_low_concurrency_threads_and_tasks_take_the_same_time() {
        let wait = Duration::from_millis(50);
        let (t, k) = (threads(8, wait), tasks(8, wait));
        assert!(t >= wait && k >= wait);
        // Both are the wait plus a little: no 2.5x either way.
        assert!(t.as_secs_f64() < 1.5 * k.as_secs_f64(), "{t:?} {k:?}");
        assert!(k.as_secs_f64() < 1.5 * t.as_secs_f64(), "{t:?} {k:?}");
    }

    #[test]
    fn at_high_concurrency_threads_pay_for_starting() {
        let wait = Duration::from_millis(20);
        let (t, k) = (threads(2_000, wait), tasks(2_000, wait));
        assert!(k < t, "threads {t:?}, tasks {k:?}");
    }
}
