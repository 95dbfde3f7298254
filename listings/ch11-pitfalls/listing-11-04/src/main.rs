use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Cache = Arc<Mutex<HashMap<String, String>>>;

async fn fetch_language(_user: &str) -> String {
    tokio::time::sleep(Duration::from_millis(5)).await;
    String::from("en")
}

// ANCHOR: hidden
/// Listing 11-3's lookup, taking references. Awaited in place rather
/// than spawned, it compiles, and the hidden guard is still there.
#[expect(clippy::await_holding_lock)] // Clippy sees it, rustc does not
async fn language(cache: &Cache, user: &str) -> String {
    match cache.lock().unwrap().get(user) {
        Some(language) => language.clone(),
        None => fetch_language(user).await,
    }
}
// ANCHOR_END: hidden

// ANCHOR: fixed
async fn language_fixed(cache: &Cache, user: &str) -> String {
    // The guard is a temporary of this statement, dropped at its `;`.
    let cached = cache.lock().unwrap().get(user).cloned();
    if let Some(language) = cached {
        return language;
    }
    let language = fetch_language(user).await; // no guard alive here
    cache
        .lock()
        .unwrap()
        .insert(user.to_owned(), language.clone());
    language
}
// ANCHOR_END: fixed

// ANCHOR: main
/// Whether `cache` is locked while `lookup` waits for its fetch.
async fn locked_during(cache: &Cache, lookup: impl Future) -> bool {
    let probe = async {
        tokio::task::yield_now().await; // runs while the lookup waits
        cache.try_lock().is_err()
    };
    tokio::join!(lookup, probe).1
}

// One thread, and the paused clock for the 5 ms fetch.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let cache = Cache::default();
    let locked = locked_during(&cache, language(&cache, "ada")).await;
    println!("match on lock():     locked during the fetch: {locked}");
    let locked = locked_during(&cache, language_fixed(&cache, "ada")).await;
    println!("guard dropped first: locked during the fetch: {locked}");
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{self, RecvTimeoutError};
    use tokio::time::Instant;

    // ANCHOR: tests
    #[tokio::test(start_paused = true)]
    async fn the_hidden_guard_is_held_across_the_await() {
        let cache = Cache::default();
        assert!(locked_during(&cache, language(&cache, "ada")).await);
    }

    #[tokio::test(start_paused = true)]
    async fn the_fixed_lookup_holds_no_lock_while_it_waits() {
        let cache = Cache::default();
        assert!(!locked_during(&cache, language_fixed(&cache, "ada")).await);
    }

    #[test]
    fn two_lookups_on_one_thread_deadlock() {
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            let cache = Cache::default();
            runtime.block_on(async {
                // The second lookup blocks the thread in `lock()`, so the
                // first can never resume to drop its guard.
                tokio::join!(language(&cache, "ada"), language(&cache, "al"));
            });
            done.send(()).unwrap();
        });
        let outcome = finished.recv_timeout(Duration::from_millis(100));
        assert_eq!(outcome, Err(RecvTimeoutError::Timeout));
    }

    #[tokio::test(start_paused = true)]
    async fn fixed_lookups_wait_side_by_side_on_one_thread() {
        let cache = Cache::default();
        let start = Instant::now();
        tokio::join!(
            language_fixed(&cache, "ada"),
            language_fixed(&cache, "al")
        );
        assert_eq!(start.elapsed(), Duration::from_millis(5));
        assert_eq!(cache.lock().unwrap().len(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_fixed_lookup_can_be_spawned() {
        let cache = Cache::default();
        let lookup = |user| {
            let cache = Arc::clone(&cache);
            tokio::spawn(async move { language_fixed(&cache, user).await })
        };
        let (ada, al) = tokio::join!(lookup("ada"), lookup("al"));
        assert_eq!((ada.unwrap(), al.unwrap()), ("en".into(), "en".into()));
    }
    // ANCHOR_END: tests
}
