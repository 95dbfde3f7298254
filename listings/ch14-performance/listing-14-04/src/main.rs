use std::time::Instant;

use tokio::runtime::{Builder, Runtime};
use tokio::sync::mpsc;

// ANCHOR: channels
/// Sends `n` numbers from one task to another through a bounded tokio
/// channel. Returns nanoseconds per message.
async fn tokio_throughput(n: usize, capacity: usize) -> f64 {
    let (tx, mut rx) = mpsc::channel(capacity);
    let start = Instant::now();
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
    start.elapsed().as_nanos() as f64 / n as f64
}

/// The same between two threads, through a bounded `std` channel.
fn std_throughput(n: usize, capacity: usize) -> f64 {
    let (tx, rx) = std::sync::mpsc::sync_channel(capacity);
    let start = Instant::now();
    let producer = std::thread::spawn(move || {
        for i in 0..n {
            tx.send(i).unwrap();
        }
    });
    let sum: usize = rx.iter().sum();
    producer.join().unwrap();
    assert_eq!(sum, n * (n - 1) / 2);
    start.elapsed().as_nanos() as f64 / n as f64
}

/// Ping-pong: a message goes to another task and back, `n` times, so each
/// round trip is two switches between tasks. Nanoseconds per round trip.
async fn tokio_round_trip(n: usize) -> f64 {
    let (ping, mut pinged) = mpsc::channel::<usize>(1);
    let (pong, mut ponged) = mpsc::channel::<usize>(1);
    let echo = tokio::spawn(async move {
        while let Some(i) = pinged.recv().await {
            pong.send(i).await.unwrap();
        }
    });
    let start = Instant::now();
    for i in 0..n {
        ping.send(i).await.unwrap();
        assert_eq!(ponged.recv().await, Some(i));
    }
    let nanos = start.elapsed().as_nanos() as f64 / n as f64;
    drop(ping);
    echo.await.unwrap();
    nanos
}

/// The same between two threads: each round trip is two thread switches.
fn std_round_trip(n: usize) -> f64 {
    let (ping, pinged) = std::sync::mpsc::sync_channel::<usize>(1);
    let (pong, ponged) = std::sync::mpsc::sync_channel::<usize>(1);
    let echo = std::thread::spawn(move || {
        for i in pinged {
            pong.send(i).unwrap();
        }
    });
    let start = Instant::now();
    for i in 0..n {
        ping.send(i).unwrap();
        assert_eq!(ponged.recv(), Ok(i));
    }
    let nanos = start.elapsed().as_nanos() as f64 / n as f64;
    drop(ping);
    echo.join().unwrap();
    nanos
}
// ANCHOR_END: channels

fn runtime() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

fn main() {
    // Full size in release builds; small in debug builds (`make test`).
    let n = if cfg!(debug_assertions) {
        2_000
    } else {
        2_000_000
    };
    let rt = runtime();
    println!("{n} messages per row; tokio rows on a current-thread runtime");
    println!("                                      per message");
    for capacity in [1, 1024] {
        let nanos = rt.block_on(tokio_throughput(n, capacity));
        println!("tokio mpsc, capacity {capacity:<5} 2 tasks{nanos:>10.1} ns");
    }
    for capacity in [1, 1024] {
        let nanos = std_throughput(n, capacity);
        println!("std mpsc, capacity {capacity:<5} 2 threads{nanos:>10.1} ns");
    }
    let n = n / 10;
    println!("{n} round trips (ping-pong)");
    println!("                                   per round trip");
    let nanos = rt.block_on(tokio_round_trip(n));
    println!("between 2 tasks, 1 thread         {nanos:>10.1} ns");
    let nanos = std_round_trip(n);
    println!("between 2 threads                 {nanos:>10.1} ns");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest of three runs: robust on a busy machine.
    fn best(f: impl Fn() -> f64) -> f64 {
        (0..3).map(|_| f()).fold(f64::MAX, f64::min)
    }

    #[test]
    fn a_roomy_channel_moves_messages_more_cheaply() {
        let rt = runtime();
        let tight = best(|| rt.block_on(tokio_throughput(20_000, 1)));
        let roomy = best(|| rt.block_on(tokio_throughput(20_000, 1024)));
        assert!(roomy < tight, "capacity 1024: {roomy}, capacity 1: {tight}");
    }

    #[test]
    fn switching_tasks_is_cheaper_than_switching_threads() {
        let rt = runtime();
        let tasks = best(|| rt.block_on(tokio_round_trip(2_000)));
        let threads = best(|| std_round_trip(2_000));
        assert!(tasks < threads, "tasks {tasks}, threads {threads}");
    }
}
