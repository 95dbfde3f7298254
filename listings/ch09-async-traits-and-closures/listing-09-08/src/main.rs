use std::time::Duration;

use support::DemoServer;
use tokio::time::Instant;

/// Since Rust 1.85: one bound, `AsyncFnMut`, and no separate future type.
async fn for_each_joke(ids: &[u32], mut f: impl AsyncFnMut(u32)) {
    for &id in ids {
        f(id).await;
    }
}

async fn fetch(id: u32) -> String {
    tokio::time::sleep(Duration::from_millis(1)).await;
    format!("joke {id}")
}

/// The closure's future borrows `told` mutably: fine for an async closure.
async fn collect_jokes(ids: &[u32]) -> Vec<String> {
    let mut told = Vec::new();
    for_each_joke(ids, async |id| {
        told.push(fetch(id).await);
    })
    .await;
    told
}

/// Calls `operation` until it succeeds, at most `attempts` times. `AsyncFn`:
/// the operation is called several times and only reads its captures.
async fn retry<T, E>(
    attempts: u32,
    operation: impl AsyncFn() -> Result<T, E>,
) -> Result<T, E> {
    let mut attempt = 1;
    loop {
        match operation().await {
            Err(_) if attempt < attempts => attempt += 1,
            result => return result,
        }
    }
}

/// Fetches a flaky endpoint; the closure's future borrows `client` and `url`.
async fn fetch_flaky(
    client: &reqwest::Client,
    url: &str,
    attempts: u32,
) -> reqwest::Result<String> {
    retry(attempts, async || {
        let response = client.get(url).send().await?;
        response.error_for_status()?.text().await
    })
    .await
}

/// Runs `work` once and reports how long it took. `AsyncFnOnce`: the
/// closure may move its captures out, because it is called only once.
async fn timed<T>(work: impl AsyncFnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let output = work().await;
    (output, start.elapsed())
}

async fn into_report(lines: Vec<String>) -> (String, Duration) {
    timed(async move || {
        tokio::time::sleep(Duration::from_millis(3)).await;
        // `into_iter` moves `lines` out of the closure: `AsyncFnOnce` only.
        let report = lines.into_iter().reduce(|all, line| all + "; " + &line);
        report.unwrap_or_default()
    })
    .await
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> reqwest::Result<()> {
    let jokes = collect_jokes(&[1, 2, 3]).await;
    println!("collected: {jokes:?}");

    let server = DemoServer::start();
    let url = server.url("/flaky?key=main&failures=2");
    let answer = fetch_flaky(&support::client(), &url, 3).await?;
    println!("flaky endpoint, 3 attempts: {answer}");

    let (report, _) = into_report(jokes).await;
    println!("report: {report}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn async_closures_compile_and_run_on_stable_rust() {
        // This package declares `rust-version = "1.85"` (from the workspace).
        let jokes = collect_jokes(&[1, 2]).await;
        assert_eq!(jokes, ["joke 1", "joke 2"]);
    }

    #[tokio::test]
    async fn retry_calls_the_closure_until_it_succeeds() {
        let server = DemoServer::start();
        let client = support::client();
        let url = server.url("/flaky?key=t&failures=2");
        let answer = fetch_flaky(&client, &url, 3).await.unwrap();
        assert_eq!(answer, r#"{"attempts":3}"#);
    }

    #[tokio::test]
    async fn retry_gives_up_after_the_last_attempt() {
        // The endpoint would answer a third request: retry must not make it.
        let server = DemoServer::start();
        let url = server.url("/flaky?key=u&failures=2");
        let error = fetch_flaky(&support::client(), &url, 2).await.unwrap_err();
        assert_eq!(
            error.status(),
            Some(reqwest::StatusCode::SERVICE_UNAVAILABLE)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn timed_reports_the_time_of_the_work() {
        let lines = vec!["a".to_string(), "b".to_string()];
        let (report, took) = into_report(lines).await;
        assert_eq!(report, "a; b");
        assert_eq!(took, Duration::from_millis(3));
    }
}
