//! One test per ```rust block of the rendered book; see `build.rs`.
//! A failing test prints first where its block is (`book: src/…:line`).

include!(concat!(env!("OUT_DIR"), "/located-tests.rs"));
