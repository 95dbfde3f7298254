//! Helpers for the book's verification tests (in `tests/tests/`).

pub mod markdown;
