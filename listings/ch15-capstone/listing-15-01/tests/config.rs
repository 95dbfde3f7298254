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
}

#[test]
fn settings_override_the_defaults() {
    let config = from(&[
        ("JOKE_BOT_ADDR", "0.0.0.0:9000"),
        ("JOKE_BOT_UPSTREAM", "http://jokes.internal/joke"),
        ("JOKE_BOT_ATTEMPT_TIMEOUT_MS", "250"),
        ("JOKE_BOT_RETRIES", "0"),
    ])
    .unwrap();
    assert_eq!(config.addr.port(), 9000);
    assert_eq!(
        config.joke_url.as_deref(),
        Some("http://jokes.internal/joke")
    );
    assert_eq!(config.attempt_timeout, Duration::from_millis(250));
    assert_eq!(config.retries, 0);
}

#[test]
fn a_bad_setting_is_a_clear_error() {
    assert_eq!(
        from(&[("JOKE_BOT_RETRIES", "lots")]).unwrap_err(),
        r#"JOKE_BOT_RETRIES="lots" is not valid: invalid digit found in string"#
    );
    assert_eq!(
        from(&[("JOKE_BOT_UPSTREAM_LIMIT", "0")]).unwrap_err(),
        r#"JOKE_BOT_UPSTREAM_LIMIT="0" is not valid: number would be zero for non-zero type"#
    );
    let error = from(&[("JOKE_BOT_ADDR", "localhost")]).unwrap_err();
    assert!(error.starts_with("JOKE_BOT_ADDR=\"localhost\" is not valid"));
}

#[test]
fn a_bad_upstream_url_or_database_stops_the_start() {
    let bad_url = Config {
        joke_url: Some("not a url".into()),
        ..Config::default()
    };
    let error = App::new(bad_url).err().unwrap();
    assert_eq!(error.to_string(), r#"invalid joke_url "not a url""#);
    let bad_db = Config {
        joke_url: Some("http://127.0.0.1:1/joke".into()),
        database: "/no/such/folder/jokes.db".into(),
        ..Config::default()
    };
    let error = App::new(bad_db).err().unwrap();
    assert!(error.to_string().starts_with("opening database"), "{error}");
}
