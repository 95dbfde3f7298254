use std::thread;
use std::time::Duration;

use tokio::runtime::{Builder, Handle};
use tokio::sync::mpsc;

// ANCHOR: main
fn main() {
    let runtime = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // A handle is a cheap, cloneable reference to the runtime.
    let handle = runtime.handle().clone();

    // A plain thread has no runtime of its own...
    let worker = thread::spawn(move || {
        assert!(Handle::try_current().is_err());
        // ...but with a handle it can spawn tasks onto the runtime...
        let (sender, mut receiver) = mpsc::channel(8);
        for n in 1..=3 {
            let sender = sender.clone();
            handle.spawn(async move {
                tokio::time::sleep(Duration::from_millis(n)).await;
                sender.send(n * 10).await.unwrap();
            });
        }
        drop(sender);
        // ...and block on a future, as long as it is not a runtime thread.
        handle.block_on(async {
            let mut total = 0;
            while let Some(value) = receiver.recv().await {
                total += value;
            }
            total
        })
    });
    println!("total sent by the tasks: {}", worker.join().unwrap());

    // Inside the runtime, `Handle::current()` finds it.
    let flavor = runtime.block_on(async { Handle::current().runtime_flavor() });
    println!("the current runtime is {flavor:?}");
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_runtime_there_is_no_current_handle() {
        assert!(Handle::try_current().is_err());
    }

    #[test]
    fn a_handle_spawns_from_a_thread_that_is_not_part_of_the_runtime() {
        let runtime = Builder::new_current_thread().build().unwrap();
        let handle = runtime.handle().clone();
        let task = thread::spawn(move || handle.spawn(async { 7 }))
            .join()
            .unwrap();
        // On a current-thread runtime, tasks only make progress while some
        // thread is inside `block_on`.
        assert_eq!(runtime.block_on(task).unwrap(), 7);
    }

    #[test]
    #[should_panic(expected = "must be called from the context of a Tokio")]
    fn tokio_spawn_outside_a_runtime_panics() {
        drop(tokio::spawn(async {}));
    }
}
