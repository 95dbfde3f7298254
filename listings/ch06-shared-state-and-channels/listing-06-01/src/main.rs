use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::task::{JoinSet, yield_now};

// ANCHOR: counter
/// How many jokes each user has been told, shared by every task.
#[derive(Clone, Default)]
struct JokeCounter {
    counts: Arc<Mutex<HashMap<String, u32>>>,
}

impl JokeCounter {
    /// Not async: the lock is taken and released within this call, so the
    /// guard can never be held across an `.await`.
    fn record(&self, user: &str) {
        let mut counts = self.counts.lock().unwrap();
        *counts.entry(user.to_string()).or_default() += 1;
    }

    fn count(&self, user: &str) -> u32 {
        let counts = self.counts.lock().unwrap();
        counts.get(user).copied().unwrap_or(0)
    }
}
// ANCHOR_END: counter

// ANCHOR: serve
/// Answers `requests` messages from each user, one task per message.
async fn serve(counter: &JokeCounter, users: &[&str], requests: u32) {
    let mut tasks = JoinSet::new();
    for _ in 0..requests {
        for &user in users {
            let counter = counter.clone(); // clones the Arc, not the map
            let user = user.to_string();
            tasks.spawn(async move {
                yield_now().await; // stands in for fetching the joke
                counter.record(&user);
            });
        }
    }
    tasks.join_all().await;
}
// ANCHOR_END: serve

#[tokio::main]
async fn main() {
    let counter = JokeCounter::default();
    serve(&counter, &["ada", "grace"], 500).await;
    println!(
        "ada: {}, grace: {}",
        counter.count("ada"),
        counter.count("grace")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    // Appendix A, Claim 4: each update spans an `.await`, where the std lock
    // is let go; `a_std_mutex_is_right_when_never_held_across_await` fails.
    #[cfg(feature = "counterfactual")]
    async fn serve(counter: &JokeCounter, users: &[&str], requests: u32) {
        let mut tasks = JoinSet::new();
        for _ in 0..requests {
            for &user in users {
                let (counter, user) = (counter.clone(), user.to_string());
                tasks.spawn(async move {
                    let seen = counter.count(&user); // locks and unlocks
                    yield_now().await;
                    counter.counts.lock().unwrap().insert(user, seen + 1);
                });
            }
        }
        tasks.join_all().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_std_mutex_is_right_when_never_held_across_await() {
        let counter = JokeCounter::default();
        let users = ["ada", "grace", "alan"];
        // A lock held across an await could stall here: fail, do not hang.
        let limit = std::time::Duration::from_secs(30);
        tokio::time::timeout(limit, serve(&counter, &users, 1000))
            .await
            .expect("serving stalled");
        for user in ["ada", "grace", "alan"] {
            let count = counter.count(user);
            assert!(count == 1000, "an update of {user}'s count was lost");
        }
    }
}
