use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Runs `n` waits of `wait` each on a fixed pool of `pool` threads, which
/// take jobs from a shared queue. Returns the wall time.
fn thread_pool(n: usize, pool: usize, wait: Duration) -> Duration {
    let queue = Mutex::new(0..n);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..pool {
            scope.spawn(|| {
                // Take the next job; the guard is dropped before sleeping.
                while queue.lock().unwrap().next().is_some() {
                    std::thread::sleep(wait);
                }
            });
        }
    });
    start.elapsed()
}

/// The same waits, each in its own task on one thread.
fn tasks(n: usize, wait: Duration) -> Duration {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
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

fn main() {
    let (n, wait) = (200, Duration::from_millis(5));
    let ms = |d: Duration| d.as_millis();
    println!("pool of 8 threads: {} ms", ms(thread_pool(n, 8, wait)));
    println!("one task per wait: {} ms", ms(tasks(n, wait)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_pool_caps_how_many_waits_overlap() {
        // Waits long enough that a busy machine's delays of a few
        // milliseconds cannot change the outcome.
        let wait = Duration::from_millis(50);
        // 40 waits, 4 at a time: at least 10 rounds of 50 ms.
        assert!(thread_pool(40, 4, wait) >= wait * 10);
        // 40 tasks wait all at once: one round, far less than 10.
        let elapsed = tasks(40, wait);
        assert!(elapsed >= wait && elapsed < wait * 5, "{elapsed:?}");
    }
}
