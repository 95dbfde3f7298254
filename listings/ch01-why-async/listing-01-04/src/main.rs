use reqwest::Client;
use support::{DemoServer, Joke, Preferences};

/// Asks the joke API and the preferences service at the same time.
async fn reply(
    client: &Client,
    server: &DemoServer,
    user: &str,
) -> reqwest::Result<String> {
    let joke = async {
        let response =
            client.get(server.url("/joke?delay_ms=20")).send().await?;
        response.error_for_status()?.json::<Joke>().await
    };
    let preferences = async {
        let url = server.url(&format!("/users/{user}/preferences"));
        let response = client.get(url).send().await?;
        response.error_for_status()?.json::<Preferences>().await
    };
    // Both requests are in flight together; the first error wins.
    let (joke, preferences) = tokio::try_join!(joke, preferences)?;
    Ok(format!(
        "[{}] {} {}",
        preferences.language, joke.setup, joke.punchline
    ))
}

#[tokio::main]
async fn main() -> reqwest::Result<()> {
    // The book's stand-in for the remote services, on 127.0.0.1.
    let server = DemoServer::start();
    let client = support::client();
    println!("{}", reply(&client, &server, "ada").await?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_a_known_user() {
        let server = DemoServer::start();
        let answer = reply(&support::client(), &server, "alan").await.unwrap();
        assert!(answer.starts_with("[fr] Why did the future"), "{answer}");
    }

    #[tokio::test]
    async fn an_unknown_user_is_an_error_not_a_panic() {
        let server = DemoServer::start();
        let error = reply(&support::client(), &server, "nobody")
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(reqwest::StatusCode::NOT_FOUND));
    }
}
