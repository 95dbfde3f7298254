//! Exercise 9-1: a cache trait whose futures can be spawned.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::RwLock;

/// `Cache` is the `Send` variant, for code that spawns; `LocalCache` is
/// the variant without the bound.
#[trait_variant::make(Cache: Send)]
pub trait LocalCache {
    async fn get(&self, key: &str) -> Option<String>;
    async fn put(&self, key: &str, value: String);
}

/// A cache in memory, shared between tasks.
#[derive(Default)]
pub struct MemoryCache {
    entries: RwLock<HashMap<String, String>>,
}

impl Cache for MemoryCache {
    async fn get(&self, key: &str) -> Option<String> {
        self.entries.read().await.get(key).cloned()
    }

    async fn put(&self, key: &str, value: String) {
        self.entries.write().await.insert(key.to_string(), value);
    }
}

/// Fills the cache from `n` spawned tasks, for any cache that is `Send`.
pub async fn fill<C: Cache + Sync + 'static>(cache: Arc<C>, n: u32) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let cache = Arc::clone(&cache);
        tasks.spawn(async move {
            cache
                .put(&format!("joke-{i}"), format!("joke number {i}"))
                .await;
        });
    }
    tasks.join_all().await;
}

/// Code that stays on one thread can use the variant without `Send`.
pub async fn greet<C: LocalCache>(cache: &C) -> Option<String> {
    cache.put("greeting", "hello".to_string()).await;
    cache.get("greeting").await
}

#[tokio::main]
async fn main() {
    let cache = Arc::new(MemoryCache::default());
    fill(Arc::clone(&cache), 10).await;
    println!("joke-7: {:?}", Cache::get(&*cache, "joke-7").await);
    println!("greeting: {:?}", greet(&*cache).await);
}

#[cfg(test)]
mod tests {
    // Only `Cache` is imported: with both traits in scope, `cache.get(…)`
    // on a `MemoryCache` would be ambiguous (error E0034).
    use super::{Cache, MemoryCache, fill};
    use std::sync::Arc;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn spawned_tasks_fill_the_cache() {
        let cache = Arc::new(MemoryCache::default());
        fill(Arc::clone(&cache), 20).await;
        for i in 0..20 {
            let value = cache.get(&format!("joke-{i}")).await;
            assert_eq!(value, Some(format!("joke number {i}")));
        }
        assert_eq!(cache.get("nothing").await, None);
    }

    #[tokio::test]
    async fn every_cache_is_also_a_local_cache() {
        let cache = MemoryCache::default();
        assert_eq!(super::greet(&cache).await.as_deref(), Some("hello"));
    }
}
