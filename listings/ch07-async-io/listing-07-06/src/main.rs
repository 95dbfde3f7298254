use std::time::Duration;

use anyhow::Context;
use reqwest::{Client, StatusCode};
use support::DemoServer;
use tokio::time::sleep;

// ANCHOR: errors
/// Every way a fetch can fail, each with what the caller needs to know.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("no answer from {path} within {limit:?}")]
    Timeout { path: String, limit: Duration },
    #[error("could not connect for {path}")]
    Connect {
        path: String,
        source: reqwest::Error,
    },
    #[error("{path} answered {status}")]
    Status { path: String, status: StatusCode },
    #[error("the request for {path} failed")]
    Other {
        path: String,
        source: reqwest::Error,
    },
    #[error("gave up after {attempts} attempts")]
    GaveUp {
        attempts: u32,
        source: Box<FetchError>,
    },
}

impl FetchError {
    /// Might the same request succeed if it is simply tried again?
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Connect { .. } => true,
            // Overloaded, or a server or gateway in trouble: may pass.
            // Not 501 (not implemented) or 505 (HTTP version): they stay.
            FetchError::Status { status, .. } => matches!(
                *status,
                StatusCode::TOO_MANY_REQUESTS
                    | StatusCode::INTERNAL_SERVER_ERROR
                    | StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ),
            FetchError::Other { .. } | FetchError::GaveUp { .. } => false,
        }
    }
}

/// One GET of `base` + `path`, given at most `limit` from connecting to
/// the end of the body.
pub async fn fetch(
    client: &Client,
    base: &str,
    path: &str,
    limit: Duration,
) -> Result<String, FetchError> {
    let classify = |error: reqwest::Error| {
        let path = path.to_owned();
        if error.is_timeout() {
            FetchError::Timeout { path, limit }
        } else if error.is_connect() {
            FetchError::Connect {
                path,
                source: error,
            }
        } else {
            FetchError::Other {
                path,
                source: error,
            }
        }
    };
    let request = client.get(format!("{base}{path}")).timeout(limit);
    let response = request.send().await.map_err(classify)?;
    let status = response.status();
    if !status.is_success() {
        return Err(FetchError::Status {
            path: path.to_owned(),
            status,
        });
    }
    response.text().await.map_err(classify)
}
// ANCHOR_END: errors

// ANCHOR: retry
/// How long to wait before retry number `retry` (1, 2, …): `base`, doubled
/// for each retry, capped at `cap`; then half of that is kept and half is
/// scaled by `random`, a number in [0, 1), so that clients that failed
/// together do not all come back at the same moment.
pub fn backoff(
    retry: u32,
    base: Duration,
    cap: Duration,
    random: f64,
) -> Duration {
    let doubled = base.saturating_mul(2_u32.saturating_pow(retry - 1));
    let ceiling = doubled.min(cap);
    ceiling / 2 + (ceiling / 2).mul_f64(random)
}

/// A small, seeded generator of numbers in [0, 1) (xorshift64*): the same
/// seed gives the same jitter, so runs and tests are repeatable.
pub struct Jitter(u64);

impl Jitter {
    pub fn new(seed: u64) -> Jitter {
        Jitter(seed | 1) // never zero
    }

    pub fn sample(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        bits as f64 / (1_u64 << 53) as f64
    }
}

/// When to try again, and for how long to wait.
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

/// Runs `attempt` until it succeeds, fails for good, or runs out of tries.
pub async fn retry<T, F, Fut>(
    policy: &RetryPolicy,
    mut random: impl FnMut() -> f64,
    mut attempt: F,
) -> Result<T, FetchError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, FetchError>>,
{
    let mut tries = 1;
    loop {
        let error = match attempt().await {
            Ok(value) => return Ok(value),
            Err(error) if !error.is_transient() => return Err(error),
            Err(error) => error,
        };
        if tries == policy.attempts {
            let source = Box::new(error);
            return Err(FetchError::GaveUp {
                attempts: tries,
                source,
            });
        }
        sleep(backoff(tries, policy.base, policy.cap, random())).await;
        tries += 1;
    }
}
// ANCHOR_END: retry

