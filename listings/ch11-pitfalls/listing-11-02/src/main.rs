use std::sync::{Arc, Mutex};
use std::time::Duration;

type Saved = Arc<Mutex<Vec<u32>>>;

/// Stands for a write to a database: 10 ms of waiting, then it is saved.
async fn save(saved: Saved, item: u32) {
    tokio::time::sleep(Duration::from_millis(10)).await;
    saved.lock().unwrap().push(item);
}

// ANCHOR: forgot
// rustc says nothing here; Clippy denies it (see the text).
#[expect(clippy::async_yields_async)]
async fn save_in_background(saved: &Saved, items: &[u32]) {
    let mut tasks = Vec::new();
    for &item in items {
        let saved = Arc::clone(saved);
        // The task's output is the future of `save`, which never runs.
        tasks.push(tokio::spawn(async move { save(saved, item) }));
    }
    for task in tasks {
        let _ = task.await; // waits for each task, and drops its output
    }
}
// ANCHOR_END: forgot

// ANCHOR: fixed
async fn save_in_background_fixed(saved: &Saved, items: &[u32]) {
    let mut tasks = Vec::new();
    for &item in items {
        // Spawn the future itself (or write `save(saved, item).await`
        // inside the async block).
        tasks.push(tokio::spawn(save(Arc::clone(saved), item)));
    }
    for task in tasks {
        task.await.unwrap();
    }
}
// ANCHOR_END: fixed

// The paused clock lets the 10 ms saves finish at once.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let saved = Saved::default();
    save_in_background(&saved, &[1, 2, 3]).await;
    println!("forgotten .await: saved {:?}", saved.lock().unwrap());

    let saved = Saved::default();
    save_in_background_fixed(&saved, &[1, 2, 3]).await;
    println!("fixed:            saved {:?}", saved.lock().unwrap());
}

#[cfg(test)]
mod tests {
    use super::*;

    // Appendix A, Claim 15: if the compiler rejected the forgotten `.await`,
    // the code would be the fixed version; the first test below fails.
    #[cfg(feature = "counterfactual")]
    async fn save_in_background(saved: &Saved, items: &[u32]) {
        save_in_background_fixed(saved, items).await
    }

    #[tokio::test(start_paused = true)]
    async fn an_async_block_that_returns_a_future_saves_nothing() {
        let saved = Saved::default();
        save_in_background(&saved, &[1, 2, 3]).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(saved.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn spawning_the_future_itself_saves_everything() {
        let saved = Saved::default();
        save_in_background_fixed(&saved, &[1, 2, 3]).await;
        assert_eq!(*saved.lock().unwrap(), [1, 2, 3]);
    }
}
