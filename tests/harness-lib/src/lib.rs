//! What the book's verification harness knows about the book, shared by its
//! build script (which renders the chapters for skeptic) and its tests.
//!
//! - [`chapters`]: the pages in `src/`, their fenced code blocks and the
//!   files those blocks include;
//! - [`claims`]: Appendix A's claims, their tests and counterfactuals;
//! - [`listings`]: the listing packages as Cargo sees the workspace, the
//!   checked files next to them, and their binaries, built by Cargo.

pub mod chapters;
pub mod claims;
pub mod listings;

use std::path::{Path, PathBuf};

/// The book's root: the folder of the workspace's `Cargo.toml`.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf()
}
