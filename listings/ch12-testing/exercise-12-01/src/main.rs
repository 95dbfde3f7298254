use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Keeps one fetched value for `ttl`, then fetches a fresh one.
struct TtlCache {
    ttl: Duration,
    slot: Mutex<Option<(Instant, String)>>,
}

impl TtlCache {
    fn new(ttl: Duration) -> TtlCache {
        TtlCache {
            ttl,
            slot: Mutex::new(None),
        }
    }

    /// The cached value if it is younger than `ttl`, otherwise `fetch()`'s.
    /// The lock is held across `fetch` on purpose: concurrent callers wait
    /// for one fetch instead of starting their own.
    async fn get(&self, fetch: impl AsyncFnOnce() -> String) -> String {
        let mut slot = self.slot.lock().await;
        if let Some((fetched_at, value)) = &*slot
            && fetched_at.elapsed() < self.ttl
        {
            return value.clone();
        }
        let value = fetch().await;
        *slot = Some((Instant::now(), value.clone()));
        value
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let cache = TtlCache::new(Duration::from_secs(60));
    let start = Instant::now();
    let mut fetches = 0;
    for seconds in [0, 30, 59, 60, 90] {
        tokio::time::sleep_until(start + Duration::from_secs(seconds)).await;
        let fetch = async || {
            fetches += 1;
            format!("joke {fetches}")
        };
        println!("at {seconds:>2} s: {}", cache.get(fetch).await);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::advance;

    #[tokio::test(start_paused = true)]
    async fn refetches_exactly_when_the_ttl_has_passed() {
        let cache = TtlCache::new(Duration::from_secs(60));
        let mut fetches = 0;
        let mut get = async || {
            cache
                .get(async || {
                    fetches += 1;
                    format!("joke {fetches}")
                })
                .await
        };
        assert_eq!(get().await, "joke 1");
        advance(Duration::from_secs(59)).await;
        assert_eq!(get().await, "joke 1"); // still fresh
        advance(Duration::from_secs(1)).await;
        assert_eq!(get().await, "joke 2"); // 60 s old: fetched again
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_fetch() {
        let cache = TtlCache::new(Duration::from_secs(60));
        let fetches = std::cell::Cell::new(0);
        let slow_fetch = async || {
            fetches.set(fetches.get() + 1);
            tokio::time::sleep(Duration::from_millis(200)).await;
            "joke".to_string()
        };
        let (a, b) = tokio::join!(cache.get(slow_fetch), cache.get(slow_fetch));
        assert_eq!((a.as_str(), b.as_str()), ("joke", "joke"));
        // Counted, not timed: two fetches running side by side would also
        // take 200 ms in all. The second caller waited and found the value.
        assert_eq!(fetches.get(), 1);
    }
}
