use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// Where the future and the timer thread write down what they do.
type Log = Arc<Mutex<Vec<String>>>;

/// What the future and its timer thread share.
#[derive(Default)]
struct Shared {
    fired: bool,
    waker: Option<Waker>,
}

/// A future that is ready once an event has happened on a thread of its
/// own: `duration` has passed, for `Delay::new`.
pub struct Delay {
    /// What the thread waits for; taken when the thread starts.
    event: Option<Box<dyn FnOnce() + Send>>,
    shared: Arc<Mutex<Shared>>,
    log: Log,
}

impl Delay {
    pub fn new(duration: Duration, log: Log) -> Self {
        Delay::after(move || thread::sleep(duration), log)
    }

    /// Fires when `event` returns; the tests use it to fire on cue.
    pub fn after(event: impl FnOnce() + Send + 'static, log: Log) -> Self {
        let event = Some(Box::new(event) as Box<dyn FnOnce() + Send>);
        Delay {
            event,
            shared: Arc::default(),
            log,
        }
    }
}

impl Future for Delay {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut shared = self.shared.lock().unwrap();
        if shared.fired {
            drop(shared);
            self.log.lock().unwrap().push("poll: Ready".into());
            return Poll::Ready(());
        }
        // Remember the waker of *this* poll; a later poll may bring a
        // different one, and only the latest must be woken.
        shared.waker = Some(cx.waker().clone());
        drop(shared);
        self.log.lock().unwrap().push("poll: Pending".into());

        if let Some(event) = self.event.take() {
            let (shared, log) = (self.shared.clone(), self.log.clone());
            thread::spawn(move || {
                event();
                let waker = {
                    let mut shared = shared.lock().unwrap();
                    shared.fired = true;
                    log.lock().unwrap().push("timer thread: waking".into());
                    shared.waker.take()
                }; // the lock is released here, before the wake-up
                if let Some(waker) = waker {
                    waker.wake();
                }
            });
        }
        Poll::Pending
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let log = Log::default();
    Delay::new(Duration::from_millis(5), log.clone()).await;
    for entry in log.lock().unwrap().iter() {
        println!("{entry}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::task::Wake;
    use std::time::Instant;

    #[tokio::test]
    async fn the_timer_thread_wakes_the_task() {
        let log = Log::default();
        let start = Instant::now();
        Delay::new(Duration::from_millis(5), log.clone()).await;
        assert!(start.elapsed() >= Duration::from_millis(5));
        assert_eq!(
            *log.lock().unwrap(),
            ["poll: Pending", "timer thread: waking", "poll: Ready"]
        );
    }

    /// A waker that reports its name on a channel when woken.
    struct NamedWaker(&'static str, Mutex<mpsc::Sender<&'static str>>);

    impl Wake for NamedWaker {
        fn wake(self: Arc<Self>) {
            self.1.lock().unwrap().send(self.0).unwrap();
        }
    }

    #[test]
    fn extra_polls_are_harmless_and_the_latest_waker_is_woken() {
        let (sender, woken) = mpsc::channel();
        let waker = |name| {
            Waker::from(Arc::new(NamedWaker(name, Mutex::new(sender.clone()))))
        };
        let (first, second) = (waker("first"), waker("second"));
        let (fire, event) = mpsc::channel();
        let event = move || event.recv().unwrap();
        let mut delay = Box::pin(Delay::after(event, Log::default()));

        // Two polls before the timer fires: both say Pending.
        let poll = delay.as_mut().poll(&mut Context::from_waker(&first));
        assert_eq!(poll, Poll::Pending);
        let poll = delay.as_mut().poll(&mut Context::from_waker(&second));
        assert_eq!(poll, Poll::Pending);

        // The thread wakes the waker of the latest poll, and only that one.
        fire.send(()).unwrap();
        let name = woken.recv_timeout(Duration::from_secs(60)).unwrap();
        assert_eq!(name, "second");
        let poll = delay.as_mut().poll(&mut Context::from_waker(&second));
        assert_eq!(poll, Poll::Ready(()));
        // Once every waker is gone, no other wake-up can still arrive.
        drop((delay, first, second, sender));
        let rest = woken.recv_timeout(Duration::from_secs(60));
        assert_eq!(rest, Err(mpsc::RecvTimeoutError::Disconnected));
    }
}
