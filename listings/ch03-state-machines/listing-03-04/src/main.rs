use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

async fn tell_joke() -> &'static str {
    tokio::task::yield_now().await;
    "Why did the future go to therapy? It had unresolved issues."
}

/// Whether a local kept across an `.await` is at the same address after
/// it as before: the future's own view of whether it was moved in between.
async fn stays_put() -> bool {
    let local = 0_u64;
    let before = &local as *const u64 as usize;
    tokio::task::yield_now().await;
    before == &local as *const u64 as usize
}

/// Where in memory the value behind a pinned pointer is.
fn address<T>(pinned: Pin<&T>) -> usize {
    pinned.get_ref() as *const T as usize
}

fn poll_once<F: Future>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

// ANCHOR: main
fn main() {
    // 1. Before it is pinned, a future is an ordinary value that moves.
    let future = tell_joke();
    let on_the_stack = &future as *const _ as usize;
    let boxed = Box::pin(future); // moved to the heap
    let has_moved = on_the_stack != address(boxed.as_ref());
    println!("moved before it was pinned:       {has_moved}");

    // 2. `Box::pin`: the box can move; the future inside it cannot.
    let mut boxed = Box::pin(stays_put());
    assert!(poll_once(boxed.as_mut()).is_pending());
    let mut moved_box = boxed; // moves the box (a pointer), not the future
    let stayed = poll_once(moved_box.as_mut()) == Poll::Ready(true);
    println!("Box::pin, box moved, same place:  {stayed}");

    // 3. `pin!`: pinned where it stands, in this function's frame.
    let mut pinned = pin!(stays_put());
    assert!(poll_once(pinned.as_mut()).is_pending());
    let stayed = poll_once(pinned.as_mut()) == Poll::Ready(true);
    println!("pin!, polled twice, same place:   {stayed}");

    // 4. An `Unpin` value gains nothing from a `Pin`: it still moves.
    let mut text = String::from("a joke");
    let mut pinned_text = Pin::new(&mut text);
    let moved = std::mem::take(&mut *pinned_text);
    println!("moved out of a Pin<&mut String>: {moved:?}");
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_unpin!(value)` says whether the value's type is `Unpin`. It relies
    /// on an inherent method (only there when `T: Unpin`) taking precedence
    /// over a trait method of the same name, so it works on concrete types
    /// only.
    macro_rules! is_unpin {
        ($value:expr) => {{
            struct Probe<T>(std::marker::PhantomData<T>);
            #[allow(dead_code)]
            trait Fallback {
                fn is_unpin(&self) -> bool {
                    false
                }
            }
            impl<T> Fallback for Probe<T> {}
            impl<T: Unpin> Probe<T> {
                #[allow(dead_code)]
                fn is_unpin(&self) -> bool {
                    true
                }
            }
            fn probe<T>(_: &T) -> Probe<T> {
                Probe(std::marker::PhantomData)
            }
            probe(&$value).is_unpin()
        }};
    }

    async fn no_borrows() -> u32 {
        tokio::task::yield_now().await;
        42
    }

    #[test]
    fn every_async_fn_future_is_not_unpin() {
        assert!(!is_unpin!(tell_joke()));
        assert!(!is_unpin!(no_borrows())); // even with no borrows inside
        assert!(is_unpin!(String::new()));
    }

    #[test]
    fn a_boxed_pinned_future_is_unpin() {
        assert!(is_unpin!(Box::pin(tell_joke())));
    }

    #[test]
    fn a_pinned_future_finds_its_locals_where_it_left_them() {
        // Moving a future before its first poll is allowed...
        let future = vec![stays_put()].pop().unwrap();
        let mut boxed = Box::pin(future);
        assert_eq!(poll_once(boxed.as_mut()), Poll::Pending);
        // ...after it, only the box moves, and the future resumes where it
        // was suspended. Moving the future itself would need `unsafe`.
        let mut moved_box = vec![boxed].pop().unwrap();
        // Appendix A, Claim 20: the future moved out of its box onto the
        // stack between polls, which needs `unsafe`; this test fails.
        #[cfg(feature = "counterfactual")]
        let mut moved_box =
            pin!(*unsafe { Pin::into_inner_unchecked(moved_box) });
        assert_eq!(poll_once(moved_box.as_mut()), Poll::Ready(true));
    }

    #[test]
    fn a_future_moved_before_its_first_poll_runs_as_usual() {
        let future = vec![tell_joke()].pop().unwrap();
        let mut boxed = Box::pin(future);
        assert_eq!(poll_once(boxed.as_mut()), Poll::Pending);
        let joke =
            "Why did the future go to therapy? It had unresolved issues.";
        assert_eq!(poll_once(boxed.as_mut()), Poll::Ready(joke));
    }

    #[test]
    fn address_is_where_the_value_behind_the_pin_is() {
        let boxed = Box::pin(tell_joke());
        let in_the_box: *const _ = &*boxed;
        assert_eq!(address(boxed.as_ref()), in_the_box as usize);
        let text = String::from("a joke");
        assert_eq!(address(Pin::new(&text)), &text as *const String as usize);
    }

    #[test]
    fn an_unpin_value_moves_out_of_its_pin() {
        let mut text = String::from("a joke");
        let mut pinned = Pin::new(&mut text);
        let moved = std::mem::take(pinned.as_mut().get_mut());
        assert_eq!(moved, "a joke");
        assert_eq!(text, "");
    }
}
