use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use scopeguard::ScopeGuard;
use tokio::time::{sleep, timeout};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seat {
    Held,
    Booked,
}

type Seats = Mutex<BTreeMap<u32, Seat>>;

/// Waits for a (simulated) payment service.
async fn take_payment(ms: u64) {
    sleep(Duration::from_millis(ms)).await;
}

// ANCHOR: by_hand
/// Frees a held seat when dropped, unless `disarm` was called.
struct Hold<'a> {
    seats: &'a Seats,
    seat: u32,
    armed: bool,
}

impl Hold<'_> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        if self.armed {
            // May run during a panic: a poisoned lock must not panic again.
            let mut seats =
                self.seats.lock().unwrap_or_else(PoisonError::into_inner);
            seats.remove(&self.seat);
        }
    }
}

async fn book(seats: &Seats, seat: u32, payment_ms: u64) {
    seats.lock().unwrap().insert(seat, Seat::Held);
    let hold = Hold {
        seats,
        seat,
        armed: true,
    };
    take_payment(payment_ms).await; // cancelled here? `hold` frees the seat
    seats.lock().unwrap().insert(seat, Seat::Booked);
    hold.disarm(); // booked: the seat must stay taken
}
// ANCHOR_END: by_hand

// ANCHOR: scopeguard
async fn book_with_scopeguard(seats: &Seats, seat: u32, payment_ms: u64) {
    seats.lock().unwrap().insert(seat, Seat::Held);
    let hold = scopeguard::guard(seat, |seat| {
        let mut seats = seats.lock().unwrap_or_else(PoisonError::into_inner);
        seats.remove(&seat);
    });
    take_payment(payment_ms).await;
    let seat = ScopeGuard::into_inner(hold); // disarms the guard
    seats.lock().unwrap().insert(seat, Seat::Booked);
}
// ANCHOR_END: scopeguard

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let seats = Seats::default();
    book(&seats, 1, 20).await;
    let late = timeout(Duration::from_millis(50), book(&seats, 2, 500)).await;
    let also_late = timeout(
        Duration::from_millis(50),
        book_with_scopeguard(&seats, 3, 500),
    )
    .await;
    println!("booking 2 timed out: {}", late.is_err());
    println!("booking 3 timed out: {}", also_late.is_err());
    println!("seats: {:?}", seats.lock().unwrap());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_finished_booking_keeps_its_seat() {
        let seats = Seats::default();
        book(&seats, 7, 20).await;
        book_with_scopeguard(&seats, 8, 20).await;
        let seats = seats.lock().unwrap();
        assert_eq!(seats.get(&7), Some(&Seat::Booked));
        assert_eq!(seats.get(&8), Some(&Seat::Booked));
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_booking_frees_its_seat() {
        let seats = Seats::default();
        let ms = Duration::from_millis(10);
        assert!(timeout(ms, book(&seats, 7, 500)).await.is_err());
        assert!(
            timeout(ms, book_with_scopeguard(&seats, 8, 500))
                .await
                .is_err()
        );
        assert!(seats.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn an_aborted_task_frees_its_seat_too() {
        let seats: &'static Seats = Box::leak(Box::default());
        let task = tokio::spawn(book(seats, 7, 500));
        sleep(Duration::from_millis(10)).await;
        assert_eq!(seats.lock().unwrap().get(&7), Some(&Seat::Held));
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        assert!(seats.lock().unwrap().is_empty());
    }

    #[test]
    fn without_a_guard_a_cancelled_booking_leaks_its_hold() {
        // The same steps with no guard: dropping the future mid-payment
        // leaves the seat held forever.
        async fn book_unguarded(seats: &Seats, seat: u32) {
            seats.lock().unwrap().insert(seat, Seat::Held);
            take_payment(500).await;
            seats.lock().unwrap().insert(seat, Seat::Booked);
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let seats = Seats::default();
        let ms = Duration::from_millis(10);
        let result = runtime
            .block_on(async { timeout(ms, book_unguarded(&seats, 7)).await });
        assert!(result.is_err());
        assert_eq!(seats.lock().unwrap().get(&7), Some(&Seat::Held));
    }

    /// Poisons the lock 10 ms into `booking`'s payment, then drops it.
    async fn poison_then_cancel(
        seats: &Seats,
        booking: impl Future<Output = ()>,
    ) {
        let poison = async {
            sleep(Duration::from_millis(10)).await;
            let panicked = std::panic::catch_unwind(|| {
                let _locked = seats.lock().unwrap();
                panic!("a panic while the lock is held poisons it");
            });
            assert!(panicked.is_err() && seats.is_poisoned());
        };
        tokio::select! {
            () = booking => unreachable!("the payment takes 500 ms"),
            () = poison => {} // `booking` is dropped here: its guard runs
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_guard_still_cleans_up_after_the_lock_is_poisoned() {
        let (by_hand, scoped) = (Seats::default(), Seats::default());
        poison_then_cancel(&by_hand, book(&by_hand, 7, 500)).await;
        poison_then_cancel(&scoped, book_with_scopeguard(&scoped, 8, 500))
            .await;
        for seats in [by_hand, scoped] {
            let seats =
                seats.into_inner().unwrap_or_else(PoisonError::into_inner);
            assert!(seats.is_empty());
        }
    }
}
