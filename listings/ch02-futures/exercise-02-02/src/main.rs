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
        let mut state = self.0.lock().unwrap();
        state.set = true;
        // Wake the task that is waiting, if one has polled already.
        if let Some(waker) = state.waker.take() {
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
    use std::pin::pin;
    use tokio::time::timeout;

    const LIMIT: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn another_thread_wakes_the_waiting_task() {
        let (setter, wait) = flag();
        let setter_thread = thread::spawn(move || {
            thread::sleep(Duration::from_millis(2));
            setter.set();
        });
        timeout(LIMIT, wait).await.expect("the flag woke the task");
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