// ANCHOR: main
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = DemoServer::start();
    let base = server.url("");
    let client = support::client(); // one client, shared by every request
    let policy = RetryPolicy {
        attempts: 4,
        base: Duration::from_millis(10),
        cap: Duration::from_millis(100),
    };
    let mut jitter = Jitter::new(2024);

    let waits: Vec<_> = (1..=4)
        .map(|retry| backoff(retry, policy.base, policy.cap, jitter.sample()))
        .collect();
    println!("waits before retries 1 to 4: {waits:?}");

    let limit = Duration::from_secs(1);
    let flaky = "/flaky?key=main&failures=2";
    let body = retry(
        &policy,
        || jitter.sample(),
        || fetch(&client, &base, flaky, limit),
    )
    .await
    .context("loading the flaky page")?;
    println!("the flaky page answered {body}");

    let slow = "/slow?ms=500";
    let limit = Duration::from_millis(20);
    let result = retry(
        &policy,
        || jitter.sample(),
        || fetch(&client, &base, slow, limit),
    )
    .await
    .context("loading the slow page");
    if let Err(error) = result {
        println!("error: {error:#}");
    }
    Ok(())
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use tokio::time::Instant;

    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        attempts: 3,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(100),
    };

    fn ms(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    #[test]
    fn the_backoff_doubles_up_to_the_cap() {
        let (base, cap) = (ms(100), ms(1_000));
        let lowest: Vec<_> =
            (1..=6).map(|n| backoff(n, base, cap, 0.0)).collect();
        assert_eq!(
            lowest,
            [ms(50), ms(100), ms(200), ms(400), ms(500), ms(500)]
        );
        // With the largest random number, a wait nears the full ceiling.
        assert!(backoff(3, base, cap, 0.999_999) > ms(399));
        assert!(backoff(3, base, cap, 0.999_999) < ms(400));
    }

    #[test]
    fn the_same_seed_gives_the_same_jitter() {
        let first: Vec<f64> = (0..5)
            .scan(Jitter::new(9), |j, _| Some(j.sample()))
            .collect();
        let again: Vec<f64> = (0..5)
            .scan(Jitter::new(9), |j, _| Some(j.sample()))
            .collect();
        assert_eq!(first, again);
        assert!(first.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(first.windows(2).all(|pair| pair[0] != pair[1]));
    }

    #[test]
    fn only_statuses_that_may_pass_are_transient() {
        let transient = |code| {
            let status = StatusCode::from_u16(code).unwrap();
            FetchError::Status {
                path: "/x".into(),
                status,
            }
            .is_transient()
        };
        for code in [429, 500, 502, 503, 504] {
            assert!(transient(code), "{code} may pass");
        }
        for code in [400, 404, 501, 505] {
            assert!(!transient(code), "{code} will not");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retry_waits_exactly_the_backoff_between_attempts() {
        // No real I/O here: a fake attempt that fails twice, on a paused
        // clock, so the waits can be checked to the nanosecond.
        let policy = RetryPolicy {
            attempts: 5,
            base: ms(100),
            cap: ms(1_000),
        };
        let mut calls = 0;
        let start = Instant::now();
        let result = retry(
            &policy,
            || 0.5,
            || {
                calls += 1;
                let outcome = if calls <= 2 {
                    let status = StatusCode::SERVICE_UNAVAILABLE;
                    Err(FetchError::Status {
                        path: "/x".into(),
                        status,
                    })
                } else {
                    Ok(calls)
                };
                async move { outcome }
            },
        )
        .await;
        assert_eq!(result.unwrap(), 3);
        // 75 ms (half of 100, plus half of the other half), then 150 ms.
        assert_eq!(start.elapsed(), ms(75) + ms(150));
    }

    #[tokio::test]
    async fn the_flaky_endpoint_succeeds_on_the_third_try() {
        let server = DemoServer::start();
        let (client, base) = (support::client(), server.url(""));
        let path = "/flaky?key=third&failures=2";
        let body =
            retry(&POLICY, || 0.5, || fetch(&client, &base, path, ms(1_000)))
                .await
                .unwrap();
        assert_eq!(body, r#"{"attempts":3}"#);
    }

    #[tokio::test]
    async fn retry_gives_up_with_the_last_error() {
        let server = DemoServer::start();
        let (client, base) = (support::client(), server.url(""));
        let path = "/flaky?key=never&failures=100";
        let error =
            retry(&POLICY, || 0.5, || fetch(&client, &base, path, ms(1_000)))
                .await
                .unwrap_err();
        let FetchError::GaveUp {
            attempts: 3,
            source,
        } = error
        else {
            panic!("expected GaveUp, got {error:?}");
        };
        assert!(matches!(*source, FetchError::Status { status, .. }
            if status == StatusCode::SERVICE_UNAVAILABLE));
    }

    #[tokio::test]
    async fn a_not_found_is_not_retried() {
        let server = DemoServer::start();
        let (client, base) = (support::client(), server.url(""));
        let mut calls = 0;
        let error = retry(
            &POLICY,
            || 0.5,
            || {
                calls += 1;
                fetch(&client, &base, "/users/nobody/preferences", ms(1_000))
            },
        )
        .await
        .unwrap_err();
        assert_eq!(calls, 1);
        assert_eq!(
            error.to_string(),
            "/users/nobody/preferences answered 404 Not Found"
        );
    }

    #[tokio::test]
    async fn a_per_request_timeout_becomes_a_timeout_error() {
        let server = DemoServer::start();
        let error =
            fetch(&support::client(), &server.url(""), "/slow?ms=500", ms(20))
                .await
                .unwrap_err();
        assert!(matches!(error, FetchError::Timeout { .. }));
        assert_eq!(
            error.to_string(),
            "no answer from /slow?ms=500 within 20ms"
        );
    }

    #[tokio::test]
    async fn a_client_timeout_applies_to_every_request_unless_overridden() {
        let server = DemoServer::start();
        let client = Client::builder()
            .no_proxy()
            .timeout(ms(20))
            .build()
            .unwrap();
        let slow = client.get(server.url("/slow?ms=500")).send().await;
        assert!(slow.unwrap_err().is_timeout());
        // A per-request timeout replaces the client's for that request.
        let patient = client.get(server.url("/slow?ms=40")).timeout(ms(2_000));
        assert_eq!(patient.send().await.unwrap().status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn a_refused_connection_is_transient() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let error = fetch(&support::client(), &base, "/", ms(1_000))
            .await
            .unwrap_err();
        assert!(matches!(error, FetchError::Connect { .. }));
        assert!(error.is_transient());
    }
}
