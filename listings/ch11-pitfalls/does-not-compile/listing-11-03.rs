use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Cache = Arc<Mutex<HashMap<String, String>>>;

async fn fetch_language(_user: &str) -> String {
    tokio::time::sleep(Duration::from_millis(5)).await;
    String::from("en")
}

async fn language(cache: Cache, user: String) -> String {
    // No guard in sight; yet one lives until the end of the `match`.
    match cache.lock().unwrap().get(&user) {
        Some(language) => language.clone(),
        None => fetch_language(&user).await,
    }
}

#[tokio::main]
async fn main() {
    let cache = Cache::default();
    let task = tokio::spawn(language(cache, String::from("ada")));
    println!("{}", task.await.unwrap());
}
