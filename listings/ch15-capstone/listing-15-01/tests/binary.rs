//! The binary: starts with no configuration (but a free port), and stops
//! on a signal, within its grace period, or at once on a second signal.
#![cfg(unix)]

use std::io::{BufRead, BufReader, Lines, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStderr, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The binary, started with `settings`; its log, and its address.
struct Service {
    child: Child,
    log: Lines<BufReader<ChildStderr>>,
    addr: String,
}

impl Service {
    fn start(settings: &[(&str, &str)]) -> Service {
        let mut child = Command::new(env!("CARGO_BIN_EXE_listing-15-01"))
            .env("JOKE_BOT_ADDR", "127.0.0.1:0")
            .env("NO_COLOR", "1")
            .env("RUST_LOG", "info,joke_bot=debug")
            .env_remove("JOKE_BOT_UPSTREAM")
            .envs(settings.iter().copied())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
        let listening = wait_for(&mut log, "listening");
        let addr = listening.split("addr=").nth(1).unwrap().trim().to_owned();
        Service { child, log, addr }
    }

    fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let kill = Command::new("kill").args([name, &pid]).status().unwrap();
        assert!(kill.success());
    }

    /// Waits for the process to exit, for at most `limit`; kills it after
    /// that, so that a failing test does not leave it running.
    fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        None
    }

    /// Sends a joke request whose body stops half-way, and waits until
    /// the service has started on it.
    fn half_sent_request(&mut self) -> TcpStream {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        let head = "POST /jokes HTTP/1.1\r\nHost: joke-bot\r\n\
                    Content-Type: application/json\r\nContent-Length: 40\r\n\r\n";
        write!(stream, "{head}{{\"user\":").unwrap();
        wait_for(&mut self.log, "received");
        stream
    }
}

/// Reads log lines until one contains `needle`, and returns it.
fn wait_for(log: &mut Lines<BufReader<ChildStderr>>, needle: &str) -> String {
    log.by_ref()
        .map(Result::unwrap)
        .find(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("the log ended without {needle:?}"))
}

#[tokio::test]
async fn starts_with_defaults_and_stops_on_ctrl_c() {
    let mut service = Service::start(&[]);
    let response = support::client()
        .post(format!("http://{}/jokes", service.addr))
        .json(&serde_json::json!({ "user": "ada" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    service.signal("-INT");
    let status = service.exit_within(Duration::from_secs(30)).unwrap();
    assert!(status.success());
    let rest: Vec<String> = service.log.map(Result::unwrap).collect();
    assert!(
        rest.iter().any(|line| line.ends_with("stopped")),
        "{rest:?}"
    );
}

#[test]
fn sigterm_with_half_sent_requests_stops_after_the_grace_period() {
    let grace = Duration::from_secs(1);
    let mut service = Service::start(&[
        ("JOKE_BOT_GRACE_MS", "1000"),
        ("JOKE_BOT_BODY_TIMEOUT_MS", "600000"),
        ("JOKE_BOT_REQUEST_TIMEOUT_MS", "600000"),
    ]);
    let _clients = [service.half_sent_request(), service.half_sent_request()];
    let started = Instant::now();
    service.signal("-TERM");
    let status = service.exit_within(Duration::from_secs(30));
    assert!(
        status
            .expect("did not stop after the grace period")
            .success()
    );
    assert!(started.elapsed() >= grace);
    let rest: Vec<String> = service.log.map(Result::unwrap).collect();
    let needle = "grace period of 1s over: closing 2 connections still open";
    assert!(rest.iter().any(|line| line.contains(needle)), "{rest:?}");
}

#[test]
fn a_second_signal_stops_at_once() {
    // Without the second signal, this service would wait ten minutes.
    let mut service = Service::start(&[
        ("JOKE_BOT_GRACE_MS", "600000"),
        ("JOKE_BOT_BODY_TIMEOUT_MS", "600000"),
        ("JOKE_BOT_REQUEST_TIMEOUT_MS", "600000"),
    ]);
    let _client = service.half_sent_request();
    service.signal("-INT");
    wait_for(&mut service.log, "shutting down");
    service.signal("-INT");
    let status = service.exit_within(Duration::from_secs(30));
    assert_eq!(
        status.expect("a second signal did not stop it").code(),
        Some(1)
    );
    wait_for(&mut service.log, "SIGINT again: exiting at once");
}
