//! Solution 12-3: the last user out runs the cleanup, checked with loom.

#[cfg(test)]
use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(test))]
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the users of a shared resource; the last one to leave must run
/// the cleanup, exactly once.
pub struct Users {
    count: AtomicUsize,
}

impl Users {
    pub fn new(count: usize) -> Self {
        Users {
            count: AtomicUsize::new(count),
        }
    }

    /// Wrong: decrements, then reads the count again. Between the two,
    /// the other user may leave too, and both read zero.
    pub fn leave_racy(&self) -> bool {
        self.count.fetch_sub(1, Ordering::AcqRel);
        self.count.load(Ordering::Acquire) == 0
    }

    /// Right: `fetch_sub` returns the value before this decrement, so
    /// exactly one caller sees 1.
    pub fn leave(&self) -> bool {
        self.count.fetch_sub(1, Ordering::AcqRel) == 1
    }
}

fn main() {
    let users = Users::new(3);
    let cleanups = std::thread::scope(|scope| {
        let threads: Vec<_> =
            (0..3).map(|_| scope.spawn(|| users.leave())).collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|&last| last)
            .count()
    });
    println!("3 users left; the cleanup ran {cleanups} time(s)");
}

#[cfg(test)]
mod tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// Two users leave at once, under every interleaving.
    fn check_two_leave(leave: fn(&Users) -> bool) {
        loom::model(move || {
            let users = Arc::new(Users::new(2));
            let other = Arc::clone(&users);
            let thread = thread::spawn(move || leave(&other));
            let here = leave(&users);
            let there = thread.join().unwrap();
            assert!(here != there, "the cleanup must run exactly once");
        });
    }

    #[test]
    fn exactly_one_user_runs_the_cleanup() {
        check_two_leave(Users::leave);
    }

    #[test]
    #[should_panic(expected = "the cleanup must run exactly once")]
    fn loom_finds_the_double_cleanup() {
        check_two_leave(Users::leave_racy);
    }

    #[test]
    fn the_racy_leave_is_right_when_users_leave_one_at_a_time() {
        // Its bug is the race alone: one after the other, the last cleans up.
        loom::model(|| {
            let users = Users::new(2);
            assert!(!users.leave_racy());
            assert!(users.leave_racy());
        });
    }
}
