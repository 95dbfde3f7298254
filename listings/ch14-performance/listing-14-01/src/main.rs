use std::sync::{Arc, Barrier};

use support::{CountBytes, heap_bytes};
use tokio::runtime::Builder;

/// The system allocator, counting the bytes currently allocated on the heap.
#[global_allocator]
static ALLOCATOR: CountBytes = CountBytes;

/// Resident memory (VmRSS) and address space (VmSize) in KiB, from Linux's
/// `/proc`; zero elsewhere.
fn memory_kib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status");
    let status = status.unwrap_or_default();
    let kib = |name: &str| -> f64 {
        let line = status.lines().find_map(|l| l.strip_prefix(name));
        let number = line.and_then(|l| l.trim().strip_suffix(" kB"));
        number.and_then(|n| n.parse().ok()).unwrap_or(0.0)
    };
    (kib("VmRSS:"), kib("VmSize:"))
}

/// What one idle unit adds: heap bytes, resident KiB, address-space KiB.
#[derive(Debug, Clone, Copy)]
struct Cost {
    heap_bytes: f64,
    resident_kib: f64,
    address_kib: f64,
}

/// The process's memory at one moment.
struct Snapshot {
    heap: isize,
    resident: f64,
    address: f64,
}

impl Snapshot {
    fn now() -> Snapshot {
        let (resident, address) = memory_kib();
        let heap = heap_bytes();
        Snapshot {
            heap,
            resident,
            address,
        }
    }

    /// What the process grew by since this snapshot, per unit.
    fn growth_per(&self, n: usize) -> Cost {
        let now = Snapshot::now();
        let n = n as f64;
        Cost {
            // Memory freed earlier can be reused, so growth can be below
            // zero; the table shows it as zero.
            heap_bytes: ((now.heap - self.heap) as f64 / n).max(0.0),
            resident_kib: ((now.resident - self.resident) / n).max(0.0),
            address_kib: ((now.address - self.address) / n).max(0.0),
        }
    }
}

// ANCHOR: idle
/// Starts `n` tasks on one thread that each wait on a barrier twice: the
/// first wait tells us all of them are idle, the second releases them.
fn idle_tasks(n: usize) -> Cost {
    let runtime = Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        let barrier = Arc::new(tokio::sync::Barrier::new(n + 1));
        let mut tasks = Vec::with_capacity(n);
        let before = Snapshot::now();
        for _ in 0..n {
            let barrier = Arc::clone(&barrier);
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                barrier.wait().await;
            }));
        }
        barrier.wait().await; // every task is idle now
        let cost = before.growth_per(n);
        barrier.wait().await;
        for task in tasks {
            task.await.unwrap();
        }
        cost
    })
}

/// The same with `n` threads, each blocked on a `std` barrier.
fn idle_threads(n: usize) -> Cost {
    let barrier = Barrier::new(n + 1);
    std::thread::scope(|scope| {
        let before = Snapshot::now();
        for _ in 0..n {
            scope.spawn(|| {
                barrier.wait();
                barrier.wait();
            });
        }
        barrier.wait(); // every thread is blocked now
        let cost = before.growth_per(n);
        barrier.wait();
        cost
    })
}
// ANCHOR_END: idle

fn main() {
    // Full size in release builds (the figures in the book); a small size
    // in debug builds, which `make test` runs to check the program works.
    let n = if cfg!(debug_assertions) { 100 } else { 10_000 };
    // Tasks first, so they cannot reuse memory the threads leave behind.
    let (task, thread) = (idle_tasks(n), idle_threads(n));
    println!("idle units: {n} tasks, then {n} threads");
    println!("              heap     resident memory   address space");
    for (name, c) in [("per thread", thread), ("per task", task)] {
        println!(
            "{name:12}{:>6.0} B{:>15.1} KiB{:>12.1} KiB",
            c.heap_bytes, c.resident_kib, c.address_kib
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::sync::Notify;

    #[test]
    fn an_idle_task_is_far_smaller_than_a_thread_stack() {
        let task = idle_tasks(1000);
        // A task is a heap object of a few hundred bytes...
        assert!(task.heap_bytes > 0.0, "{task:?}");
        assert!(task.heap_bytes < 4096.0, "{task:?}");
        // ...while a thread reserves a 2 MiB stack (std's default).
        let thread = idle_threads(100);
        if thread.address_kib > 0.0 {
            assert!(thread.address_kib >= 2048.0, "{thread:?}");
            assert!(task.heap_bytes / 1024.0 < thread.resident_kib);
        }
    }

    /// A future that counts how often it is polled.
    async fn counted(polls: Arc<AtomicUsize>, notify: Arc<Notify>) {
        let notified = notify.notified();
        let mut notified = std::pin::pin!(notified);
        std::future::poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            notified.as_mut().poll(cx)
        })
        .await
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiting_task_is_not_polled_until_woken() {
        let (polls, notify) = (Arc::default(), Arc::new(Notify::new()));
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let (p, n) = (Arc::clone(&polls), Arc::clone(&notify));
                tokio::spawn(counted(p, n))
            })
            .collect();
        // An hour of (paused) time passes while all 1,000 tasks wait.
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        assert_eq!(polls.load(Ordering::Relaxed), 1000); // once each
        notify.notify_waiters();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(polls.load(Ordering::Relaxed), 2000); // woken: once more
    }
}
