use support::Preferences;

/// What can go wrong when asking for preferences.
#[derive(Debug, thiserror::Error)]
enum PrefsError {
    #[error("the preferences service answered {0}")]
    Status(reqwest::StatusCode),
    #[error("could not reach the preferences service")]
    Http(#[from] reqwest::Error),
}

/// `GET {base}/users/{name}/preferences`: `Ok(None)` for an unknown user
/// (404), an error for any other failure.
async fn preferences(
    base: &str,
    name: &str,
) -> Result<Option<Preferences>, PrefsError> {
    let url = format!("{base}/users/{name}/preferences");
    let response = support::client().get(url).send().await?;
    match response.status() {
        status if status.is_success() => Ok(Some(response.json().await?)),
        reqwest::StatusCode::NOT_FOUND => Ok(None),
        status => Err(PrefsError::Status(status)),
    }
}

#[tokio::main]
async fn main() {
    let server = support::DemoServer::start();
    for name in ["ada", "zed"] {
        match preferences(&server.url(""), name).await {
            Ok(Some(prefs)) => println!("{name}: {}", prefs.language),
            Ok(None) => println!("{name}: no such user"),
            Err(error) => println!("{name}: {error}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    /// A server whose only mock answers `GET` on Ada's preferences with
    /// `response`, exactly once.
    async fn server_answering(response: ResponseTemplate) -> MockServer {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/users/ada/preferences"))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
        server
    }

    #[tokio::test]
    async fn found_preferences_are_decoded() {
        let body = json!({"user": "ada", "language": "en", "max_length": 80});
        let ok = ResponseTemplate::new(200).set_body_json(body);
        let server = server_answering(ok).await;
        let prefs = preferences(&server.uri(), "ada").await.unwrap();
        assert_eq!(prefs.unwrap().max_length, 80);
    }

    #[tokio::test]
    async fn an_unknown_user_is_none_not_an_error() {
        let server = server_answering(ResponseTemplate::new(404)).await;
        let prefs = preferences(&server.uri(), "ada").await.unwrap();
        assert!(prefs.is_none());
    }

    #[tokio::test]
    async fn a_server_error_is_an_error_asked_once() {
        let server = server_answering(ResponseTemplate::new(500)).await;
        let error = preferences(&server.uri(), "ada").await.unwrap_err();
        assert!(matches!(error, PrefsError::Status(s) if s.as_u16() == 500));
    } // `expect(1)`: exactly one request, no retry

    #[tokio::test]
    async fn a_body_that_is_not_preferences_is_an_error() {
        let not_json = ResponseTemplate::new(200).set_body_string("hi");
        let server = server_answering(not_json).await;
        let error = preferences(&server.uri(), "ada").await.unwrap_err();
        assert!(matches!(error, PrefsError::Http(e) if e.is_decode()));
    }
}
