use std::time::Duration;

use tokio::time::sleep;
use tracing::{info, instrument};

// ANCHOR: spans
/// The joke API: about 200 ms.
#[instrument]
async fn fetch_joke(id: u32) -> String {
    info!("asking the joke API");
    sleep(Duration::from_millis(200)).await;
    info!("joke received");
    format!("joke {id}")
}

/// The preferences store: about 5 ms.
#[instrument]
async fn fetch_language(user: &str) -> String {
    sleep(Duration::from_millis(5)).await;
    info!("preferences read");
    "en".to_string()
}

/// One "tell me a joke" request. `skip_all` keeps the arguments out of the
/// span; `fields` puts back the one worth seeing.
#[instrument(skip_all, fields(user = %user))]
async fn handle(user: String, joke_id: u32) -> String {
    info!("request received");
    let (joke, language) =
        tokio::join!(fetch_joke(joke_id), fetch_language(&user));
    info!(%language, "reply sent");
    joke
}
// ANCHOR_END: spans

// ANCHOR: main
/// Two users ask at the same time. The clock is paused, so the run is
/// instant and the order of the lines is the same on every run.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    tracing_subscriber::fmt()
        .without_time() // timestamps would differ on every run
        .with_target(false)
        .with_ansi(false)
        .init();
    let ada = tokio::spawn(handle("ada".into(), 1));
    let grace = tokio::spawn(handle("grace".into(), 2));
    let _ = tokio::join!(ada, grace);
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;
    use support::CapturedLog;

    /// Runs two requests with a subscriber that writes into a buffer, and
    /// returns the log lines.
    async fn log_of_two_requests() -> Vec<String> {
        let captured = CapturedLog::default();
        // The default subscriber is per thread: fine on a current-thread
        // runtime, where every task runs on this thread.
        let _guard = captured.set_default();
        let ada = tokio::spawn(handle("ada".into(), 1));
        let grace = tokio::spawn(handle("grace".into(), 2));
        let _ = tokio::join!(ada, grace);
        let text = captured.text();
        text.lines().map(str::to_string).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn lines_after_an_await_carry_their_request_span() {
        let lines = log_of_two_requests().await;
        let received: Vec<&String> = lines
            .iter()
            .filter(|l| l.ends_with("joke received"))
            .collect();
        // Both jokes arrive 200 ms after both requests began, after many
        // awaits and task switches; each line still names its own user.
        assert_eq!(received.len(), 2);
        assert!(received[0].contains(r#"handle{user=ada}:fetch_joke{id=1}"#));
        assert!(received[1].contains(r#"handle{user=grace}:fetch_joke{id=2}"#));
    }

    #[tokio::test(start_paused = true)]
    async fn the_two_requests_interleave() {
        let lines = log_of_two_requests().await;
        let position = |user| lines.iter().position(|l| l.contains(user));
        let last_ada = lines.iter().rposition(|l| l.contains("user=ada"));
        let (Some(first_grace), Some(last_ada)) =
            (position("user=grace"), last_ada)
        else {
            panic!("a request logged nothing: {lines:#?}");
        };
        // Grace's request began before Ada's ended: they ran concurrently.
        assert!(first_grace < last_ada, "{lines:#?}");
    }
}
