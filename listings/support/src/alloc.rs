//! Global allocators that count, for listings that measure memory.
//!
//! Both pass every call on to the system allocator unchanged, and only
//! count on the side. Install one in a listing's binary:
//!
//! ```no_run
//! #[global_allocator]
//! static ALLOCATOR: support::CountAllocations = support::CountAllocations;
//! ```
//!
//! They are two types rather than one because the counting itself costs
//! time, and the listings that time an operation should pay only for the
//! count they report.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

thread_local! {
    // `const` initialisation: reading it never allocates, which matters
    // inside an allocator.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Counts the heap allocations each thread makes; see [`allocations`].
pub struct CountAllocations;

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for CountAllocations {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// How many allocations this thread has made so far, if the program's
/// global allocator is [`CountAllocations`] (zero otherwise).
pub fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

static HEAP: AtomicIsize = AtomicIsize::new(0);

/// Counts the bytes currently allocated, by all threads; see [`heap_bytes`].
pub struct CountBytes;

// SAFETY: every call is passed on to the system allocator unchanged.
unsafe impl GlobalAlloc for CountBytes {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HEAP.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HEAP.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// The bytes allocated and not yet freed, if the program's global
/// allocator is [`CountBytes`] (zero otherwise).
pub fn heap_bytes() -> isize {
    HEAP.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    // This test binary does not install either allocator (the ones in
    // tests/ do).
    #[test]
    fn without_the_allocator_installed_both_counts_stay_zero() {
        let block = std::hint::black_box(vec![0_u8; 1024]);
        assert_eq!((allocations(), heap_bytes()), (0, 0));
        drop(block);
    }
}
