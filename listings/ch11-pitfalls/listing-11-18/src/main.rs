use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::{sleep, timeout};

// ANCHOR: halfway
/// Balances, by account number.
type Accounts = Arc<Mutex<Vec<i64>>>;

/// Stands for writing the transfer to a remote ledger: 200 ms.
async fn record(_from: usize, _to: usize, _amount: i64) {
    sleep(Duration::from_millis(200)).await;
}

/// Wrong: two changes with an `.await` between them.
async fn transfer(accounts: &Accounts, from: usize, to: usize, amount: i64) {
    accounts.lock().unwrap()[from] -= amount;
    record(from, to, amount).await; // cancelled here: half done
    accounts.lock().unwrap()[to] += amount;
}
// ANCHOR_END: halfway

// ANCHOR: spawned
/// Fix 1: the transfer runs in a task of its own, which a timeout on its
/// handle does not cancel. It finishes even if the caller stops waiting.
async fn transfer_spawned(
    accounts: &Accounts,
    from: usize,
    to: usize,
    amount: i64,
) {
    let accounts = Arc::clone(accounts);
    let task = tokio::spawn(async move {
        transfer(&accounts, from, to, amount).await;
    });
    task.await.unwrap();
}
// ANCHOR_END: spawned

// ANCHOR: one_step
/// Fix 2: wait first, then change both balances with no `.await` between.
async fn transfer_in_one_step(
    accounts: &Accounts,
    from: usize,
    to: usize,
    amount: i64,
) {
    record(from, to, amount).await; // cancelled here: nothing changed yet
    let mut balances = accounts.lock().unwrap();
    balances[from] -= amount;
    balances[to] += amount;
}
// ANCHOR_END: one_step

fn accounts() -> Accounts {
    Arc::new(Mutex::new(vec![100, 100]))
}

fn balances(accounts: &Accounts) -> Vec<i64> {
    accounts.lock().unwrap().clone()
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    // ANCHOR: main
    let limit = Duration::from_millis(100);
    let a = accounts();
    let _ = timeout(limit, transfer(&a, 0, 1, 30)).await;
    sleep(Duration::from_secs(1)).await;
    println!("two steps:    {:?}", balances(&a));

    let a = accounts();
    let _ = timeout(limit, transfer_spawned(&a, 0, 1, 30)).await;
    println!("spawned:      {:?} when the timeout fires", balances(&a));
    sleep(Duration::from_secs(1)).await;
    println!("spawned:      {:?} a second later", balances(&a));

    let a = accounts();
    let _ = timeout(limit, transfer_in_one_step(&a, 0, 1, 30)).await;
    sleep(Duration::from_secs(1)).await;
    println!("one step:     {:?}", balances(&a));
    // ANCHOR_END: main
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: Duration = Duration::from_millis(100);

    #[tokio::test(start_paused = true)]
    async fn a_timeout_can_leave_a_transfer_half_done() {
        let a = accounts();
        assert!(timeout(LIMIT, transfer(&a, 0, 1, 30)).await.is_err());
        sleep(Duration::from_secs(1)).await;
        assert_eq!(balances(&a), [70, 100]); // 30 gone for good
    }

    #[tokio::test(start_paused = true)]
    async fn a_spawned_transfer_finishes_after_the_timeout() {
        let a = accounts();
        let timed = timeout(LIMIT, transfer_spawned(&a, 0, 1, 30)).await;
        assert!(timed.is_err());
        sleep(Duration::from_secs(1)).await;
        assert_eq!(balances(&a), [70, 130]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_one_step_transfer_is_all_or_nothing() {
        let a = accounts();
        let timed = timeout(LIMIT, transfer_in_one_step(&a, 0, 1, 30)).await;
        assert!(timed.is_err());
        sleep(Duration::from_secs(1)).await;
        assert_eq!(balances(&a), [100, 100]); // nothing happened
        let limit = Duration::from_secs(1);
        timeout(limit, transfer_in_one_step(&a, 0, 1, 30))
            .await
            .unwrap();
        assert_eq!(balances(&a), [70, 130]); // or everything did
    }
}
