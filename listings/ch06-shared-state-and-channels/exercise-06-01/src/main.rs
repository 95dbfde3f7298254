use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::Client;
use support::{DemoServer, Joke};
use tokio::task::JoinSet;

/// A cache of jokes by id, in front of the demo server, shared by tasks.
#[derive(Clone)]
struct JokeCache {
    client: Client,
    base_url: String,
    jokes: Arc<Mutex<HashMap<u32, Joke>>>,
    fetches: Arc<AtomicUsize>,
}

impl JokeCache {
    fn new(server: &DemoServer) -> JokeCache {
        JokeCache {
            client: support::client(),
            base_url: server.url("/joke"),
            jokes: Arc::default(),
            fetches: Arc::default(),
        }
    }

    async fn get(&self, id: u32) -> reqwest::Result<Joke> {
        // The guard lives only for this statement, never across an await.
        let cached = self.jokes.lock().unwrap().get(&id).cloned();
        if let Some(joke) = cached {
            return Ok(joke);
        }
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let url = format!("{}?id={id}", self.base_url);
        let response = self.client.get(url).send().await?;
        let joke: Joke = response.error_for_status()?.json().await?;
        self.jokes.lock().unwrap().insert(id, joke.clone());
        Ok(joke)
    }
}

/// Asks for jokes 1 to 3, `rounds` times each, from one task per request.
/// Returns each id asked for with the joke that came back for it.
async fn ask_many(cache: &JokeCache, rounds: u32) -> Vec<(u32, Joke)> {
    let mut tasks = JoinSet::new();
    for _ in 0..rounds {
        for id in 1..=3 {
            let cache = cache.clone();
            tasks.spawn(async move { (id, cache.get(id).await.unwrap()) });
        }
    }
    tasks.join_all().await // in the order the tasks finished
}

#[tokio::main]
async fn main() {
    let server = DemoServer::start();
    let cache = JokeCache::new(&server);
    let jokes = ask_many(&cache, 10).await;
    println!("{} jokes served", jokes.len());
    println!(
        "{} distinct jokes in the cache",
        cache.jokes.lock().unwrap().len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_task_gets_the_right_joke_and_the_cache_fills() {
        let server = DemoServer::start();
        let cache = JokeCache::new(&server);
        let answers = ask_many(&cache, 10).await;
        assert_eq!(answers.len(), 30);
        for (id, joke) in &answers {
            assert_eq!(joke.id, *id, "the answer to a request for joke {id}");
        }
        assert_eq!(cache.jokes.lock().unwrap().len(), 3);
        // Tasks that missed at the same moment may all have fetched.
        let first_round = cache.fetches.load(Ordering::Relaxed);
        assert!((3..=30).contains(&first_round), "{first_round}");
        // Now everything is cached: no request reaches the server.
        for (id, joke) in ask_many(&cache, 10).await {
            assert_eq!(joke.id, id, "the cached answer for joke {id}");
        }
        assert_eq!(cache.fetches.load(Ordering::Relaxed), first_round);
    }
}
