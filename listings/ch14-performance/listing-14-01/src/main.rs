use std::sync::{Arc, Barrier};

use support::measure::{Spread, repeat};
use support::{CountBytes, heap_bytes};
use tokio::runtime::Builder;

/// The system allocator, counting the bytes currently allocated on the heap.
#[global_allocator]
static ALLOCATOR: CountBytes = CountBytes;

/// A `kB` figure from a Linux `/proc` file; zero elsewhere.
fn proc_kib(file: &str, name: &str) -> f64 {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let line = text.lines().find_map(|l| l.strip_prefix(name));
    let number = line.and_then(|l| l.trim().strip_suffix(" kB"));
    number.and_then(|n| n.parse().ok()).unwrap_or(0.0)
}

/// What one idle unit adds: heap bytes, resident KiB, address-space KiB,
/// and KiB of kernel stacks (counted for the whole system).
#[derive(Debug, Clone, Copy)]
struct Cost {
    heap_bytes: f64,
    resident_kib: f64,
    address_kib: f64,
    kernel_stack_kib: f64,
}

/// The process's memory at one moment.
struct Snapshot {
    heap: isize,
    resident: f64,
    address: f64,
    kernel_stack: f64,
}

impl Snapshot {
    fn now() -> Snapshot {
        let status = "/proc/self/status";
        Snapshot {
            heap: heap_bytes(),
            resident: proc_kib(status, "VmRSS:"),
            address: proc_kib(status, "VmSize:"),
            kernel_stack: proc_kib("/proc/meminfo", "KernelStack:"),
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
            // Other programs start and end threads too: this one is noisy.
            kernel_stack_kib: ((now.kernel_stack - self.kernel_stack) / n)
                .max(0.0),
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
        let threads: Vec<_> = (0..n)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    barrier.wait();
                })
            })
            .collect();
        barrier.wait(); // every thread is blocked now
        let cost = before.growth_per(n);
        barrier.wait();
        // Join each one: the next run must not start while these threads
        // are still exiting and holding their memory.
        for thread in threads {
            thread.join().unwrap();
        }
        cost
    })
}
// ANCHOR_END: idle

fn main() {
    // Full size in release builds (the figures in the book); a small size
    // in debug builds, which `make test` runs to check the program works.
    let n = if cfg!(debug_assertions) { 100 } else { 10_000 };
    // Tasks first in each run, so they cannot reuse memory that exited
    // threads leave behind. The warm-up run pays one-time costs.
    let runs = repeat(|| (idle_tasks(n), idle_threads(n)));
    println!("{n} idle tasks, then {n} threads; what each adds,");
    println!("median (min–max) of 5 runs after a warm-up run");
    println!("                           per task            per thread");
    type Figure = fn(&Cost) -> f64;
    let rows: [(&str, Figure); 4] = [
        ("heap, bytes", |c| c.heap_bytes),
        ("resident, KiB", |c| c.resident_kib),
        ("address space, KiB", |c| c.address_kib),
        ("kernel stacks, KiB", |c| c.kernel_stack_kib),
    ];
    for (name, figure) in rows {
        let task = Spread::of(runs.iter().map(|(t, _)| figure(t)));
        let thread = Spread::of(runs.iter().map(|(_, t)| figure(t)));
        println!("{name:19} {task:>18.1} {thread:>24.1}");
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
        // ...while a thread reserves std's 2 MiB stack (Linux's /proc says).
        let thread = idle_threads(100);
        if cfg!(target_os = "linux") {
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
        // Appendix A, Claim 18: a future woken and polled every 7 minutes
        // while it waits, as if waiting cost processor time; this test fails.
        #[cfg(feature = "counterfactual")]
        async fn counted(polls: Arc<AtomicUsize>, notify: Arc<Notify>) {
            let mut notified = std::pin::pin!(notify.notified());
            let minutes = std::time::Duration::from_secs(7 * 60);
            let mut every = tokio::time::interval(minutes);
            std::future::poll_fn(|cx| {
                polls.fetch_add(1, Ordering::Relaxed);
                while every.poll_tick(cx).is_ready() {}
                notified.as_mut().poll(cx)
            })
            .await
        }

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

    #[test]
    fn growth_per_unit_is_the_growth_divided_by_the_count() {
        let now = Snapshot::now();
        // As if 4 units had added 4,000,000 bytes and KiB of each kind.
        let grown = 4_000_000.0;
        let before = Snapshot {
            heap: now.heap - grown as isize,
            resident: now.resident - grown,
            address: now.address - grown,
            kernel_stack: now.kernel_stack - grown,
        };
        let cost = before.growth_per(4);
        assert_eq!(cost.heap_bytes, 1_000_000.0, "{cost:?}");
        // The others move a little by themselves (the kernel stacks are
        // counted for the whole system, 16 KiB for each thread started).
        let kib = [cost.resident_kib, cost.address_kib, cost.kernel_stack_kib];
        for figure in kib {
            assert!((990_000.0..1_010_000.0).contains(&figure), "{cost:?}");
        }
    }
}
