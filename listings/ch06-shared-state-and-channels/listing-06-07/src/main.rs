use std::time::Duration;

use tokio::sync::watch;
use tokio::time::sleep;

// ANCHOR: watch
/// A worker that uses whatever the latest setting is, each time it wakes.
async fn worker(mut setting: watch::Receiver<u32>) -> Vec<u32> {
    let mut seen = Vec::new();
    // `changed` waits for a value newer than the last one seen; it fails
    // once the sender is gone.
    while setting.changed().await.is_ok() {
        seen.push(*setting.borrow_and_update());
        sleep(Duration::from_millis(10)).await; // busy with other work
    }
    seen
}

async fn run() -> Vec<u32> {
    let (setting, receiver) = watch::channel(0);
    let worker = tokio::spawn(worker(receiver));
    for value in 1..=5 {
        setting.send(value).unwrap(); // replaces the previous value
        sleep(Duration::from_millis(4)).await;
    }
    drop(setting);
    worker.await.unwrap()
}
// ANCHOR_END: watch

// The paused clock makes the run the same every time.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!("the worker saw: {:?}", run().await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_slow_receiver_sees_only_the_latest_value() {
        // Values change every 4 ms, the worker looks every 10 ms: it skips
        // the values that were replaced in between, and ends on the last.
        assert_eq!(run().await, [1, 3, 5]);
    }

    #[tokio::test]
    async fn borrow_always_gives_the_current_value() {
        let (setting, receiver) = watch::channel("en");
        setting.send("fr").unwrap();
        setting.send("de").unwrap();
        assert_eq!(*receiver.borrow(), "de");
    }
}
