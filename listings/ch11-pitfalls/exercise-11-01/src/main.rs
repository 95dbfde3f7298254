use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::stream;
use tokio::time::{Instant, sleep};

#[derive(Default)]
struct Db {
    followers: HashMap<String, Vec<String>>,
}

async fn send_email(_to: &str) {
    sleep(Duration::from_millis(100)).await;
}

/// At most this many emails are on their way at once.
const AT_ONCE: usize = 10;

/// Copies the list out of the lock in one statement, so no guard is
/// alive at any `.await` (pitfall 3), then sends the emails concurrently,
/// a bounded number at a time (pitfall 10).
async fn notify_followers(db: &Mutex<Db>, user: &str) -> usize {
    let followers = db.lock().unwrap().followers.get(user).cloned();
    stream::iter(followers.unwrap_or_default())
        .map(async |follower| send_email(&follower).await)
        .buffer_unordered(AT_ONCE)
        .count()
        .await
}

fn db_with_followers(n: usize) -> Arc<Mutex<Db>> {
    let mut db = Db::default();
    let followers = (0..n).map(|i| format!("follower{i}@example.org"));
    db.followers.insert("ada".into(), followers.collect());
    Arc::new(Mutex::new(db))
}

// The paused clock makes the time exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let db = db_with_followers(25);
    let start = Instant::now();
    // The future is Send, so it can be spawned; and the handle is kept.
    let task = tokio::spawn({
        let db = Arc::clone(&db);
        async move { notify_followers(&db, "ada").await }
    });
    let sent = task.await.unwrap();
    println!("{sent} emails in {} ms", start.elapsed().as_millis());
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    // `tokio::spawn` demands `Send` on every runtime flavor, so this test
    // compiling is the proof; running it checks the count.
    #[tokio::test(start_paused = true)]
    async fn the_fixed_handler_can_be_spawned() {
        let db = db_with_followers(3);
        let task =
            tokio::spawn(async move { notify_followers(&db, "ada").await });
        assert_eq!(task.await.unwrap(), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn emails_go_out_ten_at_a_time() {
        let db = db_with_followers(25);
        let start = Instant::now();
        assert_eq!(notify_followers(&db, "ada").await, 25);
        // 25 emails, 10 at a time: three rounds of 100 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(300));
    }

    #[tokio::test(start_paused = true)]
    async fn the_lock_is_free_while_emails_are_sent() {
        let db = db_with_followers(5);
        let mut notify = std::pin::pin!(notify_followers(&db, "ada"));
        assert!((&mut notify).now_or_never().is_none(), "emails in flight");
        assert!(db.try_lock().is_ok(), "nobody holds the lock");
        assert_eq!(notify.await, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn a_user_without_followers_gets_no_emails() {
        let db = db_with_followers(5);
        assert_eq!(notify_followers(&db, "nobody").await, 0);
    }
}
