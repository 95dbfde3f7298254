use std::cell::Cell;
use std::rc::Rc;

use futures::channel::mpsc;
use futures::executor::{LocalPool, block_on};
use futures::task::LocalSpawnExt;
use futures::{SinkExt, StreamExt};

async fn add(a: u32, b: u32) -> u32 {
    a + b
}

fn main() {
    // One future, run to completion on this thread.
    let sum = block_on(async { add(1, 2).await + add(3, 4).await });
    println!("block_on: {sum}");

    // Many tasks on this thread. They never move to another thread, so
    // they may share an `Rc`, which is not `Send`.
    let mut pool = LocalPool::new();
    let spawner = pool.spawner();
    let total = Rc::new(Cell::new(0));
    let (mut sender, mut receiver) = mpsc::channel(1);

    spawner
        .spawn_local(async move {
            for n in 1..=5 {
                sender.send(n).await.unwrap(); // waits while the channel is full
            }
        })
        .unwrap();
    let consumer_total = Rc::clone(&total);
    spawner
        .spawn_local(async move {
            while let Some(n) = receiver.next().await {
                consumer_total.set(consumer_total.get() + n);
            }
        })
        .unwrap();

    pool.run(); // returns when every task has completed
    println!(
        "LocalPool: the consumer received a total of {}",
        total.get()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_code_runs_without_tokio() {
        // This package depends on `futures` only.
        assert_eq!(block_on(add(2, 3)), 5);
        let mut pool = LocalPool::new();
        let result = Rc::new(Cell::new(0));
        let slot = Rc::clone(&result);
        pool.spawner()
            .spawn_local(async move { slot.set(add(20, 22).await) })
            .unwrap();
        pool.run();
        assert_eq!(result.get(), 42);
    }

    #[test]
    fn tasks_that_wait_for_each_other_run_without_tokio() {
        // The producer waits whenever the channel is full, the consumer
        // whenever it is empty: both return `Pending` and are woken.
        let mut pool = LocalPool::new();
        let (mut sender, mut receiver) = mpsc::channel(1);
        let total = Rc::new(Cell::new(0));
        let seen = Rc::clone(&total);
        let spawner = pool.spawner();
        spawner
            .spawn_local(async move {
                for n in 1..=5 {
                    sender.send(n).await.unwrap();
                }
            })
            .unwrap();
        spawner
            .spawn_local(async move {
                while let Some(n) = receiver.next().await {
                    seen.set(seen.get() + n);
                }
            })
            .unwrap();
        pool.run();
        assert_eq!(total.get(), 15);
    }

    /// The `[[package]]` entry of `name` in the workspace's Cargo.lock.
    fn locked(name: &str) -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../Cargo.lock");
        let lock = std::fs::read_to_string(path).unwrap();
        let entry = lock
            .split("[[package]]")
            .find(|entry| entry.contains(&format!("\nname = \"{name}\"\n")));
        entry.expect("the crate is in Cargo.lock").to_string()
    }

    #[test]
    fn tracing_depends_on_no_executor_and_no_reactor() {
        let tracing = locked("tracing");
        // Appendix A, Claim 13: a runtime's entry would list a reactor, as
        // Tokio's lists mio: tracing's given one; this test fails.
        #[cfg(feature = "counterfactual")]
        let tracing =
            tracing.replace("dependencies = [", "dependencies = [\n \"mio\",");
        assert!(tracing.contains("\"tracing-core\""));
        for runtime in ["tokio", "mio", "futures-executor", "async-executor"] {
            let dependency = format!("\"{runtime}");
            assert!(!tracing.contains(&dependency), "tracing uses {runtime}");
        }
    }

    #[test]
    fn the_tokio_runtime_does_not_depend_on_tracing() {
        // Cargo.lock lists the dependencies of every package in the build.
        let tokio = locked("tokio");
        assert!(tokio.contains("\"mio\"")); // its I/O reactor
        assert!(!tokio.contains("\"tracing")); // no tracing at all
    }
}
