//! The book's support crate.
//!
//! Listings use it so that they can stay short and never touch the network:
//!
//! - [`DemoServer`] is a small HTTP server on `127.0.0.1` with the endpoints
//!   the book's examples call (a joke API, user preferences, a slow, a flaky
//!   and a streaming endpoint). It runs on its own thread and its own Tokio
//!   runtime, so it works the same whatever runtime (or none) the listing
//!   uses, and a listing that blocks its own runtime does not block it.
//! - [`client`] builds a `reqwest::Client` that never uses a proxy, so a
//!   proxy setting on the machine cannot send the book's traffic elsewhere.
//! - [`CountAllocations`] and [`CountBytes`] are global allocators that
//!   count, for the listings that measure memory (Chapter 3 shows how one
//!   is written).
//! - [`log_to_stdout`] sets up the plain `tracing` log that the book's
//!   programs print, and [`CapturedLog`] keeps the same log for tests.
//!
//! ```no_run
//! # async fn demo() -> reqwest::Result<()> {
//! let server = support::DemoServer::start();
//! let joke: support::Joke = support::client()
//!     .get(server.url("/joke"))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! println!("{}", joke.setup);
//! # Ok(())
//! # }
//! ```

mod alloc;
mod log;
pub mod measure;
mod server;

pub use alloc::{CountAllocations, CountBytes, allocations, heap_bytes};
pub use log::{CapturedLog, log_to_stdout};
pub use server::{DemoServer, Joke, Preferences};

use std::time::Duration;

/// A `reqwest::Client` for talking to the [`DemoServer`].
///
/// It ignores proxy settings (`HTTP_PROXY` and friends), and gives up on a
/// request after ten seconds, so that a mistake in a listing fails instead
/// of hanging.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a client without TLS or proxy settings always builds")
}
