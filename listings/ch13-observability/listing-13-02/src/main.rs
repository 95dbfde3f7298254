use std::time::Duration;

use tokio::task::JoinHandle;
use tracing::{Instrument, info, info_span, instrument};

async fn write_audit(entry: &'static str) {
    tokio::time::sleep(Duration::from_millis(1)).await;
    info!(entry, "audit written");
}

// ANCHOR: spawn
#[instrument(skip_all, fields(user = %user))]
async fn handle(user: String) -> [JoinHandle<()>; 3] {
    info!("request received");
    [
        // A new task starts with no span: its lines lose the request.
        tokio::spawn(write_audit("plain spawn")),
        // `in_current_span` attaches the span that is current here.
        tokio::spawn(write_audit("in_current_span").in_current_span()),
        // `instrument` attaches any span: here, a child of the current one.
        tokio::spawn(write_audit("child span").instrument(info_span!("audit"))),
    ]
}
// ANCHOR_END: spawn

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    support::log_to_stdout(); // the subscriber of Listing 13-1
    for task in handle("ada".into()).await {
        task.await.unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use support::CapturedLog;

    #[tokio::test(start_paused = true)]
    async fn only_instrumented_tasks_keep_the_request_span() {
        let captured = CapturedLog::default();
        let _guard = captured.set_default();
        for task in handle("ada".into()).await {
            task.await.unwrap();
        }
        let log = captured.text();
        let line = |entry: &str| {
            let needle = format!("entry=\"{entry}\"");
            log.lines()
                .find(|l| l.contains(&needle))
                .unwrap()
                .to_string()
        };
        assert!(!line("plain spawn").contains("user=ada"));
        assert!(line("in_current_span").contains("handle{user=ada}:"));
        assert!(line("child span").contains("handle{user=ada}:audit:"));
    }
}
