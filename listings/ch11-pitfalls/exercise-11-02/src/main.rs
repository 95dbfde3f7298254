use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::{sleep, timeout};

struct Account {
    id: u32,
    balance: Mutex<i64>,
}

impl Account {
    fn new(id: u32, balance: i64) -> Self {
        Account {
            id,
            balance: Mutex::new(balance),
        }
    }
}

/// The starting point: locks `from`, then `to`. Two opposite transfers
/// at the same time can each hold one lock and wait for the other.
async fn transfer_naive(from: &Account, to: &Account, amount: i64) {
    let mut from_balance = from.balance.lock().await;
    sleep(Duration::from_millis(1)).await; // say, an audit call
    let mut to_balance = to.balance.lock().await;
    *from_balance -= amount;
    *to_balance += amount;
}

/// The fix: always lock the account with the smaller id first, whatever
/// the direction of the transfer. A transfer to the same account would
/// lock one mutex twice, and wait for itself for ever; refuse it.
async fn transfer(from: &Account, to: &Account, amount: i64) {
    assert_ne!(from.id, to.id, "a transfer needs two accounts");
    let (first, second) = if from.id < to.id {
        (from, to)
    } else {
        (to, from)
    };
    let mut first_balance = first.balance.lock().await;
    sleep(Duration::from_millis(1)).await;
    let mut second_balance = second.balance.lock().await;
    let (from_balance, to_balance) = if from.id < to.id {
        (&mut *first_balance, &mut *second_balance)
    } else {
        (&mut *second_balance, &mut *first_balance)
    };
    *from_balance -= amount;
    *to_balance += amount;
}

const PATIENCE: Duration = Duration::from_secs(1);

async fn balances(accounts: &[&Account]) -> Vec<i64> {
    let mut all = Vec::new();
    for account in accounts {
        all.push(*account.balance.lock().await);
    }
    all
}

// The paused clock: a deadlock leaves the runtime idle, and the clock
// jumps straight to the timeout.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let (a, b) = (Account::new(1, 100), Account::new(2, 100));
    let both = async {
        tokio::join!(transfer_naive(&a, &b, 30), transfer_naive(&b, &a, 10))
    };
    println!("naive: {:?}", timeout(PATIENCE, both).await.ok());
    let both =
        async { tokio::join!(transfer(&a, &b, 30), transfer(&b, &a, 10)) };
    println!("fixed: {:?}", timeout(PATIENCE, both).await.ok());
    println!("balances: {:?}", balances(&[&a, &b]).await);
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::future::join_all;

    #[tokio::test(start_paused = true)]
    async fn opposite_transfers_deadlock_the_naive_version() {
        let (a, b) = (Account::new(1, 100), Account::new(2, 100));
        let both = async {
            tokio::join!(transfer_naive(&a, &b, 30), transfer_naive(&b, &a, 10))
        };
        assert!(timeout(PATIENCE, both).await.is_err(), "timed out");
    }

    #[tokio::test(start_paused = true)]
    async fn a_naive_transfer_on_its_own_moves_the_money() {
        let (a, b) = (Account::new(1, 100), Account::new(2, 100));
        transfer_naive(&a, &b, 30).await;
        assert_eq!(balances(&[&a, &b]).await, [70, 130]);
    }

    #[tokio::test(start_paused = true)]
    async fn opposite_transfers_complete_when_locks_are_ordered() {
        let (a, b) = (Account::new(1, 100), Account::new(2, 100));
        let both =
            async { tokio::join!(transfer(&a, &b, 30), transfer(&b, &a, 10)) };
        timeout(PATIENCE, both).await.unwrap();
        assert_eq!(balances(&[&a, &b]).await, [80, 120]);
    }

    #[tokio::test(start_paused = true)]
    async fn many_transfers_in_a_ring_complete_and_keep_the_total() {
        let accounts: Vec<_> = (0..5).map(|id| Account::new(id, 100)).collect();
        let transfers = (0..5).flat_map(|i| {
            let (this, next) = (&accounts[i], &accounts[(i + 1) % 5]);
            [transfer(this, next, 7), transfer(next, this, 3)]
        });
        timeout(PATIENCE, join_all(transfers)).await.unwrap();
        let all = balances(&accounts.iter().collect::<Vec<_>>()).await;
        assert_eq!(all.iter().sum::<i64>(), 500);
        assert_eq!(all, [100; 5]); // each got 7 + 3 and gave 7 + 3
    }

    #[tokio::test]
    #[should_panic(expected = "a transfer needs two accounts")]
    async fn a_transfer_to_the_same_account_is_refused() {
        let a = Account::new(1, 100);
        transfer(&a, &a, 10).await;
    }
}
