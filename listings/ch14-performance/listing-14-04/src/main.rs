use support::measure::repeat;
use support::measure::{Spread, Stopwatch, Times, current_cpu, pin_to_cpu};
use tokio::runtime::{Builder, Runtime};
use tokio::sync::mpsc;

// ANCHOR: channels
/// Sends `n` numbers from one task to another through a bounded tokio
/// channel.
async fn tokio_throughput(n: usize, capacity: usize) -> Times {
    let (tx, mut rx) = mpsc::channel(capacity);
    let stopwatch = Stopwatch::start();
    let producer = tokio::spawn(async move {
        for i in 0..n {
            tx.send(i).await.unwrap();
        }
    });
    let mut sum = 0;
    while let Some(i) = rx.recv().await {
        sum += i;
    }
    producer.await.unwrap();
    assert_eq!(sum, n * (n - 1) / 2);
    stopwatch.times()
}

/// The same between two threads, through a bounded `std` channel.
fn std_throughput(n: usize, capacity: usize) -> Times {
    let (tx, rx) = std::sync::mpsc::sync_channel(capacity);
    let stopwatch = Stopwatch::start();
    let producer = std::thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    let sum: usize = rx.iter().sum();
    producer.join().unwrap();
    assert_eq!(sum, n * (n - 1) / 2);
    stopwatch.times()
}

/// Ping-pong: a message goes to another task and back, `n` times, so each
/// round trip is two switches between tasks.
async fn tokio_round_trip(n: usize) -> Times {
    let (ping, mut pinged) = mpsc::channel::<usize>(1);
    let (pong, mut ponged) = mpsc::channel::<usize>(1);
    let echo = tokio::spawn(async move {
        while let Some(i) = pinged.recv().await {
            pong.send(i).await.unwrap();
        }
    });
    let stopwatch = Stopwatch::start();
    for i in 0..n {
        ping.send(i).await.unwrap();
        assert_eq!(ponged.recv().await, Some(i));
    }
    let times = stopwatch.times();
    drop(ping);
    echo.await.unwrap();
    times
}

/// The same between this thread and another. Each side wakes the other
/// through the kernel; if the two run on different CPUs, that is a wake-up
/// across CPUs, more than a switch. With `cpu`, the other thread is kept on
/// that CPU (pin this one there too, to measure switches on one CPU).
fn std_round_trip(n: usize, cpu: Option<usize>) -> Times {
    let (ping, pinged) = std::sync::mpsc::sync_channel::<usize>(1);
    let (pong, ponged) = std::sync::mpsc::sync_channel::<usize>(1);
    let echo = std::thread::spawn(move || {
        if let Some(cpu) = cpu {
            assert!(pin_to_cpu(cpu), "cannot pin to CPU {cpu}");
        }
        for i in pinged {
            pong.send(i).unwrap();
        }
    });
    let stopwatch = Stopwatch::start();
    for i in 0..n {
        ping.send(i).unwrap();
        assert_eq!(ponged.recv(), Ok(i));
    }
    let times = stopwatch.times();
    drop(ping);
    echo.join().unwrap();
    times
}
// ANCHOR_END: channels

fn runtime() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// Both sides of the ping-pong on one CPU: this thread's CPU, or the
/// first, as far as the system lets a thread choose.
fn pinned_round_trip(n: usize) -> Option<Times> {
    std::thread::scope(|scope| {
        let side = scope.spawn(|| {
            let cpu = current_cpu()?;
            pin_to_cpu(cpu).then(|| std_round_trip(n, Some(cpu)))
        });
        side.join().unwrap()
    })
}

/// Nanoseconds per operation, for `ops` operations that took `time`.
fn ns_per(time: std::time::Duration, ops: usize) -> f64 {
    time.as_nanos() as f64 / ops as f64
}

