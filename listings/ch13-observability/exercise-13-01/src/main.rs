use std::time::Duration;

use tracing::field::Empty;
use tracing::{Span, info, instrument};

/// Fetches a joke; the span gets its `status` field once it is known.
#[instrument(fields(status = Empty))]
async fn fetch_joke(id: u32) -> Result<String, u16> {
    info!("request sent");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let status = if id <= 3 { 200 } else { 404 };
    Span::current().record("status", status);
    info!("answer received");
    if status == 200 {
        Ok(format!("joke {id}"))
    } else {
        Err(status)
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    support::log_to_stdout(); // the subscriber of Listing 13-1
    let _ = fetch_joke(1).await;
    let _ = fetch_joke(9).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use support::CapturedLog;

    #[tokio::test(start_paused = true)]
    async fn the_status_appears_once_it_is_recorded() {
        let captured = CapturedLog::default();
        let _guard = captured.set_default();
        assert_eq!(fetch_joke(9).await, Err(404));
        let log = captured.text();
        let lines: Vec<String> = log.lines().map(Into::into).collect();
        assert!(lines[0].contains("fetch_joke{id=9}:"), "{lines:?}");
        assert!(lines[1].contains("fetch_joke{id=9 status=404}:"));
    }
}
