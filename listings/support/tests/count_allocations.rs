//! `allocations` with `CountAllocations` installed, as the listings that
//! count allocations install it.

use std::hint::black_box;

#[global_allocator]
static ALLOCATOR: support::CountAllocations = support::CountAllocations;

#[test]
fn allocations_counts_each_allocation_of_this_thread() {
    let before = support::allocations();
    let one = black_box(Box::new(1_u64));
    let two = black_box(Box::new(2_u64));
    let after = support::allocations();
    drop((one, two));
    // Freeing is not counted.
    assert_eq!((after - before, support::allocations()), (2, after));
}
