use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

// ANCHOR: heartbeat
/// Starts a task that stands for every other task on the runtime: it
/// counts one tick per millisecond, as long as it gets the thread.
fn start_heartbeat() -> Arc<AtomicUsize> {
    let ticks = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&ticks);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(1)).await;
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    ticks
}

/// How many times the heartbeat ticked while `work` ran.
async fn ticks_during(ticks: &AtomicUsize, work: impl Future) -> usize {
    let before = ticks.load(Ordering::Relaxed);
    work.await;
    ticks.load(Ordering::Relaxed) - before
}
// ANCHOR_END: heartbeat

// ANCHOR: blocking
/// Stands for a blocking call: a database driver, `std::fs`, a DNS
/// lookup. It holds its thread for 30 ms.
fn blocking_lookup() -> u32 {
    std::thread::sleep(Duration::from_millis(30));
    42
}

async fn handle_blocking(lookup: impl FnOnce() -> u32) -> u32 {
    lookup() // wrong: blocks the thread that runs the tasks
}

async fn handle_async() -> u32 {
    tokio::time::sleep(Duration::from_millis(30)).await; // waits, yields
    42
}

async fn handle_on_blocking_pool(
    lookup: impl FnOnce() -> u32 + Send + 'static,
) -> u32 {
    tokio::task::spawn_blocking(lookup).await.unwrap()
}
// ANCHOR_END: blocking

// ANCHOR: cpu
/// One step of a computation: 1 ms of real CPU time, no waiting.
fn crunch_step() {
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1) {
        std::hint::spin_loop();
    }
}

const STEPS: u32 = 20;

async fn compute_inline(step: impl Fn()) -> u32 {
    for _ in 0..STEPS {
        step(); // not one .await in the whole loop
    }
    STEPS
}

async fn compute_yielding(step: impl Fn()) -> u32 {
    for _ in 0..STEPS {
        step();
        tokio::task::yield_now().await; // let the others in after each step
    }
    STEPS
}

async fn compute_on_rayon(step: impl Fn() + Send + 'static) -> u32 {
    let (done, result) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        for _ in 0..STEPS {
            step();
        }
        let _ = done.send(STEPS); // the receiver may have given up
    });
    result.await.unwrap()
}
// ANCHOR_END: cpu

fn verdict(ticks: usize) -> &'static str {
    if ticks == 0 {
        "the heartbeat missed every tick"
    } else {
        "the heartbeat kept ticking"
    }
}

