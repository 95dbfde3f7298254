use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the program writes down what happened, in order.
type Log = Arc<Mutex<Vec<&'static str>>>;

/// The joke API of Chapter 1, with a log entry when its body starts.
async fn fetch_joke(log: Log) -> String {
    log.lock().unwrap().push("fetch_joke: body starts");
    tokio::time::sleep(Duration::from_millis(200)).await;
    log.lock().unwrap().push("fetch_joke: body ends");
    String::from("Why did the future go to therapy? It had unresolved issues.")
}

// The paused clock skips the 200 ms sleep (see Chapter 1).
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let log = Log::default();

    let future = fetch_joke(log.clone()); // only builds the future
    log.lock().unwrap().push("main: future created");

    let joke = future.await; // runs the body, start to end
    log.lock().unwrap().push("main: future awaited");

    for entry in log.lock().unwrap().iter() {
        println!("{entry}");
    }
    println!("{joke}");
}

#[cfg(test)]
mod tests {
    use super::*;

    // Appendix A, Claim 14: an eager future, polled once as it is created;
    // `creating_a_future_runs_none_of_its_body` fails.
    #[cfg(feature = "counterfactual")]
    fn fetch_joke(log: Log) -> impl Future<Output = String> {
        let mut future = Box::pin(super::fetch_joke(log));
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let _ = future.as_mut().poll(&mut cx);
        future
    }

    #[tokio::test(start_paused = true)]
    async fn creating_a_future_runs_none_of_its_body() {
        let log = Log::default();
        let future = fetch_joke(log.clone());
        assert!(log.lock().unwrap().is_empty());
        future.await;
        assert_eq!(
            *log.lock().unwrap(),
            ["fetch_joke: body starts", "fetch_joke: body ends"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_future_dropped_without_await_never_runs() {
        let log = Log::default();
        // The compiler warns about a future that is neither awaited nor
        // stored. `#[expect]` states that the warning is there, and the
        // build fails (under `-D warnings`) if it ever goes away.
        #[expect(unused_must_use, reason = "the forgotten `.await`")]
        {
            fetch_joke(log.clone());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(log.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn let_underscore_silences_the_compiler_but_not_clippy() {
        let log = Log::default();
        // The compiler says nothing here (a warning would fail the build
        // under `-D warnings`); Clippy's `let_underscore_future` lint does,
        // and `#[expect]` fails the Clippy run if it ever stops.
        #[expect(clippy::let_underscore_future, reason = "the same mistake")]
        let _ = fetch_joke(log.clone());
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(log.lock().unwrap().is_empty());
    }
}
