use std::collections::HashMap;
use std::sync::Mutex;

/// The rating function, passed in so that the tests can look at the
/// locks while it runs.
pub type Rate<'a> = &'a dyn Fn(&str) -> u64;

// ANCHOR: one_lock
/// How many jokes each user has heard, and how well they were rated.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Stats {
    pub jokes: u64,
    pub score: u64,
}

/// Every user's stats behind one lock.
#[derive(Default)]
pub struct OneLock {
    users: Mutex<HashMap<u64, Stats>>,
}

impl OneLock {
    /// Rates the joke while holding the lock: everyone waits meanwhile.
    pub fn record_slowly(&self, user: u64, joke: &str, rate: Rate) {
        let mut users = self.users.lock().unwrap();
        let score = rate(joke);
        let stats = users.entry(user).or_default();
        stats.jokes += 1;
        stats.score += score;
    }

    /// Rates the joke first, then locks only to add the result.
    pub fn record(&self, user: u64, joke: &str, rate: Rate) {
        let score = rate(joke);
        let mut users = self.users.lock().unwrap();
        let stats = users.entry(user).or_default();
        stats.jokes += 1;
        stats.score += score;
    }

    /// Would an update for `user` have to wait for the lock right now?
    pub fn must_wait(&self, _user: u64) -> bool {
        self.users.try_lock().is_err()
    }

    pub fn stats(&self, user: u64) -> Stats {
        let users = self.users.lock().unwrap();
        users.get(&user).copied().unwrap_or_default()
    }
}
// ANCHOR_END: one_lock

// ANCHOR: sharded
/// The same map cut into shards, each behind a lock of its own.
pub struct Sharded {
    shards: Vec<Mutex<HashMap<u64, Stats>>>,
}

impl Sharded {
    pub fn new(shards: usize) -> Sharded {
        let shards = (0..shards).map(|_| Mutex::default()).collect();
        Sharded { shards }
    }

    /// A user's data always lives in the same shard.
    fn shard(&self, user: u64) -> &Mutex<HashMap<u64, Stats>> {
        let index = user % self.shards.len() as u64;
        &self.shards[index as usize]
    }

    /// Rates under the lock, as `record_slowly` does, but the lock is
    /// only this user's shard.
    pub fn record_slowly(&self, user: u64, joke: &str, rate: Rate) {
        let mut users = self.shard(user).lock().unwrap();
        let score = rate(joke);
        let stats = users.entry(user).or_default();
        stats.jokes += 1;
        stats.score += score;
    }

    pub fn must_wait(&self, user: u64) -> bool {
        self.shard(user).try_lock().is_err()
    }

    pub fn stats(&self, user: u64) -> Stats {
        let users = self.shard(user).lock().unwrap();
        users.get(&user).copied().unwrap_or_default()
    }
}
// ANCHOR_END: sharded

/// A stand-in for real work: the joke's length.
fn rate(joke: &str) -> u64 {
    joke.len() as u64
}

// ANCHOR: count
/// Records a joke for user 0, and while it is being rated, counts how
/// many of users 1 to 15 would have to wait for a lock.
fn waiting_during_an_update(
    record: impl Fn(u64, &str, Rate),
    must_wait: impl Fn(u64) -> bool,
) -> usize {
    let waiting = std::cell::Cell::new(0);
    record(0, "a joke", &|joke| {
        waiting.set((1..16).filter(|&user| must_wait(user)).count());
        rate(joke)
    });
    waiting.get()
}

fn main() {
    println!("While user 0's joke is rated, of 15 other users");
    let one = OneLock::default();
    let n = waiting_during_an_update(
        |user, joke, rate| one.record_slowly(user, joke, rate),
        |user| one.must_wait(user),
    );
    println!("  one lock, rating inside it:  {n:>2} must wait");
    let n = waiting_during_an_update(
        |user, joke, rate| one.record(user, joke, rate),
        |user| one.must_wait(user),
    );
    println!("  one lock, rating before it:  {n:>2} must wait");
    let sharded = Sharded::new(8);
    let n = waiting_during_an_update(
        |user, joke, rate| sharded.record_slowly(user, joke, rate),
        |user| sharded.must_wait(user),
    );
    println!("  8 shards, rating inside one: {n:>2} must wait");
}
// ANCHOR_END: count

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn rating_under_one_lock_makes_every_other_user_wait() {
        let one = OneLock::default();
        let n = waiting_during_an_update(
            |user, joke, rate| one.record_slowly(user, joke, rate),
            |user| one.must_wait(user),
        );
        assert_eq!(n, 15);
    }

    #[test]
    fn rating_before_taking_the_lock_makes_no_one_wait() {
        let one = OneLock::default();
        let n = waiting_during_an_update(
            |user, joke, rate| one.record(user, joke, rate),
            |user| one.must_wait(user),
        );
        assert_eq!(n, 0);
    }

    #[test]
    fn a_shard_makes_only_the_users_of_that_shard_wait() {
        let sharded = Sharded::new(8);
        let waiting = std::cell::RefCell::new(Vec::new());
        sharded.record_slowly(0, "a joke", &|joke| {
            let busy = (1..16).filter(|&user| sharded.must_wait(user));
            waiting.borrow_mut().extend(busy);
            rate(joke)
        });
        assert_eq!(*waiting.borrow(), [8]); // 8 % 8 == 0 % 8
    }

    /// Every design must still count every update: 4 threads, 16 users.
    #[test]
    fn no_design_loses_an_update() {
        let one = Arc::new(OneLock::default());
        let sharded = Arc::new(Sharded::new(8));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (one, sharded) = (Arc::clone(&one), Arc::clone(&sharded));
                std::thread::spawn(move || {
                    for i in 0..1_600 {
                        let user = i % 16;
                        one.record_slowly(user, "ab", &rate);
                        one.record(user, "abc", &rate);
                        sharded.record_slowly(user, "abcd", &rate);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        for user in 0..16 {
            let (jokes, score) = (800, 2 * 400 + 3 * 400);
            assert_eq!(one.stats(user), Stats { jokes, score });
            let (jokes, score) = (400, 4 * 400);
            assert_eq!(sharded.stats(user), Stats { jokes, score });
        }
    }
}
