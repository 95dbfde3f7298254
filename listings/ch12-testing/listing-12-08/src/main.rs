// The tests check `Prize` under loom, which swaps in its own atomics.
#[cfg(test)]
use loom::sync::atomic::{AtomicBool, Ordering};
#[cfg(not(test))]
use std::sync::atomic::{AtomicBool, Ordering};

// ANCHOR: prize
/// A prize that exactly one of several threads (or tasks) may claim: the
/// heart of a one-shot slot, or of "only the first caller starts the job".
pub struct Prize {
    taken: AtomicBool,
}

impl Prize {
    pub fn new() -> Self {
        Prize {
            taken: AtomicBool::new(false),
        }
    }

    /// Wrong: check, then act. Two threads can both see `false`.
    pub fn claim_racy(&self) -> bool {
        if self.taken.load(Ordering::Acquire) {
            return false;
        }
        self.taken.store(true, Ordering::Release);
        true
    }

    /// Right: one atomic read-modify-write decides.
    pub fn claim(&self) -> bool {
        !self.taken.swap(true, Ordering::AcqRel)
    }
}
// ANCHOR_END: prize

impl Default for Prize {
    fn default() -> Self {
        Prize::new()
    }
}

fn main() {
    let prize = Prize::new();
    let winners = std::thread::scope(|scope| {
        let threads: Vec<_> =
            (0..4).map(|_| scope.spawn(|| prize.claim())).collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|&won| won)
            .count()
    });
    println!("4 threads claimed the prize; {winners} won");
}

#[cfg(test)]
mod tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    // ANCHOR: tests
    /// Two threads claim one prize. `loom::model` runs the closure once for
    /// every interleaving of the two threads' atomic operations.
    fn check_two_claimants(claim: fn(&Prize) -> bool) {
        loom::model(move || {
            let prize = Arc::new(Prize::new());
            let other = Arc::clone(&prize);
            let thread = thread::spawn(move || claim(&other));
            let here = claim(&prize);
            let there = thread.join().unwrap();
            assert!(here != there, "exactly one claimant must win");
        });
    }

    #[test]
    fn loom_proves_that_exactly_one_claimant_wins() {
        check_two_claimants(Prize::claim);
    }

    #[test]
    #[should_panic(expected = "exactly one claimant must win")]
    fn loom_finds_the_interleaving_where_both_win() {
        check_two_claimants(Prize::claim_racy);
    }
    // ANCHOR_END: tests

    #[test]
    fn the_racy_claim_is_right_when_claims_come_one_at_a_time() {
        // Its bug is the race alone: one after the other, the first wins.
        loom::model(|| {
            let prize = Prize::new();
            assert!(prize.claim_racy());
            assert!(!prize.claim_racy());
        });
    }
}
