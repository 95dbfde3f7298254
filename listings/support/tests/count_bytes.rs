//! `heap_bytes` with `CountBytes` installed, as the listings that measure
//! memory install it.

use std::hint::black_box;

#[global_allocator]
static ALLOCATOR: support::CountBytes = support::CountBytes;

#[test]
fn heap_bytes_goes_up_by_what_is_allocated_and_back_when_it_is_freed() {
    const MIB: usize = 1 << 20;
    // The count is the whole process's, and a thread of the test harness
    // may allocate meanwhile: of ten tries, one must be exact.
    let tries: [(isize, isize); 10] = std::array::from_fn(|_| {
        let before = support::heap_bytes();
        let block = black_box(vec![0_u8; MIB]);
        let during = support::heap_bytes();
        drop(block);
        (during - before, support::heap_bytes() - before)
    });
    assert!(tries.contains(&(MIB as isize, 0)), "{tries:?}");
}
