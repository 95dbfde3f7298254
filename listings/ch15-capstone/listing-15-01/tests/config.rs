//! Configuration: defaults, environment variables, and clear errors.

use std::collections::HashMap;
use std::time::Duration;

use joke_bot::{App, Config};

fn from(vars: &[(&str, &str)]) -> Result<Config, String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    Config::from_env(|name| vars.get(name).cloned()).map_err(|e| e.to_string())
}

#[test]
fn no_settings_means_the_defaults() {
    let config = from(&[]).unwrap();
    assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
    assert_eq!(config.database, ":memory:");
    assert_eq!(config.joke_url, None);
    assert_eq!(config.attempt_timeout, Duration::from_secs(1));
    assert_eq!((config.retries, config.upstream_limit), (2, 64));
    assert_eq!(config.header_timeout, Duration::from_secs(10));
    assert_eq!(config.request_timeout, Duration::from_secs(8));
    assert_eq!((config.max_requests, config.max_connections), (512, 4096));
    assert_eq!(config.grace, Duration::from_secs(10));
}

#[test]
fn settings_override_the_defaults() {
    let config = from(&[
        ("JOKE_BOT_ADDR", "0.0.0.0:9000"),
        ("JOKE_BOT_UPSTREAM", "http://jokes.internal/joke"),
        ("JOKE_BOT_ATTEMPT_TIMEOUT_MS", "250"),
        ("JOKE_BOT_RETRIES", "0"),
        ("JOKE_BOT_HEADER_TIMEOUT_MS", "2000"),
        ("JOKE_BOT_MAX_REQUESTS", "100"),
        ("JOKE_BOT_GRACE_MS", "3000"),
    ])
    .unwrap();
    assert_eq!(config.addr.port(), 9000);
    assert_eq!(
        config.joke_url.as_deref(),
        Some("http://jokes.internal/joke")
    );
    assert_eq!(config.attempt_timeout, Duration::from_millis(250));
    assert_eq!(config.retries, 0);
    assert_eq!(config.header_timeout, Duration::from_secs(2));
    assert_eq!(config.max_requests, 100);
    assert_eq!(config.grace, Duration::from_secs(3));
}

#[test]
fn a_bad_setting_is_a_clear_error() {
    let cases = [
        (
            ("JOKE_BOT_RETRIES", "lots"),
            r#"JOKE_BOT_RETRIES="lots" is not valid: invalid digit found in string"#,
        ),
        (
            ("JOKE_BOT_UPSTREAM_LIMIT", "0"),
            r#"JOKE_BOT_UPSTREAM_LIMIT="0" is not valid: must be from 1 to 2305843009213693951"#,
        ),
        (
            // Semaphore::new would panic with this many permits.
            ("JOKE_BOT_MAX_REQUESTS", "18446744073709551615"),
            r#"JOKE_BOT_MAX_REQUESTS="18446744073709551615" is not valid: must be from 1 to 2305843009213693951"#,
        ),
        (
            ("JOKE_BOT_ATTEMPT_TIMEOUT_MS", "0"),
            r#"JOKE_BOT_ATTEMPT_TIMEOUT_MS="0" is not valid: must be from 1 to 3600000"#,
        ),
        (
            // hyper's timer would overflow with this one.
            ("JOKE_BOT_HEADER_TIMEOUT_MS", "18446744073709551615"),
            r#"JOKE_BOT_HEADER_TIMEOUT_MS="18446744073709551615" is not valid: must be from 1 to 3600000"#,
        ),
        (
            ("JOKE_BOT_GRACE_MS", "0"),
            r#"JOKE_BOT_GRACE_MS="0" is not valid: must be from 1 to 3600000"#,
        ),
        (
            ("JOKE_BOT_BACKOFF_MS", "3600001"),
            r#"JOKE_BOT_BACKOFF_MS="3600001" is not valid: must be at most 3600000"#,
        ),
        (
            ("JOKE_BOT_RETRIES", "11"),
            r#"JOKE_BOT_RETRIES="11" is not valid: must be at most 10"#,
        ),
        (
            ("JOKE_BOT_RETRIES", "1000"),
            r#"JOKE_BOT_RETRIES="1000" is not valid: must be at most 10"#,
        ),
        (
            ("JOKE_BOT_BODY_LIMIT", "0"),
            r#"JOKE_BOT_BODY_LIMIT="0" is not valid: must be from 1 to 2305843009213693951"#,
        ),
        (
            ("JOKE_BOT_UPSTREAM", "not a url"),
            r#"JOKE_BOT_UPSTREAM="not a url" is not valid: relative URL without a base"#,
        ),
        (
            ("JOKE_BOT_UPSTREAM", "ftp://jokes.internal/joke"),
            r#"JOKE_BOT_UPSTREAM="ftp://jokes.internal/joke" is not valid: ftp: is not http: or https:"#,
        ),
    ];
    for (setting, message) in cases {
        assert_eq!(from(&[setting]).unwrap_err(), message);
    }
    let error = from(&[("JOKE_BOT_ADDR", "localhost")]).unwrap_err();
    assert!(error.starts_with("JOKE_BOT_ADDR=\"localhost\" is not valid"));
}

#[test]
fn the_largest_settings_are_accepted() {
    let hour = "3600000";
    let config = from(&[
        ("JOKE_BOT_ATTEMPT_TIMEOUT_MS", hour),
        ("JOKE_BOT_UPSTREAM_WAIT_MS", hour),
        ("JOKE_BOT_HEADER_TIMEOUT_MS", hour),
        ("JOKE_BOT_BODY_TIMEOUT_MS", hour),
        ("JOKE_BOT_REQUEST_TIMEOUT_MS", hour),
        ("JOKE_BOT_GRACE_MS", hour),
        ("JOKE_BOT_BACKOFF_MS", hour),
        ("JOKE_BOT_RETRIES", "10"),
    ])
    .unwrap();
    let hour = Duration::from_secs(60 * 60);
    assert_eq!((config.attempt_timeout, config.grace), (hour, hour));
    assert_eq!((config.backoff, config.retries), (hour, 10));
}

#[test]
fn a_bad_config_in_code_or_database_stops_the_start() {
    // A Config built in code is checked too, with the same messages.
    let zero = Config {
        request_timeout: Duration::ZERO,
        ..Config::default()
    };
    let error = App::new(zero).err().unwrap();
    assert_eq!(
        error.to_string(),
        r#"JOKE_BOT_REQUEST_TIMEOUT_MS="0" is not valid: must be from 1 to 3600000"#
    );
    let bad_db = Config {
        joke_url: Some("http://127.0.0.1:1/joke".into()),
        database: "/no/such/folder/jokes.db".into(),
        ..Config::default()
    };
    let error = App::new(bad_db).err().unwrap();
    assert_eq!(
        error.to_string(),
        r#"JOKE_BOT_DATABASE="/no/such/folder/jokes.db": cannot open it"#
    );
}
