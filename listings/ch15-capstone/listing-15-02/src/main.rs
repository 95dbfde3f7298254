//! A tour of the joke bot's API: starts the service in-process, sends it a
//! few requests, good and bad, and prints what comes back.

use joke_bot::{App, Config};
use reqwest::header::CONTENT_TYPE;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Port 0: any free port. The default config uses the demo joke API.
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = App::new(Config::default())?;
    let shutdown = CancellationToken::new();
    let server = tokio::spawn(joke_bot::serve(
        listener,
        app,
        joke_bot::routes(),
        shutdown.clone(),
    ));

    let client = support::client();
    for body in [
        r#"{"user": "alan", "id": 2}"#,
        r#"{"user": "bob"}"#,
        r#"{"user": "ada", "id": 0}"#,
        r#"{"user": "ada""#,
    ] {
        let response = client
            .post(format!("{base}/jokes"))
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        println!("POST /jokes {body}");
        println!("=> {} {}\n", response.status(), response.text().await?);
    }

    let path = "/jokes/stream?user=ada&count=4";
    let response = client.get(format!("{base}{path}")).send().await?;
    println!("GET {path}");
    println!("=> {}", response.status());
    print!("{}", response.text().await?);

    shutdown.cancel();
    server.await?;
    Ok(())
}
