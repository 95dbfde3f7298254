//! Empty: the check is `tests/compile_fail.rs`.
