use std::time::Duration;

use tokio::sync::mpsc::{self, Receiver, Sender};
use tokio::time::{Instant, Interval, interval_at, sleep};

// ANCHOR: lossy
/// Passes jobs on to a worker, and counts a heartbeat every 5 ms while
/// it waits for the worker to take them.
async fn forward(mut jobs: Receiver<u32>, worker: Sender<u32>) -> u32 {
    let (mut heartbeat, mut beats) = (every_5_ms(), 0);
    while let Some(job) = jobs.recv().await {
        tokio::select! {
            biased; // try the branches in order, so every run is the same
            sent = worker.send(job) => if sent.is_err() { break },
            _ = heartbeat.tick() => beats += 1, // and `job` is gone
        }
    }
    beats
}
// ANCHOR_END: lossy

// ANCHOR: fixed
async fn forward_fixed(mut jobs: Receiver<u32>, worker: Sender<u32>) -> u32 {
    let (mut heartbeat, mut beats) = (every_5_ms(), 0);
    while let Some(job) = jobs.recv().await {
        // Race for a free place in the channel; the job stays here.
        let place = loop {
            tokio::select! {
                biased;
                place = worker.reserve() => break place,
                _ = heartbeat.tick() => beats += 1,
            }
        };
        let Ok(place) = place else { break }; // the worker is gone
        place.send(job); // not async: nothing left to cancel
    }
    beats
}
// ANCHOR_END: fixed

fn every_5_ms() -> Interval {
    let period = Duration::from_millis(5);
    interval_at(Instant::now() + period, period)
}

/// Sends jobs 1 to 5 through `forward` to a worker that takes 10 ms per
/// job and a channel that holds one; returns what the worker received.
async fn run<F: Future<Output = u32>>(
    forward: impl FnOnce(Receiver<u32>, Sender<u32>) -> F,
) -> Vec<u32> {
    let (jobs_tx, jobs) = mpsc::channel(10);
    for job in 1..=5 {
        jobs_tx.send(job).await.unwrap();
    }
    drop(jobs_tx);
    let (worker_tx, mut worker_rx) = mpsc::channel(1);
    let worker = tokio::spawn(async move {
        let mut done = Vec::new();
        while let Some(job) = worker_rx.recv().await {
            sleep(Duration::from_millis(10)).await;
            done.push(job);
        }
        done
    });
    forward(jobs, worker_tx).await;
    worker.await.unwrap()
}

// The paused clock, and `biased;`, make every run come out the same.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    println!("send in select!:    {:?}", run(forward).await);
    println!("reserve in select!: {:?}", run(forward_fixed).await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn send_in_a_select_loop_loses_jobs() {
        // Jobs 3 and 4 were inside a `send` that lost to the heartbeat.
        assert_eq!(run(forward).await, [1, 2, 5]);
    }

    #[tokio::test(start_paused = true)]
    async fn reserve_in_a_select_loop_loses_nothing() {
        assert_eq!(run(forward_fixed).await, [1, 2, 3, 4, 5]);
    }
}
