use std::time::{Duration, Instant};

use listing_04_03::{Executor, sleep_until};

// ANCHOR: main
fn main() {
    let start = Instant::now();
    let mut executor = Executor::new();
    for ms in [10, 20, 30] {
        executor.spawn(async move {
            println!("task {ms}: going to sleep");
            sleep_until(start + Duration::from_millis(ms)).await;
            // Never early: the timer wakes a task once its deadline passed.
            assert!(start.elapsed() >= Duration::from_millis(ms));
            println!("task {ms}: woke up");
        });
    }
    executor.run();
    println!("all three tasks done");
}
// ANCHOR_END: main

// The book includes this empty part to compile the whole file, hidden,
// together with the library.
// ANCHOR: none
// ANCHOR_END: none
