use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::sleep;

/// Counts the requests in progress.
#[derive(Clone, Default)]
pub struct InFlight(Arc<AtomicUsize>);

/// Counts one request while it is alive.
pub struct InFlightGuard(Arc<AtomicUsize>);

impl InFlight {
    pub fn enter(&self) -> InFlightGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        InFlightGuard(Arc::clone(&self.0))
    }

    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        // Runs when the request finishes, fails, panics or is cancelled.
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A request handler that takes `ms` milliseconds.
async fn handle(in_flight: InFlight, ms: u64) {
    let _counted = in_flight.enter();
    sleep(Duration::from_millis(ms)).await;
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let in_flight = InFlight::default();
    let mut requests = JoinSet::new();
    for ms in [10, 1_000, 1_000] {
        requests.spawn(handle(in_flight.clone(), ms));
    }
    sleep(Duration::from_millis(5)).await;
    println!("after 5 ms: {} in flight", in_flight.count());
    sleep(Duration::from_millis(10)).await;
    println!("after 15 ms: {} in flight", in_flight.count());
    requests.shutdown().await; // aborts the two slow ones
    println!("after shutdown: {} in flight", in_flight.count());
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::timeout;

    #[tokio::test(start_paused = true)]
    async fn the_count_goes_back_to_zero_after_timeouts() {
        let in_flight = InFlight::default();
        let limit = Duration::from_millis(50);
        let (a, b, during) = tokio::join!(
            timeout(limit, handle(in_flight.clone(), 10)),
            timeout(limit, handle(in_flight.clone(), 500)),
            async {
                sleep(Duration::from_millis(5)).await;
                in_flight.count() // both requests are running
            },
        );
        assert_eq!(during, 2);
        assert!(a.is_ok() && b.is_err());
        assert_eq!(in_flight.count(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn aborted_tasks_are_no_longer_counted() {
        let in_flight = InFlight::default();
        let mut requests = JoinSet::new();
        for _ in 0..3 {
            requests.spawn(handle(in_flight.clone(), 1_000));
        }
        sleep(Duration::from_millis(1)).await;
        assert_eq!(in_flight.count(), 3);
        requests.shutdown().await;
        assert_eq!(in_flight.count(), 0);
    }
}
