use std::time::Duration;

use tokio::time::sleep;
use tracing::{Instrument, info, info_span, instrument};

// ANCHOR: wrong
/// Wrong: the guard keeps the span entered on this thread while the task
/// is suspended in `sleep`, and whatever runs there meanwhile is in it.
async fn handle_entered(user: &str) {
    let span = info_span!("handle", %user);
    let _entered = span.enter();
    info!("request received");
    sleep(Duration::from_millis(100)).await;
    info!("reply sent");
}
// ANCHOR_END: wrong

// ANCHOR: right
/// Right: `instrument` enters the span for each poll, and exits it when
/// the poll returns.
async fn handle_instrumented(user: &str) {
    let span = info_span!("handle", %user);
    async {
        info!("request received");
        sleep(Duration::from_millis(100)).await;
        info!("reply sent");
    }
    .instrument(span)
    .await
}

/// Also right: `#[instrument]` does the same for the whole function.
#[instrument(name = "handle", skip_all, fields(user = %user))]
async fn handle_attribute(user: &str) {
    info!("request received");
    sleep(Duration::from_millis(100)).await;
    info!("reply sent");
}
// ANCHOR_END: right

// ANCHOR: run
/// Another task, with no span of its own, that logs while the request
/// waits.
async fn tick() {
    sleep(Duration::from_millis(50)).await;
    info!("tick");
}

/// Runs one request for Ada next to `tick`, on the current thread.
async fn run(request: impl Future<Output = ()> + Send + 'static) {
    let request = tokio::spawn(request);
    let tick = tokio::spawn(tick());
    request.await.unwrap();
    tick.await.unwrap();
}
// ANCHOR_END: run

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    support::log_to_stdout(); // the subscriber of Listing 13-1
    println!("-- span.enter() held across .await");
    run(handle_entered("ada")).await;
    println!("-- .instrument(span)");
    run(handle_instrumented("ada")).await;
    println!("-- #[instrument]");
    run(handle_attribute("ada")).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use support::CapturedLog;

    /// The log of `run(request)`, as lines.
    async fn log_of(
        request: impl Future<Output = ()> + Send + 'static,
    ) -> Vec<String> {
        let captured = CapturedLog::default();
        let _guard = captured.set_default();
        run(request).await;
        captured.text().lines().map(str::to_string).collect()
    }

    fn line<'a>(log: &'a [String], message: &str) -> &'a str {
        log.iter().find(|l| l.ends_with(message)).unwrap()
    }

    // ANCHOR: tests
    #[tokio::test(start_paused = true)]
    async fn an_entered_guard_puts_another_tasks_line_in_the_span() {
        let log = log_of(handle_entered("ada")).await;
        assert!(line(&log, "tick").contains("handle{user=ada}"));
    }

    #[tokio::test(start_paused = true)]
    async fn instrument_keeps_the_span_to_its_own_task() {
        for log in [
            log_of(handle_instrumented("ada")).await,
            log_of(handle_attribute("ada")).await,
        ] {
            assert!(!line(&log, "tick").contains("ada"));
            // The request's own lines still carry its span.
            assert!(line(&log, "reply sent").contains("handle{user=ada}"));
        }
    }
    // ANCHOR_END: tests
}
