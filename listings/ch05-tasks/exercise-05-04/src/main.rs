use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::{interval, sleep};
use tokio_util::task::AbortOnDropHandle;

/// Counts beats in a background task. Dropping the `Heartbeat` stops the
/// task; `close` stops it and waits until it is gone.
pub struct Heartbeat {
    beats: Arc<AtomicU32>,
    task: AbortOnDropHandle<()>,
}

impl Heartbeat {
    /// Starts beating once per `period`, the first beat after one period.
    pub fn start(period: Duration) -> Heartbeat {
        let beats = Arc::new(AtomicU32::new(0));
        let counter = beats.clone();
        let task = tokio::spawn(async move {
            let mut ticks = interval(period);
            ticks.tick().await; // the first tick is immediate: skip it
            loop {
                ticks.tick().await;
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        Heartbeat {
            beats,
            task: AbortOnDropHandle::new(task),
        }
    }

    pub fn beats(&self) -> u32 {
        self.beats.load(Ordering::Relaxed)
    }

    /// Stops the task and returns once it has ended, with the final count.
    /// A panic in the task is passed on to the caller.
    pub async fn close(self) -> u32 {
        let Heartbeat { beats, task } = self;
        task.abort(); // a request...
        match task.await {
            // ...that has been carried out once the handle returns.
            Err(error) if error.is_panic() => {
                std::panic::resume_unwind(error.into_panic())
            }
            Ok(()) | Err(_) => beats.load(Ordering::Relaxed),
        }
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let heartbeat = Heartbeat::start(Duration::from_millis(10));
    sleep(Duration::from_millis(35)).await;
    println!("{} beats so far", heartbeat.beats());
    println!("closed after {} beats", heartbeat.close().await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn it_beats_once_per_period_until_closed() {
        let heartbeat = Heartbeat::start(Duration::from_millis(10));
        sleep(Duration::from_millis(35)).await;
        assert_eq!(heartbeat.beats(), 3);
        assert_eq!(heartbeat.close().await, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn when_close_returns_nothing_of_the_task_is_left() {
        let heartbeat = Heartbeat::start(Duration::from_millis(10));
        let beats = heartbeat.beats.clone();
        sleep(Duration::from_millis(35)).await;
        heartbeat.close().await;
        // No sleep, no yield: the task's future, and its clone of the
        // counter, were dropped before `close` returned.
        assert_eq!(Arc::strong_count(&beats), 1);
    }

    #[tokio::test]
    #[should_panic(expected = "the beating task broke")]
    async fn close_passes_on_a_panic_in_the_task() {
        let task = tokio::spawn(async { panic!("the beating task broke") });
        // Let it panic first: aborted before it runs, it would not.
        while !task.is_finished() {
            tokio::task::yield_now().await;
        }
        let heartbeat = Heartbeat {
            beats: Arc::default(),
            task: AbortOnDropHandle::new(task),
        };
        heartbeat.close().await;
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_the_heartbeat_stops_it() {
        let heartbeat = Heartbeat::start(Duration::from_millis(10));
        let beats = heartbeat.beats.clone();
        sleep(Duration::from_millis(35)).await;
        drop(heartbeat);
        sleep(Duration::from_millis(100)).await;
        assert_eq!(beats.load(Ordering::Relaxed), 3);
    }
}
