use std::time::Duration;

use support::Joke;

/// What can go wrong when asking for a joke.
#[derive(Debug, thiserror::Error)]
enum JokeError {
    #[error("the joke service answered {0}")]
    Status(reqwest::StatusCode),
    #[error("could not reach the joke service")]
    Http(#[from] reqwest::Error),
}

/// A client for the joke API at `base` (for example `http://127.0.0.1:8080`).
struct JokeClient {
    http: reqwest::Client,
    base: String,
    retry_delay: Duration,
}

// ANCHOR: client
impl JokeClient {
    fn new(base: &str, retry_delay: Duration) -> JokeClient {
        let http = support::client(); // no proxy, 10 s timeout
        JokeClient {
            http,
            base: base.to_string(),
            retry_delay,
        }
    }

    /// One request: `GET /joke?id=…`, which must answer 200 with JSON.
    async fn joke(&self, id: u32) -> Result<Joke, JokeError> {
        let response = self
            .http
            .get(format!("{}/joke?id={id}", self.base))
            .header("accept", "application/json")
            .send()
            .await?;
        if !response.status().is_success() {
            return Err(JokeError::Status(response.status()));
        }
        Ok(response.json().await?)
    }

    /// Like `joke`, but tries once more after a 503 (service unavailable).
    async fn joke_with_retry(&self, id: u32) -> Result<Joke, JokeError> {
        match self.joke(id).await {
            Err(JokeError::Status(status)) if status.as_u16() == 503 => {
                tokio::time::sleep(self.retry_delay).await;
                self.joke(id).await
            }
            other => other,
        }
    }
}
// ANCHOR_END: client

#[tokio::main]
async fn main() {
    let server = support::DemoServer::start();
    let client = JokeClient::new(&server.url(""), Duration::from_millis(10));
    match client.joke_with_retry(1).await {
        Ok(joke) => println!("joke 1: {}", joke.setup),
        Err(error) => println!("joke 1: {error}"),
    }
    match client.joke(999).await {
        Ok(joke) => println!("joke 999: {}", joke.setup),
        Err(error) => println!("joke 999: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn joke_json() -> serde_json::Value {
        json!({"id": 7, "setup": "Why?", "punchline": "Because."})
    }

    // ANCHOR: tests
    #[tokio::test]
    async fn asks_for_the_right_joke_and_decodes_it() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/joke"))
            .and(query_param("id", "7"))
            .and(header("accept", "application/json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(joke_json()))
            .expect(1) // checked when `server` is dropped
            .mount(&server)
            .await;

        let client = JokeClient::new(&server.uri(), Duration::ZERO);
        let joke = client.joke(7).await.unwrap();
        assert_eq!(joke.punchline, "Because.");
    }

    #[tokio::test]
    async fn a_server_error_is_an_error_not_a_panic() {
        let server = MockServer::start().await;
        Mock::given(path("/joke"))
            .respond_with(ResponseTemplate::new(500))
            .expect(1)
            .mount(&server)
            .await;

        let client = JokeClient::new(&server.uri(), Duration::ZERO);
        let error = client.joke(7).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "the joke service answered 500 \
            Internal Server Error"
        );
    }

    #[tokio::test]
    async fn retries_once_after_a_503() {
        let server = MockServer::start().await;
        // Mocks are tried in the order they were mounted: the first answers
        // 503 once and then steps aside; the second answers from then on.
        Mock::given(path("/joke"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(path("/joke"))
            .respond_with(ResponseTemplate::new(200).set_body_json(joke_json()))
            .expect(1)
            .mount(&server)
            .await;

        let client = JokeClient::new(&server.uri(), Duration::from_millis(1));
        assert_eq!(client.joke_with_retry(7).await.unwrap().id, 7);
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    }
    // ANCHOR_END: tests

    #[tokio::test]
    async fn any_other_error_status_is_not_retried() {
        let server = MockServer::start().await;
        Mock::given(path("/joke"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        let client = JokeClient::new(&server.uri(), Duration::ZERO);
        let error = client.joke_with_retry(7).await.unwrap_err();
        let status = reqwest::StatusCode::INTERNAL_SERVER_ERROR;
        assert!(matches!(error, JokeError::Status(s) if s == status));
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }

    #[tokio::test]
    #[should_panic(expected = "Verifications failed")]
    async fn an_unmet_expectation_fails_the_test() {
        let server = MockServer::start().await;
        Mock::given(path("/joke"))
            .respond_with(ResponseTemplate::new(200).set_body_json(joke_json()))
            .expect(2) // but the client asks only once
            .mount(&server)
            .await;
        let client = JokeClient::new(&server.uri(), Duration::ZERO);
        client.joke(7).await.unwrap();
    } // `server` is dropped here and checks its expectations
}
