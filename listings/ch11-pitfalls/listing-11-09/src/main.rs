use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::sleep;
use tokio_util::task::AbortOnDropHandle;

// ANCHOR: refresh
/// The remote joke API. It counts its calls, and can be told to send one
/// bad answer, which the parsing below cannot handle.
#[derive(Clone, Default)]
struct Source {
    calls: Arc<AtomicUsize>,
    bad_answer: Option<usize>,
}

impl Source {
    async fn fetch(&self) -> String {
        sleep(Duration::from_millis(10)).await;
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if Some(n) == self.bad_answer {
            panic!("answer {n} does not parse");
        }
        format!("joke {n}")
    }
}

/// Keeps `latest` up to date, once a second, for ever.
async fn refresh(source: Source, latest: Arc<Mutex<String>>) {
    loop {
        let joke = source.fetch().await;
        *latest.lock().unwrap() = joke;
        sleep(Duration::from_secs(1)).await;
    }
}
// ANCHOR_END: refresh

// ANCHOR: forgetful
/// A cache whose refresher task is spawned and forgotten.
struct ForgetfulCache {
    latest: Arc<Mutex<String>>,
}

impl ForgetfulCache {
    fn start(source: Source) -> Self {
        let latest = Arc::new(Mutex::new(String::new()));
        tokio::spawn(refresh(source, Arc::clone(&latest))); // handle dropped
        ForgetfulCache { latest }
    }

    fn latest(&self) -> String {
        self.latest.lock().unwrap().clone()
    }
}
// ANCHOR_END: forgetful

// ANCHOR: owning
/// The same cache, owning its task: dropping the cache aborts it, and
/// the cache can tell whether it is still running.
struct Cache {
    latest: Arc<Mutex<String>>,
    refresher: AbortOnDropHandle<()>,
}

impl Cache {
    fn start(source: Source) -> Self {
        let latest = Arc::new(Mutex::new(String::new()));
        let task = tokio::spawn(refresh(source, Arc::clone(&latest)));
        Cache {
            latest,
            refresher: AbortOnDropHandle::new(task),
        }
    }

    /// The latest joke, or an error once the refresher has died.
    fn latest(&self) -> Result<String, &'static str> {
        if self.refresher.is_finished() {
            return Err("the refresher has stopped");
        }
        Ok(self.latest.lock().unwrap().clone())
    }
}
// ANCHOR_END: owning

// The paused clock runs the seconds of refreshing at once. The panic
// message of the bad answer goes to standard error, and nowhere else.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let third_is_bad = || Source {
        bad_answer: Some(3),
        ..Source::default()
    };
    let cache = ForgetfulCache::start(third_is_bad());
    sleep(Duration::from_secs(10)).await;
    println!("forgetful, 10 s later: {:?}", cache.latest());

    let cache = Cache::start(third_is_bad());
    sleep(Duration::from_secs(10)).await;
    println!("owning, 10 s later:    {:?}", cache.latest());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calls(source: &Source) -> usize {
        source.calls.load(Ordering::SeqCst)
    }

    #[tokio::test(start_paused = true)]
    async fn a_forgotten_task_outlives_its_owner() {
        let source = Source::default();
        let cache = ForgetfulCache::start(source.clone());
        sleep(Duration::from_millis(1500)).await;
        assert_eq!(cache.latest(), "joke 2");
        drop(cache);
        let before = calls(&source);
        sleep(Duration::from_secs(5)).await;
        assert_eq!(calls(&source) - before, 5, "still fetching, for nobody");
    }

    #[tokio::test(start_paused = true)]
    async fn a_panic_in_a_forgotten_task_goes_unnoticed() {
        let source = Source {
            bad_answer: Some(3),
            ..Source::default()
        };
        let cache = ForgetfulCache::start(source.clone());
        sleep(Duration::from_secs(10)).await;
        // Eight refreshes were missed; the cache serves a stale joke.
        assert_eq!(calls(&source), 3);
        assert_eq!(cache.latest(), "joke 2");
    }

    #[tokio::test(start_paused = true)]
    async fn an_owned_task_stops_with_its_owner() {
        let source = Source::default();
        let cache = Cache::start(source.clone());
        sleep(Duration::from_millis(1500)).await;
        assert_eq!(cache.latest(), Ok(String::from("joke 2")));
        drop(cache);
        let before = calls(&source);
        sleep(Duration::from_secs(5)).await;
        assert_eq!(calls(&source), before, "aborted when the cache dropped");
    }

    #[tokio::test(start_paused = true)]
    async fn an_owned_task_that_panicked_is_reported() {
        let source = Source {
            bad_answer: Some(3),
            ..Source::default()
        };
        let cache = Cache::start(source);
        sleep(Duration::from_secs(10)).await;
        assert_eq!(cache.latest(), Err("the refresher has stopped"));
    }
}
