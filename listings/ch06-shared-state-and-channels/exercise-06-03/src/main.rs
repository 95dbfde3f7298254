use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A transfer that has started and not yet finished.
#[derive(Debug, Clone)]
struct Transfer {
    from: &'static str,
    amount: u64,
}

#[derive(Debug, Default)]
struct Ledger {
    balances: HashMap<&'static str, u64>,
    in_flight: Option<Transfer>,
}

impl Ledger {
    /// Puts back the money of a transfer that was cut off halfway.
    fn roll_back(&mut self) {
        if let Some(Transfer { from, amount }) = self.in_flight.take() {
            *self.balances.entry(from).or_default() += amount;
        }
    }
}

#[derive(Debug, PartialEq)]
pub struct NotEnoughMoney;

/// Accounts shared by many tasks behind a standard mutex.
#[derive(Clone, Default)]
pub struct Bank {
    ledger: Arc<Mutex<Ledger>>,
}

impl Bank {
    /// Takes the lock, and if a panic poisoned it, repairs the ledger
    /// and clears the poison before handing it out.
    fn lock(&self) -> MutexGuard<'_, Ledger> {
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned: PoisonError<_>| {
                let mut ledger = poisoned.into_inner();
                ledger.roll_back();
                self.ledger.clear_poison();
                ledger
            })
    }

    pub fn deposit(&self, account: &'static str, amount: u64) {
        *self.lock().balances.entry(account).or_default() += amount;
    }

    pub fn balance(&self, account: &str) -> u64 {
        self.lock().balances.get(account).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.lock().balances.values().sum()
    }

    /// Moves `amount` between accounts. `approve` runs between the debit
    /// and the credit (think of a fraud check); if it panics, the
    /// transfer is left half done, and the next `lock` undoes it.
    pub fn transfer(
        &self,
        from: &'static str,
        to: &'static str,
        amount: u64,
        approve: impl FnOnce(u64),
    ) -> Result<(), NotEnoughMoney> {
        let mut ledger = self.lock();
        let balance = ledger.balances.entry(from).or_default();
        if *balance < amount {
            return Err(NotEnoughMoney);
        }
        *balance -= amount;
        ledger.in_flight = Some(Transfer { from, amount });
        approve(amount);
        *ledger.balances.entry(to).or_default() += amount;
        ledger.in_flight = None;
        Ok(())
    }

    #[cfg(test)]
    fn is_poisoned(&self) -> bool {
        self.ledger.is_poisoned()
    }
}

#[tokio::main]
async fn main() {
    let bank = Bank::default();
    bank.deposit("ada", 100);
    let task = tokio::spawn({
        let bank = bank.clone();
        async move {
            let _ = bank.transfer("ada", "alan", 30, |_| panic!("no!"));
        }
    });
    println!("the transfer panicked: {}", task.await.is_err());
    println!(
        "ada has {}, alan {}",
        bank.balance("ada"),
        bank.balance("alan")
    );
}

#[cfg(test)]
mod tests {
    use tokio::task::JoinSet;

    use super::*;

    fn quiet_panics() {
        std::panic::set_hook(Box::new(|_| {}));
    }

    #[test]
    fn a_transfer_moves_money_or_refuses() {
        let bank = Bank::default();
        bank.deposit("ada", 100);
        assert_eq!(bank.transfer("ada", "alan", 30, |_| {}), Ok(()));
        assert_eq!(bank.balance("ada"), 70);
        assert_eq!(bank.balance("alan"), 30);
        let refused = bank.transfer("alan", "ada", 31, |_| {});
        assert_eq!(refused, Err(NotEnoughMoney));
        assert_eq!(bank.total(), 100);
    }

    #[test]
    fn a_transfer_may_take_the_whole_balance() {
        let bank = Bank::default();
        bank.deposit("ada", 100);
        assert_eq!(bank.transfer("ada", "alan", 100, |_| {}), Ok(()));
        assert_eq!(bank.balance("ada"), 0);
        assert_eq!(bank.balance("alan"), 100);
    }

    #[tokio::test]
    async fn a_panic_halfway_is_rolled_back_and_the_poison_cleared() {
        quiet_panics();
        let bank = Bank::default();
        bank.deposit("ada", 100);
        let task = tokio::spawn({
            let bank = bank.clone();
            async move {
                let _ = bank.transfer("ada", "alan", 30, |_| panic!("no!"));
            }
        });
        assert!(task.await.unwrap_err().is_panic());
        assert!(bank.is_poisoned()); // the panic happened under the lock

        assert_eq!(bank.balance("ada"), 100); // repaired on the next lock
        assert_eq!(bank.balance("alan"), 0);
        assert!(!bank.is_poisoned());
        assert_eq!(bank.transfer("ada", "alan", 30, |_| {}), Ok(()));
        assert_eq!(bank.balance("alan"), 30);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_money_is_lost_when_transfers_panic_on_many_threads() {
        quiet_panics();
        let bank = Bank::default();
        for account in ["ada", "alan", "grace"] {
            bank.deposit(account, 1_000);
        }
        let mut transfers = JoinSet::new();
        for i in 0..300 {
            let bank = bank.clone();
            transfers.spawn(async move {
                let (from, to) = match i % 3 {
                    0 => ("ada", "alan"),
                    1 => ("alan", "grace"),
                    _ => ("grace", "ada"),
                };
                let _ = bank.transfer(from, to, 7, |_| {
                    assert!(i % 5 != 0, "every fifth transfer fails");
                });
            });
        }
        let mut panicked = 0;
        while let Some(result) = transfers.join_next().await {
            if result.is_err_and(|error| error.is_panic()) {
                panicked += 1;
            }
        }
        assert_eq!(panicked, 60);
        assert_eq!(bank.total(), 3_000);
    }
}
