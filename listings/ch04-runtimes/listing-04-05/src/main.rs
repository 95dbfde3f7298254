use std::collections::BTreeSet;
use std::thread;

use tokio::runtime::{Builder, Runtime};

// ANCHOR: observe
/// The name of the thread this code runs on. Names, unlike thread ids,
/// are the same on every run, so the output can be checked.
fn thread_name() -> String {
    thread::current().name().unwrap_or("(unnamed)").to_string()
}

/// Spawns eight tasks and reports where the `block_on` body ran and the
/// names of the threads the tasks ran on.
fn where_things_run(runtime: &Runtime) -> (String, BTreeSet<String>) {
    runtime.block_on(async {
        let handles: Vec<_> = (0..8)
            .map(|_| tokio::spawn(async { thread_name() }))
            .collect();
        let mut task_threads = BTreeSet::new();
        for handle in handles {
            task_threads.insert(handle.await.unwrap());
        }
        (thread_name(), task_threads)
    })
}
// ANCHOR_END: observe

// ANCHOR: main
fn main() {
    let current_thread = Builder::new_current_thread()
        .enable_all() // turn on the I/O and time drivers
        .build()
        .unwrap();
    let (body, tasks) = where_things_run(&current_thread);
    println!("current-thread runtime: body on {body:?}, tasks on {tasks:?}");

    let multi_thread = Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("worker")
        .enable_all()
        .build()
        .unwrap();
    let (body, tasks) = where_things_run(&multi_thread);
    println!("multi-thread runtime:   body on {body:?}, tasks on {tasks:?}");
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::{Arc, Barrier, mpsc};
    use std::thread::ThreadId;
    use std::time::Duration;

    // Appendix A, Claim 7: `tokio::spawn` runs each task on another thread,
    // one of the blocking pool's; the first test below fails.
    #[cfg(feature = "counterfactual")]
    mod tokio {
        pub use ::tokio::*;

        pub fn spawn<F>(future: F) -> task::JoinHandle<F::Output>
        where
            F: Future<Output: Send + 'static> + Send + 'static,
        {
            let runtime = runtime::Handle::current();
            task::spawn_blocking(move || runtime.block_on(future))
        }
    }

    fn thread_id() -> ThreadId {
        thread::current().id()
    }

    #[test]
    fn on_a_current_thread_runtime_spawned_tasks_run_on_the_caller() {
        let runtime = Builder::new_current_thread().build().unwrap();
        let caller = thread_id();
        let task = runtime
            .block_on(async { tokio::spawn(async { thread_id() }).await });
        assert!(task.unwrap() == caller, "the task ran on another thread");
    }

    #[test]
    fn a_spawned_child_waits_in_its_parents_lifo_slot() {
        // Two workers: the second one is idle and free to steal work.
        let runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let (parent, waited, child) = runtime.block_on(async {
            tokio::spawn(async {
                let (ran, child_ran) = mpsc::channel();
                // Spawned on a worker: the child goes to that worker's
                // LIFO slot, which no other worker can steal from.
                let child = tokio::spawn(async move {
                    let _ = ran.send(());
                    thread_id()
                });
                // Block this worker (for the test only): the child cannot
                // run while the parent holds the thread.
                let waited = child_ran.recv_timeout(Duration::from_millis(500));
                (thread_id(), waited, child.await.unwrap())
            })
            .await
            .unwrap()
        });
        assert_eq!(waited, Err(mpsc::RecvTimeoutError::Timeout));
        assert_eq!(parent, child, "the child ran on its parent's thread");
    }

    #[test]
    fn on_a_multi_thread_runtime_tasks_never_run_on_the_caller() {
        let runtime = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let caller = thread_id();
        let ids: HashSet<ThreadId> = runtime.block_on(async {
            let handles: Vec<_> = (0..100)
                .map(|_| tokio::spawn(async { thread_id() }))
                .collect();
            let mut ids = HashSet::new();
            for handle in handles {
                ids.insert(handle.await.unwrap());
            }
            ids
        });
        assert!(!ids.contains(&caller));
        assert!(ids.len() <= 2);
    }

    #[test]
    fn two_workers_run_two_tasks_at_the_same_instant() {
        // Each task blocks its thread until the other one arrives at the
        // barrier, which can only happen if both run at once, on two
        // threads. (Blocking a worker like this is for the test only.)
        let (done, finished) = mpsc::channel();
        thread::spawn(move || {
            let runtime = Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap();
            let barrier = Arc::new(Barrier::new(2));
            let ids = runtime.block_on(async {
                let tasks = [0, 1].map(|_| {
                    let barrier = barrier.clone();
                    tokio::spawn(async move {
                        barrier.wait();
                        thread_id()
                    })
                });
                let mut ids = Vec::new();
                for task in tasks {
                    ids.push(task.await.unwrap());
                }
                ids
            });
            done.send(ids).unwrap();
        });
        let ids = finished
            .recv_timeout(Duration::from_secs(10))
            .expect("the two tasks did not run at the same time");
        assert_ne!(ids[0], ids[1]);
    }

    #[test]
    #[should_panic(expected = "timers are disabled")]
    fn without_enable_all_a_sleep_panics() {
        let runtime = Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
        });
    }
}
