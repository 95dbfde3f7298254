//! The binary: starts with no configuration (but a free port) and stops
//! cleanly on Ctrl-C, that is on SIGINT.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn starts_with_defaults_and_stops_on_ctrl_c() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_listing-15-01"))
        .env("JOKE_BOT_ADDR", "127.0.0.1:0")
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .env_remove("JOKE_BOT_UPSTREAM")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let listening = log
        .by_ref()
        .map(Result::unwrap)
        .find(|line| line.contains("listening"))
        .unwrap();
    let addr = listening.split("addr=").nth(1).unwrap().trim().to_owned();

    let response = support::client()
        .post(format!("http://{addr}/jokes"))
        .json(&serde_json::json!({ "user": "ada" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let pid = child.id().to_string();
    let kill = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(kill.success());
    assert!(child.wait().unwrap().success());
    let rest: Vec<String> = log.map(Result::unwrap).collect();
    assert!(
        rest.iter().any(|line| line.ends_with("stopped")),
        "{rest:?}"
    );
}
