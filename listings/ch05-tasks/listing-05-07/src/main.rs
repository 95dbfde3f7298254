use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::sleep;

type Log = Arc<Mutex<Vec<String>>>;

/// Writes to the log when dropped, finished or not.
struct DropNote(&'static str, Log);

impl Drop for DropNote {
    fn drop(&mut self) {
        self.1.lock().unwrap().push(format!("{} dropped", self.0));
    }
}

/// A call that takes `ms` milliseconds and logs what happens to it.
async fn call(name: &'static str, ms: u64, log: Log) -> &'static str {
    let _note = DropNote(name, log.clone());
    sleep(Duration::from_millis(ms)).await;
    log.lock().unwrap().push(format!("{name} finished"));
    name
}

/// Takes whichever answer comes first; the other call is dropped.
async fn race(log: Log) -> &'static str {
    tokio::select! {
        answer = call("joke API", 200, log.clone()) => answer,
        answer = call("cache", 5, log.clone()) => answer,
    }
}

/// Takes the first answer, then still waits for the joke API.
async fn first_then_the_rest(log: Log) -> Vec<&'static str> {
    let mut joke = pin!(call("joke API", 200, log.clone()));
    let first = tokio::select! {
        answer = &mut joke => answer, // only borrowed by select!
        answer = call("cache", 5, log.clone()) => answer,
    };
    vec![first, joke.await] // the joke call resumes where it was
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let log = Log::default();
    println!("race: {}", race(log.clone()).await);
    sleep(Duration::from_secs(1)).await;
    println!("  log: {:?}", log.lock().unwrap());

    let log = Log::default();
    println!(
        "first, then the rest: {:?}",
        first_then_the_rest(log.clone()).await
    );
    println!("  log: {:?}", log.lock().unwrap());
}

#[cfg(test)]
mod tests {
    use super::*;

    // Appendix A, Claim 19: a `race` whose losing call runs on, as a spawned
    // task does; `select_drops_the_branch_that_loses` fails.
    #[cfg(feature = "counterfactual")]
    async fn race(log: Log) -> &'static str {
        let joke = tokio::spawn(call("joke API", 200, log.clone()));
        tokio::select! {
            answer = joke => answer.unwrap(),
            answer = call("cache", 5, log.clone()) => answer,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn select_drops_the_branch_that_loses() {
        let log = Log::default();
        assert_eq!(race(log.clone()).await, "cache");
        sleep(Duration::from_secs(1)).await;
        assert_eq!(
            *log.lock().unwrap(),
            ["cache finished", "cache dropped", "joke API dropped"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_branch_on_a_borrowed_future_survives_losing() {
        let log = Log::default();
        let answers = first_then_the_rest(log.clone()).await;
        assert_eq!(answers, ["cache", "joke API"]);
        assert!(log.lock().unwrap().contains(&"joke API finished".into()));
    }

    #[tokio::test(start_paused = true)]
    async fn a_losing_join_handle_branch_leaves_the_task_running() {
        let log = Log::default();
        let joke = tokio::spawn(call("joke API", 200, log.clone()));
        let first = tokio::select! {
            answer = joke => answer.unwrap(), // loses: the handle is dropped
            answer = call("cache", 5, log.clone()) => answer,
        };
        assert_eq!(first, "cache");
        sleep(Duration::from_secs(1)).await;
        assert_eq!(
            *log.lock().unwrap(),
            [
                "cache finished",
                "cache dropped",
                "joke API finished", // the task was not cancelled
                "joke API dropped",
            ]
        );
    }
}
