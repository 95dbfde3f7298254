use std::rc::Rc;
use std::sync::Arc;

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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The future of Listing 3-10: `Send` arguments, but not a `Send` future.
    async fn greet_with_rc(name: String) -> String {
        let shared = Rc::new(name);
        tokio::task::yield_now().await;
        format!("Hello, {shared}!")
    }

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
}
