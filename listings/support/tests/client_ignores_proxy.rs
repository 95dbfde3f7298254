//! `support::client()` talks to the demo server directly even when the
//! environment names a proxy. A binary of its own, with this one test:
//! it changes the process's environment.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test]
async fn the_client_ignores_proxy_settings() {
    // A "proxy" that counts the connections it gets and closes them.
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    // SAFETY: no other thread of this process reads the environment: the
    // test runs alone, on a runtime without worker threads, and the demo
    // server's thread starts below.
    unsafe {
        for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"] {
            std::env::set_var(name, &proxy_url);
        }
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    proxy.set_nonblocking(true).unwrap();
    let proxy = tokio::net::TcpListener::from_std(proxy).unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    tokio::spawn({
        let connections = connections.clone();
        async move {
            while proxy.accept().await.is_ok() {
                connections.fetch_add(1, Ordering::SeqCst);
            }
        }
    });

    let server = support::DemoServer::start();
    let response = support::client().get(server.url("/joke")).send().await;
    let status = response.map(|response| response.status());
    assert_eq!(status.unwrap(), reqwest::StatusCode::OK);
    assert_eq!(connections.load(Ordering::SeqCst), 0);
}
