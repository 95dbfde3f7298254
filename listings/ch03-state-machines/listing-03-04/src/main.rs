use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};

async fn tell_joke() -> &'static str {
    tokio::task::yield_now().await;
    "Why did the future go to therapy? It had unresolved issues."
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
    let mut boxed = Box::pin(future); // moved to the heap
    let on_the_heap = address(boxed.as_ref());
    let has_moved = on_the_stack != on_the_heap;
    println!("moved before it was pinned:       {has_moved}");

    // 2. `Box::pin`: the box can move; the future inside it cannot.
    assert!(poll_once(boxed.as_mut()).is_pending());
    let mut moved_box = boxed; // moves the box (a pointer), not the future
    let after = address(moved_box.as_ref());
    let stayed = after == on_the_heap;
    println!("Box::pin, box moved, same place:  {stayed}");
    assert!(poll_once(moved_box.as_mut()).is_ready());

    // 3. `pin!`: pinned where it stands, in this function's frame.
    let mut pinned = pin!(tell_joke());
    let before = address(pinned.as_ref());
    assert!(poll_once(pinned.as_mut()).is_pending());
    let after = address(pinned.as_ref());
    let stayed = before == after;
    println!("pin!, polled, same place:         {stayed}");

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

    /// `is_unpin!(value)` says whether the value's type is `Unpin`. It relies on
    /// an inherent method (only there when `T: Unpin`) taking precedence over
    /// a trait method of the same name, so it works on concrete types only.
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
    fn a_future_moves_freely_until_it_is_pinned() {
        let future = tell_joke();
        let before = &future as *const _ as usize;
        let boxed = Box::pin(future);
        assert_ne!(before, address(boxed.as_ref()));
    }

    #[test]
    fn a_pinned_future_stays_put_when_its_box_moves() {
        let mut boxed = Box::pin(tell_joke());
        let before = address(boxed.as_ref());
        assert!(poll_once(boxed.as_mut()).is_pending());
        let mut moved = boxed;
        assert_eq!(before, address(moved.as_ref()));
        assert_eq!(
            poll_once(moved.as_mut()),
            Poll::Ready(
                "Why did the future go to therapy? It had unresolved issues."
            )
        );
    }

    #[test]
    fn an_unpin_value_moves_out_of_its_pin() {
        let mut text = String::from("a joke");
        let mut pinned = Pin::new(&mut text);
        let moved = std::mem::take(pinned.as_mut().get_mut());
        assert_eq!(moved, "a joke");
        assert_eq!(text, "");
    }

    #[test]
    fn an_unpin_future_moves_after_being_polled_pinned() {
        // `Ready` futures are `Unpin`, like most hand-written leaf futures.
        let mut future = std::future::ready(7);
        let before = &future as *const _ as usize;
        assert!(!poll_once(Pin::new(&mut future)).is_pending());
        let moved = Box::new(future); // allowed: `Ready<i32>` is `Unpin`
        assert_ne!(before, &*moved as *const _ as usize);
    }
}
