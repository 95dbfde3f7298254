use anyhow::Context;
use reqwest::{Client, StatusCode};
use support::{DemoServer, Preferences};

// ANCHOR: library
/// Everything that can go wrong while loading a user's preferences.
#[derive(Debug, thiserror::Error)]
pub enum PreferencesError {
    #[error("unknown user {0:?}")]
    UnknownUser(String),
    #[error("the preferences service answered {0}")]
    Status(StatusCode),
    #[error("could not reach the preferences service")]
    Unreachable(#[source] reqwest::Error),
    #[error("the preferences service sent something that is not preferences")]
    BadBody(#[source] reqwest::Error),
}

/// Loads `user`'s preferences from the service at `base_url`.
pub async fn preferences(
    client: &Client,
    base_url: &str,
    user: &str,
) -> Result<Preferences, PreferencesError> {
    let url = format!("{base_url}/users/{user}/preferences");
    let response = client
        .get(url)
        .send()
        .await
        .map_err(PreferencesError::Unreachable)?;
    match response.status() {
        StatusCode::OK => {}
        StatusCode::NOT_FOUND => {
            return Err(PreferencesError::UnknownUser(user.to_owned()));
        }
        status => return Err(PreferencesError::Status(status)),
    }
    response.json().await.map_err(PreferencesError::BadBody)
}
// ANCHOR_END: library

// ANCHOR: application
/// The application's side: any error, plus what it was doing at the time.
async fn greeting(
    client: &Client,
    base_url: &str,
    user: &str,
) -> anyhow::Result<String> {
    let preferences = preferences(client, base_url, user)
        .await
        .with_context(|| format!("greeting {user}"))?;
    Ok(match preferences.language.as_str() {
        "fr" => format!("Bonjour, {user} !"),
        _ => format!("Hello, {user}!"),
    })
}

#[tokio::main]
async fn main() {
    let server = DemoServer::start();
    let client = support::client();
    for user in ["ada", "alan", "nobody"] {
        match greeting(&client, &server.url(""), user).await {
            Ok(text) => println!("{text}"),
            // `{:#}` prints the whole chain on one line.
            Err(error) => println!("error: {error:#}"),
        }
    }
}
// ANCHOR_END: application

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_unknown_user_is_its_own_variant() {
        let server = DemoServer::start();
        let error = preferences(&support::client(), &server.url(""), "nobody")
            .await
            .unwrap_err();
        assert!(
            matches!(&error, PreferencesError::UnknownUser(u) if u == "nobody")
        );
        assert_eq!(error.to_string(), "unknown user \"nobody\"");
    }

    #[tokio::test]
    async fn a_server_that_is_gone_is_unreachable() {
        // Bind a port, then free it: nobody listens there any more.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let error = preferences(&support::client(), &base_url, "ada")
            .await
            .unwrap_err();
        assert!(matches!(error, PreferencesError::Unreachable(_)));
        // The reqwest error is kept as the source, for whoever wants it.
        let source = std::error::Error::source(&error).unwrap();
        assert!(source.is::<reqwest::Error>());
    }

    #[tokio::test]
    async fn the_application_error_carries_context_and_the_typed_cause() {
        let server = DemoServer::start();
        let error = greeting(&support::client(), &server.url(""), "nobody")
            .await
            .unwrap_err();
        // `{}` shows only the outermost context; `{:#}` the whole chain.
        assert_eq!(error.to_string(), "greeting nobody");
        assert_eq!(
            format!("{error:#}"),
            "greeting nobody: unknown user \"nobody\""
        );
        // `{:?}` (what `main` returning an error prints) lists the causes.
        let report = format!("{error:?}");
        assert!(report.starts_with(
            "greeting nobody\n\nCaused by:\n    unknown user \"nobody\""
        ));
        // The typed error is still inside, if a caller needs to branch on it.
        let cause = error.downcast_ref::<PreferencesError>().unwrap();
        assert!(matches!(cause, PreferencesError::UnknownUser(_)));
    }
}
