use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, sleep, timeout};

// ANCHOR: pool
/// A pool of database connections, reduced to what matters here: at most
/// `size` are checked out at once, and a dropped connection goes back.
struct Pool {
    free: Arc<Semaphore>,
}

/// A checked-out connection; its permit returns to the pool on drop.
struct Connection {
    _permit: OwnedSemaphorePermit,
}

#[derive(Debug, PartialEq)]
struct PoolTimedOut;

impl Pool {
    fn new(size: usize) -> Self {
        Pool {
            free: Arc::new(Semaphore::new(size)),
        }
    }

    /// Waits up to 100 ms for a free connection, as real pools do.
    async fn get(&self) -> Result<Connection, PoolTimedOut> {
        let wait = Arc::clone(&self.free).acquire_owned();
        match timeout(Duration::from_millis(100), wait).await {
            Ok(permit) => Ok(Connection {
                _permit: permit.unwrap(),
            }),
            Err(_elapsed) => Err(PoolTimedOut),
        }
    }
}

impl Connection {
    async fn language(&self, _user: &str) -> String {
        sleep(Duration::from_millis(5)).await; // a quick query
        String::from("en")
    }
}

async fn fetch_joke() -> String {
    sleep(Duration::from_millis(200)).await; // a slow remote call
    String::from("a joke")
}
// ANCHOR_END: pool

// ANCHOR: held
async fn reply(pool: &Pool, user: &str) -> Result<String, PoolTimedOut> {
    let connection = pool.get().await?;
    let language = connection.language(user).await;
    let joke = fetch_joke().await; // 200 ms with the connection still out
    Ok(format!("[{language}] {joke}"))
} // the connection goes back only here
// ANCHOR_END: held

// ANCHOR: fixed
async fn reply_fixed(pool: &Pool, user: &str) -> Result<String, PoolTimedOut> {
    let language = {
        let connection = pool.get().await?;
        connection.language(user).await
    }; // the connection goes back here, before the slow call
    let joke = fetch_joke().await;
    Ok(format!("[{language}] {joke}"))
}
// ANCHOR_END: fixed

// ANCHOR: main
/// Four users at once, on a pool of two connections.
async fn four_at_once<F: Future<Output = Result<String, PoolTimedOut>>>(
    reply: impl Fn(Arc<Pool>, &'static str) -> F,
) -> (Vec<Result<String, PoolTimedOut>>, Duration) {
    let pool = Arc::new(Pool::new(2));
    let start = Instant::now();
    let users = ["ada", "alan", "grace", "linus"];
    let replies = join_all(users.map(|u| reply(Arc::clone(&pool), u))).await;
    (replies, start.elapsed())
}

fn summary(replies: &[Result<String, PoolTimedOut>], took: Duration) -> String {
    let answered = replies.iter().filter(|r| r.is_ok()).count();
    let timed_out = replies.len() - answered;
    let ms = took.as_millis();
    format!("{answered} answered, {timed_out} timed out, in {ms} ms")
}

// The paused clock makes the times exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (replies, took) =
        four_at_once(async |pool, user| reply(&pool, user).await).await;
    println!("connection held:     {}", summary(&replies, took));
    let (replies, took) =
        four_at_once(async |pool, user| reply_fixed(&pool, user).await).await;
    println!("connection returned: {}", summary(&replies, took));
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_connection_held_across_a_slow_call_starves_the_pool() {
        let (replies, _) =
            four_at_once(async |pool, user| reply(&pool, user).await).await;
        let timed_out = replies.iter().filter(|r| r.is_err()).count();
        assert_eq!(timed_out, 2, "two users never got a connection");
    }

    #[tokio::test(start_paused = true)]
    async fn returning_the_connection_early_serves_everyone() {
        let (replies, took) =
            four_at_once(async |pool, user| reply_fixed(&pool, user).await)
                .await;
        assert!(replies.iter().all(Result::is_ok));
        // Two rounds of 5 ms queries, then the jokes overlap: 10 + 200.
        assert_eq!(took, Duration::from_millis(210));
    }
}
