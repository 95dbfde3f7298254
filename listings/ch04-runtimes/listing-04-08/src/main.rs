use std::any::Any;
use std::panic::{self, AssertUnwindSafe};

use tokio::runtime::{Builder, Handle};

// ANCHOR: main
/// A synchronous function that needs an async result, as some libraries
/// offer: it blocks the calling thread until the future completes.
fn answer_blocking(handle: &Handle) -> u32 {
    handle.block_on(async { 42 })
}

fn main() {
    let runtime = Builder::new_current_thread().enable_all().build().unwrap();

    // Wrong: blocking inside a task, on a thread that drives the runtime.
    let outcome = runtime.block_on(async {
        let handle = Handle::current();
        panic::catch_unwind(AssertUnwindSafe(|| answer_blocking(&handle)))
    });
    let message = panic_message(outcome.unwrap_err());
    // One sentence per line, so the message fits the page.
    println!("It panicked:\n{}\n", message.replace(". ", ".\n"));

    // Right: blocking on a thread of the blocking pool is allowed.
    let answer = runtime.block_on(async {
        let handle = Handle::current();
        tokio::task::spawn_blocking(move || answer_blocking(&handle))
            .await
            .unwrap()
    });
    println!("From spawn_blocking it returned {answer}.");
}
// ANCHOR_END: main

/// The text of a panic: `panic!` with a literal gives a `&str`, with a
/// formatted message a `String`.
fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map_or("(not a string)".to_string(), |s| s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXPECTED: &str = "Cannot start a runtime from within a runtime. \
        This happens because a function (like `block_on`) attempted to block \
        the current thread while the thread is being used to drive \
        asynchronous tasks. If you are in an async function, use `.await` on \
        the future instead of blocking on it.";

    fn message_from_block_on_inside(
        runtime: tokio::runtime::Runtime,
    ) -> String {
        let outcome = runtime.block_on(async {
            let handle = Handle::current();
            panic::catch_unwind(AssertUnwindSafe(|| answer_blocking(&handle)))
        });
        panic_message(outcome.unwrap_err())
    }

    #[test]
    fn block_on_inside_a_current_thread_runtime_panics() {
        let runtime = Builder::new_current_thread().build().unwrap();
        assert_eq!(message_from_block_on_inside(runtime), EXPECTED);
    }

    #[test]
    fn block_on_inside_a_multi_thread_runtime_panics_too() {
        let runtime = Builder::new_multi_thread().build().unwrap();
        assert_eq!(message_from_block_on_inside(runtime), EXPECTED);
    }

    #[test]
    fn a_second_runtime_inside_the_first_panics_the_same_way() {
        let outer = Builder::new_current_thread().build().unwrap();
        let outcome = outer.block_on(async {
            panic::catch_unwind(|| {
                let inner = Builder::new_current_thread().build().unwrap();
                inner.block_on(async { 1 })
            })
        });
        assert_eq!(panic_message(outcome.unwrap_err()), EXPECTED);
    }

    #[test]
    fn block_on_from_the_blocking_pool_works() {
        let runtime = Builder::new_current_thread().build().unwrap();
        let answer = runtime.block_on(async {
            let handle = Handle::current();
            tokio::task::spawn_blocking(move || answer_blocking(&handle)).await
        });
        assert_eq!(answer.unwrap(), 42);
    }
}
