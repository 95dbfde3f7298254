//! The two crashes of Listing 11-15. A stack overflow aborts the whole
//! process, so each runs in a child process, and the test reads what it
//! left behind.

use std::process::Command;

/// Runs the listing with `argument`; returns its standard error.
fn crash(argument: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_listing-11-15"))
        .arg(argument)
        .output()
        .unwrap();
    assert!(!output.status.success(), "the child process survived");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// What the standard library prints when a thread runs out of stack.
fn assert_stack_overflow_on_a_worker(stderr: &str) {
    assert!(stderr.contains("thread 'tokio-rt-worker'"), "{stderr}");
    assert!(stderr.contains("has overflowed its stack"), "{stderr}");
    assert!(stderr.contains("fatal runtime error"), "{stderr}");
}

#[test]
fn a_huge_future_overflows_the_stack_of_a_worker() {
    assert_stack_overflow_on_a_worker(&crash("huge"));
}

#[test]
fn deep_async_recursion_overflows_the_stack_even_when_boxed() {
    assert_stack_overflow_on_a_worker(&crash("deep"));
}
