use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::time::{sleep, timeout};

#[derive(Default)]
struct Cache {
    value: Mutex<Option<String>>,
    refreshing: AtomicBool,
    fetches: AtomicUsize,
}

/// Clears the flag when dropped: when the refresh ends, however it ends.
struct ClearOnDrop<'a>(&'a AtomicBool);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

impl Cache {
    /// Stands for a call to the source of truth: 100 ms.
    async fn fetch(&self) -> String {
        let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
        sleep(Duration::from_millis(100)).await;
        format!("value {n}")
    }

    /// The original: a cancelled refresh leaves `refreshing` set for good.
    async fn refresh_sticky(&self) -> bool {
        if self.refreshing.swap(true, Ordering::SeqCst) {
            return false; // another refresh is running
        }
        let value = self.fetch().await; // cancelled here: flag stays set
        *self.value.lock().unwrap() = Some(value);
        self.refreshing.store(false, Ordering::SeqCst);
        true
    }

    /// Fixed: the flag is cleared by a guard, even if the future is dropped.
    async fn refresh(&self) -> bool {
        if self.refreshing.swap(true, Ordering::SeqCst) {
            return false; // another refresh is running
        }
        let _clear = ClearOnDrop(&self.refreshing);
        let value = self.fetch().await;
        *self.value.lock().unwrap() = Some(value);
        true
    }

    fn value(&self) -> Option<String> {
        self.value.lock().unwrap().clone()
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let impatient = Duration::from_millis(50);
    let cache = Cache::default();
    let _ = timeout(impatient, cache.refresh_sticky()).await;
    println!("sticky: next refresh ran: {}", cache.refresh_sticky().await);
    let cache = Cache::default();
    let _ = timeout(impatient, cache.refresh()).await;
    println!("guarded: next refresh ran: {}", cache.refresh().await);
    println!("guarded: value {:?}", cache.value());
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMPATIENT: Duration = Duration::from_millis(50);

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_sticky_refresh_blocks_every_later_one() {
        let cache = Cache::default();
        assert!(timeout(IMPATIENT, cache.refresh_sticky()).await.is_err());
        sleep(Duration::from_secs(1)).await;
        assert!(!cache.refresh_sticky().await);
        assert_eq!(cache.value(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_refresh_does_not_block_the_next() {
        let cache = Cache::default();
        assert!(timeout(IMPATIENT, cache.refresh()).await.is_err());
        assert_eq!(cache.value(), None); // cancelled: nothing changed
        assert!(cache.refresh().await);
        assert_eq!(cache.value().as_deref(), Some("value 2"));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_refreshes_fetch_once() {
        let cache = Cache::default();
        let (a, b) = tokio::join!(cache.refresh(), cache.refresh());
        assert!(a ^ b, "exactly one of them refreshes");
        assert_eq!(cache.fetches.load(Ordering::SeqCst), 1);
    }
}
