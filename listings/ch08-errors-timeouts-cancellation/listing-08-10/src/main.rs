use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout_at};
use tokio_util::sync::CancellationToken;

/// A job: a number, and how long it takes.
#[derive(Debug, Clone, Copy)]
struct Job {
    id: u32,
    ms: u64,
}

async fn run(job: Job) -> u32 {
    sleep(Duration::from_millis(job.ms)).await;
    job.id
}

/// What became of the accepted jobs.
#[derive(Debug, Default, PartialEq, Eq)]
struct Report {
    finished: Vec<u32>,
    abandoned: usize,
}

// ANCHOR: serve
/// Runs each job from `queue` in a task of its own until `shutdown` is
/// cancelled; then finishes every accepted job, waiting at most `grace`.
async fn serve(
    mut queue: mpsc::Receiver<Job>,
    shutdown: CancellationToken,
    grace: Duration,
) -> Report {
    let mut running = JoinSet::new();
    let mut report = Report::default();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            // Cancel safe: if another branch wins, no job was taken.
            job = queue.recv() => match job {
                Some(job) => _ = running.spawn(run(job)),
                None => break, // every sender is gone
            },
            // Cancel safe too: collect finished jobs as we go.
            Some(done) = running.join_next() => {
                report.finished.push(done.unwrap());
            }
        }
    }
    // Step 1: refuse new jobs, but run those already queued; their senders
    // were told "accepted" when `send` returned.
    queue.close();
    while let Some(job) = queue.recv().await {
        running.spawn(run(job));
    }
    // Step 2: wait for the running jobs, up to the grace period.
    let deadline = Instant::now() + grace;
    loop {
        match timeout_at(deadline, running.join_next()).await {
            Ok(Some(done)) => report.finished.push(done.unwrap()),
            Ok(None) => break, // all done
            Err(_) => {
                // Step 3: out of time; cancel the rest, and say so.
                report.abandoned = running.len();
                running.shutdown().await;
                break;
            }
        }
    }
    report.finished.sort();
    report
}
// ANCHOR_END: serve

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (queue, jobs) = mpsc::channel(16);
    let shutdown = CancellationToken::new();
    let grace = Duration::from_millis(100);
    let server = tokio::spawn(serve(jobs, shutdown.clone(), grace));
    for (id, ms) in [(1, 30), (2, 60), (3, 10), (4, 5_000)] {
        queue.send(Job { id, ms }).await.unwrap();
    }
    sleep(Duration::from_millis(20)).await;
    let start = Instant::now();
    shutdown.cancel();
    sleep(Duration::from_millis(1)).await;
    let late = queue.send(Job { id: 5, ms: 1 }).await;
    println!("job 5, sent after shutdown: refused = {}", late.is_err());
    let report = server.await.unwrap();
    println!("{report:?}, shutdown took {:?}", start.elapsed());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(list: &[(u32, u64)]) -> mpsc::Receiver<Job> {
        let (queue, jobs) = mpsc::channel(16);
        for &(id, ms) in list {
            queue.try_send(Job { id, ms }).unwrap();
        }
        jobs
    }

    #[tokio::test(start_paused = true)]
    async fn accepted_jobs_finish_after_shutdown() {
        let shutdown = CancellationToken::new();
        let grace = Duration::from_secs(1);
        let jobs = jobs(&[(1, 30), (2, 50), (3, 10)]);
        let server = tokio::spawn(serve(jobs, shutdown.clone(), grace));
        sleep(Duration::from_millis(5)).await;
        shutdown.cancel();
        let start = Instant::now();
        let report = server.await.unwrap();
        assert_eq!(report.finished, [1, 2, 3]);
        assert_eq!(report.abandoned, 0);
        assert_eq!(start.elapsed(), Duration::from_millis(45));
    }

    #[tokio::test(start_paused = true)]
    async fn jobs_still_in_the_queue_at_shutdown_are_run_too() {
        let shutdown = CancellationToken::new();
        shutdown.cancel(); // before the server has taken a single job
        let jobs = jobs(&[(1, 30), (2, 50)]);
        let report = serve(jobs, shutdown, Duration::from_secs(1)).await;
        assert_eq!(report.finished, [1, 2]);
    }

    #[tokio::test(start_paused = true)]
    async fn new_jobs_are_refused_once_shutdown_begins() {
        let (queue, jobs) = mpsc::channel(16);
        let shutdown = CancellationToken::new();
        let grace = Duration::from_secs(1);
        let server = tokio::spawn(serve(jobs, shutdown.clone(), grace));
        queue.send(Job { id: 1, ms: 100 }).await.unwrap();
        shutdown.cancel();
        sleep(Duration::from_millis(10)).await; // job 1 is still running
        assert!(queue.send(Job { id: 2, ms: 1 }).await.is_err());
        assert_eq!(server.await.unwrap().finished, [1]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_that_outlasts_the_grace_period_is_abandoned() {
        let shutdown = CancellationToken::new();
        let grace = Duration::from_millis(100);
        let jobs = jobs(&[(1, 10), (2, 60_000)]);
        shutdown.cancel();
        let start = Instant::now();
        let report = serve(jobs, shutdown, grace).await;
        assert_eq!(
            report,
            Report {
                finished: vec![1],
                abandoned: 1
            }
        );
        assert_eq!(start.elapsed(), grace);
    }
}
