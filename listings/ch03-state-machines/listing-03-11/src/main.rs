// ANCHOR: fixes
use std::rc::Rc;
use std::sync::Arc;

use tokio::task::LocalSet;

/// The future of Listing 3-10: `Send` arguments, but not a `Send` future.
async fn greet_with_rc(name: String) -> String {
    let shared = Rc::new(name);
    tokio::task::yield_now().await;
    format!("Hello, {shared}!")
}

/// Fix 1: `Arc` is the thread-safe `Rc`.
async fn greet_with_arc(name: String) -> String {
    let shared = Arc::new(name);
    tokio::task::yield_now().await;
    format!("Hello, {shared}!")
}

/// Fix 2: keep the `Rc` in a block that ends before the `.await`.
async fn greet_with_rc_dropped_in_time(name: String) -> String {
    let greeting = {
        let shared = Rc::new(name);
        format!("Hello, {shared}!")
    }; // `shared` is dropped here
    tokio::task::yield_now().await;
    greeting
}

#[tokio::main]
async fn main() {
    let first = tokio::spawn(greet_with_arc(String::from("Amélie")));
    let second = tokio::spawn(greet_with_rc_dropped_in_time("Bob".into()));
    println!("{}", first.await.unwrap());
    println!("{}", second.await.unwrap());

    // Fix 3: keep the future as it is, and run it where `Send` is not
    // required: on a `LocalSet`, which polls its tasks on this thread.
    let local = LocalSet::new();
    let third = local.spawn_local(greet_with_rc("Chloé".into()));
    println!("{}", local.run_until(third).await.unwrap());
}
// ANCHOR_END: fixes

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// `is_send!(value)` says whether the value's type is `Send` (an inherent
    /// method, present only when `T: Send`, wins over the trait method).
    macro_rules! is_send {
        ($value:expr) => {{
            struct Probe<T>(std::marker::PhantomData<T>);
            #[allow(dead_code)]
            trait Fallback {
                fn is_send(&self) -> bool {
                    false
                }
            }
            impl<T> Fallback for Probe<T> {}
            impl<T: Send> Probe<T> {
                #[allow(dead_code)]
                fn is_send(&self) -> bool {
                    true
                }
            }
            fn probe<T>(_: &T) -> Probe<T> {
                Probe(std::marker::PhantomData)
            }
            probe(&$value).is_send()
        }};
    }

    // Appendix A, Claim 22: the `Rc` made after the `.await`, so that only
    // the argument is kept across it; the test below fails.
    #[cfg(feature = "counterfactual")]
    async fn greet_with_rc(name: String) -> String {
        tokio::task::yield_now().await;
        format!("Hello, {}!", Rc::new(name))
    }

    #[test]
    fn send_arguments_do_not_make_a_send_future() {
        let name = String::from("Amélie");
        assert!(is_send!(name)); // the only argument is `Send`...
        assert!(!is_send!(greet_with_rc(name))); // ...the future is not
    }

    #[test]
    fn both_fixes_give_send_futures() {
        assert!(is_send!(greet_with_arc(String::new())));
        assert!(is_send!(greet_with_rc_dropped_in_time(String::new())));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn both_fixes_can_be_spawned() {
        let first = tokio::spawn(greet_with_arc("Amélie".into()));
        let second = tokio::spawn(greet_with_rc_dropped_in_time("Bob".into()));
        assert_eq!(first.await.unwrap(), "Hello, Amélie!");
        assert_eq!(second.await.unwrap(), "Hello, Bob!");
    }

    #[tokio::test]
    async fn the_rc_version_still_runs_where_send_is_not_needed() {
        let greeting = greet_with_rc("Amélie".into()).await;
        assert_eq!(greeting, "Hello, Amélie!");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_local_set_spawns_the_rc_version_as_it_is() {
        let local = LocalSet::new();
        let handle = local.spawn_local(greet_with_rc("Chloé".into()));
        let greeting = local.run_until(handle).await.unwrap();
        assert_eq!(greeting, "Hello, Chloé!");
    }

    /// Only moved, never borrowed, then dropped before the `.await`.
    async fn drop_of_an_untouched_rc(name: String) -> usize {
        let shared = Rc::new(name);
        drop(shared);
        tokio::task::yield_now().await;
        0
    }

    #[test]
    fn drop_counts_for_a_value_that_was_never_borrowed() {
        assert!(is_send!(drop_of_an_untouched_rc(String::new())));
    }

    /// In edition 2024 the guard, a temporary of the `if let`, is dropped
    /// before the `else` block runs; in edition 2021 it lived until the end
    /// of the whole `if let`, across the `.await`.
    async fn first_or_wait(queue: &Mutex<Vec<u32>>) -> u32 {
        if let Some(&first) = queue.lock().unwrap().first() {
            first
        } else {
            tokio::task::yield_now().await;
            0
        }
    }

    #[test]
    fn an_if_let_guard_is_gone_in_the_else_block() {
        let queue = Mutex::new(vec![7]);
        assert!(is_send!(first_or_wait(&queue)));
    }
}