/// Prints one row: the median (min–max) of the runs' wall and CPU time
/// per operation, in ns.
fn row(label: &str, ops: usize, runs: &[Times]) {
    let wall = Spread::of(runs.iter().map(|t| ns_per(t.wall, ops)));
    let cpu = Spread::of(runs.iter().map(|t| ns_per(t.cpu, ops)));
    println!("{label:26} {ops:>8} {wall:>22.1} {cpu:>20.1}");
}

fn main() {
    // Full size in release builds; small in debug builds (`make test`).
    let scale = if cfg!(debug_assertions) { 1 } else { 500 };
    let rt = runtime();
    println!("median (min–max) of 5 runs after a warm-up run;");
    println!("tokio rows on a current-thread runtime");
    let (wall, cpu) = ("wall time, ns", "CPU time, ns");
    println!("{:26} {:>8} {wall:>22} {cpu:>20}", "per message", "count");
    for capacity in [1, 1024] {
        // Fewer messages where each one takes long.
        let n = if capacity == 1 { 200 } else { 2_000 } * scale;
        let runs = repeat(|| rt.block_on(tokio_throughput(n, capacity)));
        row(&format!("tokio mpsc, capacity {capacity}"), n, &runs);
        let runs = repeat(|| std_throughput(n, capacity));
        row(&format!("std mpsc, capacity {capacity}"), n, &runs);
    }
    println!(
        "{:26} {:>8} {wall:>22} {cpu:>20}",
        "per round trip", "count"
    );
    let n = 100 * scale;
    let runs = repeat(|| rt.block_on(tokio_round_trip(n)));
    row("2 tasks, 1 thread", n, &runs);
    let runs = repeat(|| std_round_trip(n, None));
    row("2 threads, any CPU", n, &runs);
    match pinned_round_trip(1) {
        Some(_) => {
            let runs = repeat(|| pinned_round_trip(n).unwrap());
            row("2 threads, pinned to 1 CPU", n, &runs);
        }
        None => println!("2 threads, pinned to 1 CPU: not possible here"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use support::measure::context_switches;

    /// The smallest wall time of three runs: a run the scheduler
    /// interrupted is slow, never fast.
    fn best(f: impl Fn() -> Times) -> f64 {
        (0..3)
            .map(|_| f().wall.as_secs_f64())
            .fold(f64::MAX, f64::min)
    }

    #[test]
    fn a_roomy_channel_moves_messages_more_cheaply() {
        let rt = runtime();
        let tight = best(|| rt.block_on(tokio_throughput(20_000, 1)));
        let roomy = best(|| rt.block_on(tokio_throughput(20_000, 1024)));
        assert!(roomy < tight, "capacity 1024: {roomy}, capacity 1: {tight}");
    }

    #[test]
    fn ns_per_divides_the_time_by_the_operations() {
        let time = std::time::Duration::from_micros(3);
        assert_eq!(ns_per(time, 1_000), 3.0);
    }

    /// How often the kernel switched this thread off its CPU during `f`.
    fn switches(f: impl FnOnce()) -> u64 {
        let before = context_switches();
        f();
        context_switches() - before
    }

    // Counts, not times: in a debug build Tokio's code is unoptimised, and
    // the two times come within a factor of 1.5 of each other.
    #[test]
    fn switching_tasks_needs_no_thread_switch() {
        let n = 2_000;
        // Both tasks run on this thread, which never has to give up its
        // CPU; a busy machine may still take it away a few times.
        let rt = runtime();
        let tasks = switches(|| {
            let _ = rt.block_on(tokio_round_trip(n));
        });
        assert!(tasks < n as u64 / 10, "{tasks} switches");
        // On one CPU, the other thread can answer only after the kernel
        // has switched this one off: at least once per round trip.
        let pinned = std::thread::spawn(move || {
            let cpu = current_cpu()?;
            pin_to_cpu(cpu).then(|| {
                switches(|| {
                    let _ = std_round_trip(n, Some(cpu));
                })
            })
        });
        if let Some(threads) = pinned.join().unwrap() {
            assert!(threads >= n as u64, "{threads} switches");
        }
    }
}
