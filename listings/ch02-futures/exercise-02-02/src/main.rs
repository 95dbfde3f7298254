use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

#[derive(Default)]
struct State {
    set: bool,
    waker: Option<Waker>,
}

/// The sending half: `set` may be called from any thread.
pub struct Setter(Arc<Mutex<State>>);

/// The receiving half: a future that is ready once the flag is set.
pub struct Wait(Arc<Mutex<State>>);

pub fn flag() -> (Setter, Wait) {
    let state = Arc::new(Mutex::new(State::default()));
    (Setter(state.clone()), Wait(state))
}

impl Setter {
    pub fn set(self) {
        let waker = {
            let mut state = self.0.lock().unwrap();
            state.set = true;
            state.waker.take()
        };
        // Wake the task that is waiting, if one has polled already; after
        // releasing the lock, which that task's next poll will need.
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Future for Wait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.0.lock().unwrap();
        if state.set {
            Poll::Ready(())
        } else {
            // Checked and stored under the same lock, so a `set` on another
            // thread cannot slip in between and be missed.
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (setter, wait) = flag();
    thread::spawn(move || {
        thread::sleep(Duration::from_millis(2));
        setter.set();
    });
    wait.await;
    println!("the flag was set on another thread");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use std::pin::pin;
    use std::sync::mpsc;
    use tokio::time::sleep;

    /// Real time, generous: the test fails only if no wake-up comes at all.
    const LIMIT: Duration = Duration::from_secs(10);

    #[tokio::test]
    async fn another_thread_wakes_the_waiting_task() {
        let (setter, wait) = flag();
        let (polled, first_poll) = mpsc::channel();
        let setter_thread = thread::spawn(move || {
            first_poll.recv().unwrap(); // the task has polled and is waiting
            setter.set();
        });
        // Polls `wait`, and reports each `Pending` to the setter thread.
        let mut wait = pin!(wait);
        let reporting = poll_fn(|cx| {
            let poll = wait.as_mut().poll(cx);
            if poll.is_pending() {
                let _ = polled.send(()); // the thread only needs the first
            }
            poll
        });
        // Not `timeout`: it polls the future again when its timer fires,
        // which would hide a missing wake-up. `biased` polls the timer
        // first, so once it has fired, the timer always wins.
        tokio::select! {
            biased;
            () = sleep(LIMIT) => panic!("no wake-up within {LIMIT:?}"),
            () = reporting => {}
        }
        setter_thread.join().unwrap();
    }

    #[test]
    fn a_flag_set_before_the_first_poll_is_ready_at_once() {
        let (setter, wait) = flag();
        setter.set();
        let mut cx = Context::from_waker(Waker::noop());
        assert_eq!(pin!(wait).poll(&mut cx), Poll::Ready(()));
    }

    #[test]
    fn it_stays_pending_until_set() {
        let (_setter, wait) = flag();
        let mut cx = Context::from_waker(Waker::noop());
        let mut wait = pin!(wait);
        assert_eq!(wait.as_mut().poll(&mut cx), Poll::Pending);
        assert_eq!(wait.as_mut().poll(&mut cx), Poll::Pending);
    }
}
