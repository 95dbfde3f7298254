use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::mem::size_of_val;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Not ready on the first poll, ready on the second (Listing 2-3).
#[derive(Default)]
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |sum, b| sum.wrapping_add(*b))
}

// ANCHOR: sizes
async fn no_await() -> u32 {
    42
}

async fn small_local_across_await() -> u64 {
    let n: u64 = 7;
    YieldOnce::default().await;
    n
}

async fn buffer_dropped_before_await() -> u8 {
    let sum = {
        let buffer = [1u8; 1024];
        checksum(&buffer)
    }; // `buffer` is gone here, before the `.await`
    YieldOnce::default().await;
    sum
}

async fn buffer_held_across_await() -> u8 {
    let buffer = [1u8; 1024];
    YieldOnce::default().await;
    checksum(&buffer) // `buffer` is used after the `.await`
}

async fn sleeps_a_second() {
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn awaits_the_big_one() -> u8 {
    buffer_held_across_await().await
}

async fn awaits_the_big_one_boxed() -> u8 {
    Box::pin(buffer_held_across_await()).await
}

/// Prints a future's expression and its size in bytes. The future is
/// created and dropped; it never runs.
macro_rules! row {
    ($future:expr) => {
        let size = size_of_val(&$future);
        println!("{:<56}{size:>6}", stringify!($future));
    };
}

fn main() {
    println!("{:<56}{:>6}", "future", "bytes");
    row!(no_await());
    row!(small_local_across_await());
    row!(buffer_dropped_before_await());
    row!(buffer_held_across_await());
    row!(awaits_the_big_one());
    row!(awaits_the_big_one_boxed());
    row!(Box::pin(buffer_held_across_await()));
    row!(sleeps_a_second());
    nested_rows(); // a second table, explained further on

    let (_, plain) = allocations_while(|| run(awaits_the_big_one()));
    let (_, boxed) = allocations_while(|| run(awaits_the_big_one_boxed()));
    println!("\nheap allocations while running it to completion:");
    println!("{:<56}{plain:>6}", "awaits_the_big_one()");
    println!("{:<56}{boxed:>6}", "awaits_the_big_one_boxed()");
}
// ANCHOR_END: sizes

// ANCHOR: nested
/// Awaits whatever future it is given, and nothing else.
async fn pass_through<F: Future>(future: F) -> F::Output {
    future.await
}

async fn two_in_a_row() -> u8 {
    let first = buffer_held_across_await().await;
    let second = buffer_held_across_await().await;
    first.wrapping_add(second)
}

async fn two_at_once() -> u8 {
    let (first, second) =
        tokio::join!(buffer_held_across_await(), buffer_held_across_await());
    first.wrapping_add(second)
}

/// The second table: futures that contain other futures.
fn nested_rows() {
    println!("\n{:<56}{:>6}", "nested future", "bytes");
    row!(pass_through(buffer_held_across_await()));
    row!(pass_through(pass_through(buffer_held_across_await())));
    row!(pass_through(Box::pin(buffer_held_across_await())));
    row!(two_in_a_row());
    row!(two_at_once());
}
// ANCHOR_END: nested

/// Polls a future to completion on this thread, without a runtime.
fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

// ANCHOR: counting
/// The system allocator, counting the allocations each thread makes.
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` and counts the heap allocations it makes on this thread.
fn allocations_while<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATIONS.with(Cell::get);
    let output = f();
    (output, ALLOCATIONS.with(Cell::get) - before)
}
// ANCHOR_END: counting

#[cfg(test)]
mod tests {
    use super::*;

    const POINTER: usize = size_of::<usize>();

    // Appendix A, Claim 5: the call puts the state machine in a `Box`; the
    // test `an_async_fn_does_not_allocate_its_state_on_the_heap` fails.
    #[cfg(feature = "counterfactual")]
    fn awaits_the_big_one() -> Pin<Box<impl Future<Output = u8>>> {
        Box::pin(super::awaits_the_big_one())
    }

    #[test]
    fn checksum_adds_up_the_bytes() {
        assert_eq!(checksum(&[1, 2, 3]), 6);
        assert_eq!(checksum(&[1; 1024]), 0); // 1,024 ones, modulo 256
    }

    #[test]
    fn a_measured_future_has_run_nothing_and_still_gives_its_result() {
        // `YieldOnce` suspends the future once at its `.await`...
        let mut future = pin!(small_local_across_await());
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
        // ...and the `u64` kept across it is still there afterwards.
        assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(7));
        assert_eq!(run(no_await()), 42);
    }

    #[test]
    fn a_buffer_held_across_an_await_is_stored_in_the_future() {
        assert!(size_of_val(&buffer_held_across_await()) >= 1024);
        // ...and in every future that awaits it.
        assert!(size_of_val(&awaits_the_big_one()) >= 1024);
    }

    #[test]
    fn a_buffer_dropped_before_the_await_is_not() {
        assert!(size_of_val(&buffer_dropped_before_await()) < 1024);
        assert!(size_of_val(&small_local_across_await()) < 64);
    }

    #[test]
    fn box_pin_leaves_a_pointer_behind() {
        let boxed = Box::pin(buffer_held_across_await());
        assert_eq!(size_of_val(&boxed), POINTER);
        assert!(size_of_val(&awaits_the_big_one_boxed()) < 1024);
    }

    #[test]
    fn a_future_created_inside_the_body_is_stored_once() {
        let big = size_of_val(&buffer_held_across_await());
        assert!(size_of_val(&awaits_the_big_one()) < big + 64);
        // Two awaits in a row reuse the same space...
        assert!(size_of_val(&two_in_a_row()) < big + 64);
        // ...two futures in flight at once need room for both.
        assert!(size_of_val(&two_at_once()) >= 2 * big);
    }

    #[test]
    fn a_future_passed_in_is_stored_twice() {
        let big = size_of_val(&buffer_held_across_await());
        let once = pass_through(buffer_held_across_await());
        assert!(size_of_val(&once) >= 2 * big);
        // Each layer doubles the size again.
        let twice = pass_through(pass_through(buffer_held_across_await()));
        assert!(size_of_val(&twice) >= 4 * big);
        // The same goes for a future moved into an `async move` block.
        let inner = buffer_held_across_await();
        #[expect(clippy::redundant_async_block)] // the point of the test
        let block = async move { inner.await };
        assert!(size_of_val(&block) >= 2 * big);
    }

    #[test]
    fn boxing_the_future_you_pass_in_keeps_the_wrapper_small() {
        let boxed = pass_through(Box::pin(buffer_held_across_await()));
        assert!(size_of_val(&boxed) <= 4 * POINTER);
    }

    #[test]
    fn an_async_fn_does_not_allocate_its_state_on_the_heap() {
        let (output, allocations) =
            allocations_while(|| run(awaits_the_big_one()));
        assert_eq!(output, 0); // 1024 ones, summed modulo 256
        assert_eq!(allocations, 0);
    }

    #[test]
    fn box_pin_allocates_once() {
        let (_, allocations) =
            allocations_while(|| run(awaits_the_big_one_boxed()));
        assert_eq!(allocations, 1);
    }
}