// Real time on purpose: the point is a thread blocked for real.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let ticks = start_heartbeat();
    let t = &ticks;
    let runs = [
        (
            "std::thread::sleep",
            ticks_during(t, handle_blocking(blocking_lookup)).await,
        ),
        ("tokio::time::sleep", ticks_during(t, handle_async()).await),
        (
            "spawn_blocking",
            ticks_during(t, handle_on_blocking_pool(blocking_lookup)).await,
        ),
        (
            "CPU loop",
            ticks_during(t, compute_inline(crunch_step)).await,
        ),
        (
            "CPU loop, yield_now",
            ticks_during(t, compute_yielding(crunch_step)).await,
        ),
        (
            "CPU loop on rayon",
            ticks_during(t, compute_on_rayon(crunch_step)).await,
        ),
    ];
    for (name, ticks) in runs {
        println!("{name:<20} {}", verdict(ticks));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    // The default test runtime has one thread, like the listing's main.
    #[tokio::test]
    async fn a_blocking_call_stops_every_other_task() {
        let ticks = start_heartbeat();
        let ticked = ticks_during(&ticks, handle_blocking(blocking_lookup));
        assert_eq!(ticked.await, 0);
    }

    // The fixed versions are tested without a short real-time window. The
    // work cannot finish before the other tasks have had their turn: a
    // wait on the paused clock, or a step that holds its thread until the
    // heartbeat has ticked (5 s at most, which only a blocked runtime
    // reaches).

    /// A blocking step for the tests: holds its thread until the heartbeat
    /// has ticked at least once since the step was made, or 5 s passed.
    fn until_a_tick(ticks: &Arc<AtomicUsize>) -> impl Fn() + Send + 'static {
        let ticks = Arc::clone(ticks);
        let start = ticks.load(Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(5);
        move || {
            while ticks.load(Ordering::Relaxed) == start
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_micros(100));
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_async_wait_lets_the_other_tasks_run() {
        let ticks = start_heartbeat();
        // 30 ms on the paused clock: the heartbeat ticks at 1, 2, … ms.
        assert!(ticks_during(&ticks, handle_async()).await >= 29);
    }

    #[tokio::test]
    async fn spawn_blocking_keeps_the_runtime_free() {
        let ticks = start_heartbeat();
        let step = until_a_tick(&ticks);
        let lookup = move || {
            step();
            42
        };
        assert!(
            ticks_during(&ticks, handle_on_blocking_pool(lookup)).await > 0
        );
    }

    #[tokio::test]
    async fn a_cpu_loop_stops_every_other_task() {
        let ticks = start_heartbeat();
        assert_eq!(ticks_during(&ticks, compute_inline(crunch_step)).await, 0);
    }

    /// A task that is always ready to run: it counts each turn it gets.
    fn start_spinner() -> Arc<AtomicUsize> {
        let turns = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&turns);
        tokio::spawn(async move {
            loop {
                counter.fetch_add(1, Ordering::Relaxed);
                tokio::task::yield_now().await;
            }
        });
        turns
    }

    #[tokio::test]
    async fn yield_now_in_a_cpu_loop_lets_the_others_in() {
        // No clock at all: twenty yields, and the other ready task runs
        // in between. The same probe sees nothing in `compute_inline`.
        let turns = start_spinner();
        assert!(ticks_during(&turns, compute_yielding(crunch_step)).await > 0);
        assert_eq!(ticks_during(&turns, compute_inline(crunch_step)).await, 0);
    }

    #[tokio::test]
    async fn rayon_keeps_the_runtime_free() {
        let ticks = start_heartbeat();
        let step = until_a_tick(&ticks);
        assert!(ticks_during(&ticks, compute_on_rayon(step)).await > 0);
    }

    // ANCHOR: multi
    /// Blocks until `n` callers have arrived, or fails after a second.
    fn meet(arrived: &AtomicUsize, n: usize) {
        arrived.fetch_add(1, Ordering::SeqCst);
        let deadline = Instant::now() + Duration::from_secs(1);
        while arrived.load(Ordering::SeqCst) < n {
            assert!(Instant::now() < deadline, "the handlers never met");
            std::hint::spin_loop();
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_blocking_calls_stall_a_runtime_with_two_workers() {
        let ticks = start_heartbeat();
        while ticks.load(Ordering::Relaxed) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await; // it ticks
        }
        let started = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let handlers: Vec<_> = (0..2)
            .map(|_| {
                let ticks = Arc::clone(&ticks);
                let (started, finished) =
                    (Arc::clone(&started), Arc::clone(&finished));
                tokio::spawn(async move {
                    meet(&started, 2); // both workers are in a handler now
                    let ticked =
                        ticks_during(&ticks, handle_blocking(blocking_lookup))
                            .await;
                    meet(&finished, 2); // and stay there until both counted
                    ticked
                })
            })
            .collect();
        for handler in handlers {
            assert_eq!(handler.await.unwrap(), 0);
        }
    }
    // ANCHOR_END: multi

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_task_spawned_just_before_a_blocking_call_waits_for_it() {
        let handler = tokio::spawn(async {
            let ran = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&ran);
            // Goes into this worker's LIFO slot: no other worker takes it.
            tokio::spawn(async move { flag.store(true, Ordering::SeqCst) });
            // Blocks this worker for half a second; the other one is idle.
            std::thread::sleep(Duration::from_millis(500));
            ran.load(Ordering::SeqCst)
        });
        assert!(!handler.await.unwrap(), "the idle worker ran the task");
    }

    // What the heartbeat tests take for granted: the work really blocks,
    // for as long as it says, and does all its steps.

    #[tokio::test]
    async fn the_blocking_lookup_holds_its_thread_for_30_ms() {
        let start = Instant::now();
        assert_eq!(handle_blocking(blocking_lookup).await, 42);
        assert!(start.elapsed() >= Duration::from_millis(30));
    }

    #[test]
    fn a_crunch_step_takes_a_millisecond() {
        let start = Instant::now();
        crunch_step();
        assert!(start.elapsed() >= Duration::from_millis(1));
    }

    #[tokio::test]
    async fn every_computation_runs_all_its_steps() {
        let steps = Arc::new(AtomicUsize::new(0));
        let step = || {
            let steps = Arc::clone(&steps);
            move || _ = steps.fetch_add(1, Ordering::Relaxed)
        };
        assert_eq!(compute_inline(step()).await, STEPS);
        assert_eq!(compute_yielding(step()).await, STEPS);
        assert_eq!(compute_on_rayon(step()).await, STEPS);
        assert_eq!(steps.load(Ordering::Relaxed), 3 * STEPS as usize);
    }
}
