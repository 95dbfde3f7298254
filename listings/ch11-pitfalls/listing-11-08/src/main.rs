use std::sync::{Arc, Mutex};

use futures::future::join_all;
use tokio::task::JoinSet;

struct Config {
    greeting: String,
}

/// Where the messages go: a list, so that the tests can read it.
type Outbox = Arc<Mutex<Vec<String>>>;

async fn send(outbox: &Outbox, message: String) {
    tokio::task::yield_now().await; // stands for a network call
    outbox.lock().unwrap().push(message);
}

// ANCHOR: owned
/// Fix 1: give each task its own copy of what it needs.
async fn greet_all_owned(config: &Config, users: &[&str], outbox: &Outbox) {
    let mut tasks = JoinSet::new();
    for user in users {
        let greeting = config.greeting.clone();
        let (user, outbox) = (user.to_string(), Arc::clone(outbox));
        tasks.spawn(async move {
            send(&outbox, format!("{greeting}, {user}!")).await;
        });
    }
    tasks.join_all().await;
}
// ANCHOR_END: owned

// ANCHOR: shared
/// Fix 2: take the configuration in an `Arc`, and give each task a clone.
async fn greet_all_shared(
    config: Arc<Config>,
    users: &[&str],
    outbox: &Outbox,
) {
    let mut tasks = JoinSet::new();
    for user in users {
        let config = Arc::clone(&config);
        let (user, outbox) = (user.to_string(), Arc::clone(outbox));
        tasks.spawn(async move {
            send(&outbox, format!("{}, {user}!", config.greeting)).await;
        });
    }
    tasks.join_all().await;
}
// ANCHOR_END: shared

// ANCHOR: joined
/// Fix 3: do not spawn. Futures run inside this task may borrow.
async fn greet_all_joined(config: &Config, users: &[&str], outbox: &Outbox) {
    let greetings = users
        .iter()
        .map(|user| send(outbox, format!("{}, {user}!", config.greeting)));
    join_all(greetings).await;
}
// ANCHOR_END: joined

/// What was sent, in a fixed order: tasks may finish in any order.
fn sorted(outbox: &Outbox) -> Vec<String> {
    let mut sent = outbox.lock().unwrap().clone();
    sent.sort();
    sent
}

#[tokio::main]
async fn main() {
    let config = Config {
        greeting: String::from("Hello"),
    };
    let users = ["Ada", "Alan"];
    let outbox = Outbox::default();
    greet_all_owned(&config, &users, &outbox).await;
    println!("owned copies: {:?}", sorted(&outbox));
    let outbox = Outbox::default();
    greet_all_joined(&config, &users, &outbox).await;
    println!("join_all:     {:?}", sorted(&outbox));
    let outbox = Outbox::default();
    greet_all_shared(Arc::new(config), &users, &outbox).await;
    println!("shared Arc:   {:?}", sorted(&outbox));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            greeting: String::from("Hi"),
        }
    }

    const EXPECTED: [&str; 2] = ["Hi, Ada!", "Hi, Alan!"];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tasks_that_own_copies_greet_everyone() {
        let outbox = Outbox::default();
        greet_all_owned(&config(), &["Ada", "Alan"], &outbox).await;
        assert_eq!(sorted(&outbox), EXPECTED);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn tasks_that_share_an_arc_greet_everyone() {
        let outbox = Outbox::default();
        greet_all_shared(Arc::new(config()), &["Ada", "Alan"], &outbox).await;
        assert_eq!(sorted(&outbox), EXPECTED);
    }

    #[tokio::test]
    async fn futures_joined_in_place_may_borrow() {
        let outbox = Outbox::default();
        greet_all_joined(&config(), &["Ada", "Alan"], &outbox).await;
        assert_eq!(sorted(&outbox), EXPECTED);
    }
}
