use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use tokio::runtime::Builder;

/// What one waiting unit costs: time from spawn until it waits, and growth of
/// resident memory and address space (`None` without Linux's `/proc`).
struct Cost {
    spawn_us: f64,
    resident_kib: Option<f64>,
    address_kib: Option<f64>,
}

/// This process's resident memory (VmRSS) and address space (VmSize), in KiB.
fn memory_kib() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib = |name: &str| -> Option<f64> {
        let line = status.lines().find_map(|line| line.strip_prefix(name))?;
        line.trim().strip_suffix(" kB")?.parse().ok()
    };
    Some((kib("VmRSS:")?, kib("VmSize:")?))
}

/// What each of `n` units started since `start` costs, given the memory
/// figures from before they started.
fn cost_per_unit(n: usize, start: Instant, before: Option<(f64, f64)>) -> Cost {
    share(n, start.elapsed(), before, memory_kib())
}

/// Each unit's share of the time taken and of the memory growth.
fn share(
    n: usize,
    elapsed: Duration,
    before: Option<(f64, f64)>,
    after: Option<(f64, f64)>,
) -> Cost {
    let n = n as f64;
    let growth = after
        .zip(before)
        .map(|(now, then)| (now.0 - then.0, now.1 - then.1));
    Cost {
        spawn_us: elapsed.as_secs_f64() * 1e6 / n,
        resident_kib: growth.map(|(resident, _)| resident / n),
        address_kib: growth.map(|(_, address)| address / n),
    }
}

// ANCHOR: measure
/// Starts `n` tasks, then `n` threads, that each wait on a barrier twice: the
/// first wait tells us all of them are waiting, so we measure; the second one
/// releases them. Returns what one thread and one task cost.
fn measure(n: usize) -> (Cost, Cost) {
    // One OS thread runs every task: a current-thread runtime starts no
    // worker threads that would blur the figures. Tasks go first, so they
    // cannot reuse memory that the threads leave behind.
    let runtime = Builder::new_current_thread().build().unwrap();
    let task = runtime.block_on(async {
        let barrier = Arc::new(tokio::sync::Barrier::new(n + 1));
        let mut tasks = tokio::task::JoinSet::new();
        let (before, start) = (memory_kib(), Instant::now());
        for _ in 0..n {
            let barrier = barrier.clone();
            tasks.spawn(async move {
                barrier.wait().await;
                barrier.wait().await;
            });
        }
        barrier.wait().await; // all tasks are waiting now
        let cost = cost_per_unit(n, start, before);
        barrier.wait().await; // release them
        tasks.join_all().await;
        cost
    });

    let barrier = Barrier::new(n + 1);
    let thread = std::thread::scope(|scope| {
        let (before, start) = (memory_kib(), Instant::now());
        for _ in 0..n {
            scope.spawn(|| {
                barrier.wait();
                barrier.wait();
            });
        }
        barrier.wait(); // all threads are blocked now
        let cost = cost_per_unit(n, start, before);
        barrier.wait(); // release them; the scope joins them
        cost
    });
    (thread, task)
}
// ANCHOR_END: measure

/// A figure in KiB, or why there is none.
fn kib(figure: Option<f64>) -> String {
    match figure {
        Some(kib) => format!("{kib:.1} KiB"),
        None => "n/a (needs Linux /proc)".to_string(),
    }
}

fn main() {
    let n = 1000;
    let (thread, task) = measure(n);
    println!("waiting units: {n}");
    println!("              spawn time   resident memory   address space");
    for (name, c) in [("per thread", thread), ("per task", task)] {
        let (resident, address) = (kib(c.resident_kib), kib(c.address_kib));
        println!("{name:12}{:>9.1} µs{resident:>18}{address:>16}", c.spawn_us);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn each_unit_gets_its_share_of_the_time_and_the_growth() {
        let (before, after) =
            (Some((1_000.0, 5_000.0)), Some((1_400.0, 5_800.0)));
        let cost = super::share(4, Duration::from_millis(8), before, after);
        assert!(
            (cost.spawn_us - 2_000.0).abs() < 1e-6,
            "{} µs",
            cost.spawn_us
        );
        assert_eq!(
            (cost.resident_kib, cost.address_kib),
            (Some(100.0), Some(200.0))
        );
        let unknown = super::share(4, Duration::from_millis(8), None, after);
        assert_eq!((unknown.resident_kib, unknown.address_kib), (None, None));
    }

    #[test]
    fn a_waiting_task_costs_less_than_half_a_waiting_thread() {
        let (thread, task) = super::measure(200);
        let (t, k) = (thread.spawn_us, task.spawn_us);
        assert!(k < t / 2.0, "spawn: task {k:.1} µs, thread {t:.1} µs");
        if let (Some(t), Some(k)) = (thread.resident_kib, task.resident_kib) {
            assert!(k < t / 2.0, "memory: task {k:.1} KiB, thread {t:.1} KiB");
        }
    }
}
