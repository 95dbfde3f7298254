//! The runtime of Listing 4-3: the executor of Listing 4-2, a timer thread
//! as its reactor, and a `Sleep` future that registers with the timer. The
//! program (`src/main.rs`) runs three sleeping tasks on it; Exercise 4-2's
//! solution builds a timeout on it.

use std::collections::{BTreeMap, VecDeque};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

// The executor of Listing 4-2, unchanged but for `pub` (a test below
// compares the two).
// ANCHOR: executor
type BoxedFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The tasks that are ready to be polled, and the thread that polls them.
struct RunQueue {
    ready: Mutex<VecDeque<Arc<Task>>>,
    executor_thread: Thread,
}

/// A spawned future, together with what its waker needs.
struct Task {
    /// `None` once the future has completed.
    future: Mutex<Option<BoxedFuture>>,
    /// Whether the task is in the run queue already.
    scheduled: AtomicBool,
    queue: Arc<RunQueue>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        // A task that is queued already will be polled anyway: queueing
        // it twice would only poll it twice.
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            let queue = Arc::clone(&self.queue);
            queue.ready.lock().unwrap().push_back(self);
            queue.executor_thread.unpark();
        }
    }
}

/// Runs many tasks on the thread that created it.
pub struct Executor {
    queue: Arc<RunQueue>,
    unfinished: usize,
    /// Not `Send`: the wakers unpark the thread that created the
    /// executor, so `run` must be called on that thread.
    _same_thread: PhantomData<*const ()>,
}

impl Executor {
    pub fn new() -> Self {
        let queue = RunQueue {
            ready: Mutex::new(VecDeque::new()),
            executor_thread: thread::current(),
        };
        Executor {
            queue: Arc::new(queue),
            unfinished: 0,
            _same_thread: PhantomData,
        }
    }

    pub fn spawn(&mut self, future: impl Future<Output = ()> + Send + 'static) {
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(future))),
            scheduled: AtomicBool::new(true),
            queue: Arc::clone(&self.queue),
        });
        self.queue.ready.lock().unwrap().push_back(task);
        self.unfinished += 1;
    }

    /// Polls tasks as they are woken, until every task has completed.
    pub fn run(&mut self) {
        while self.unfinished > 0 {
            let next = self.queue.ready.lock().unwrap().pop_front();
            let Some(task) = next else {
                thread::park(); // nothing to do until a waker unparks us
                continue;
            };
            // Cleared before polling, so a wake-up that arrives while the
            // task runs puts it back in the queue.
            task.scheduled.store(false, Ordering::Release);
            let waker = Waker::from(Arc::clone(&task));
            let mut slot = task.future.lock().unwrap();
            if let Some(future) = slot.as_mut() {
                let mut cx = Context::from_waker(&waker);
                if future.as_mut().poll(&mut cx).is_ready() {
                    *slot = None; // drop the finished future now
                    self.unfinished -= 1;
                }
            }
        }
    }
}
// ANCHOR_END: executor

impl Default for Executor {
    fn default() -> Self {
        Self::new()
    }
}

// ANCHOR: timer
/// A request to the timer thread: wake `waker` at `deadline`.
struct Registration {
    deadline: Instant,
    waker: Waker,
}

/// The sending end of the timer thread's channel; the thread starts the
/// first time a `Sleep` is polled.
fn timer() -> &'static Sender<Registration> {
    static TIMER: OnceLock<Sender<Registration>> = OnceLock::new();
    TIMER.get_or_init(|| {
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || run_timer(receiver));
        sender
    })
}

/// The minimal reactor: wakes the timers whose deadline has passed, then
/// sleeps until the earliest deadline or the next registration.
fn run_timer(registrations: Receiver<Registration>) {
    // Wakers ordered by deadline; the number keeps equal deadlines apart.
    let mut timers: BTreeMap<(Instant, u64), Waker> = BTreeMap::new();
    let mut next_id = 0;
    loop {
        let now = Instant::now();
        while let Some(entry) = timers.first_entry() {
            if entry.key().0 > now {
                break;
            }
            entry.remove().wake();
        }
        let timeout = match timers.first_key_value() {
            Some((&(deadline, _), _)) => deadline - now,
            None => Duration::MAX, // no timers: wait for a registration
        };
        match registrations.recv_timeout(timeout) {
            Ok(Registration { deadline, waker }) => {
                timers.insert((deadline, next_id), waker);
                next_id += 1;
            }
            Err(RecvTimeoutError::Timeout) => {} // a deadline has passed
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}
// ANCHOR_END: timer

// ANCHOR: sleep
/// A future that completes at `deadline`.
pub struct Sleep {
    deadline: Instant,
    registered: bool,
}

pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline,
        registered: false,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // The first poll always goes through the timer, even if the
        // deadline has passed, so that wake-ups come in deadline order.
        if self.registered && Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        // Hand the timer thread the waker of *this* poll; it will wake
        // the task when the deadline has passed.
        let registration = Registration {
            deadline: self.deadline,
            waker: cx.waker().clone(),
        };
        timer().send(registration).unwrap();
        self.registered = true;
        Poll::Pending
    }
}
// ANCHOR_END: sleep

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn sleep_waits_at_least_its_duration() {
        let start = Instant::now();
        let mut executor = Executor::new();
        executor.spawn(sleep_until(Instant::now() + Duration::from_millis(20)));
        executor.run();
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn a_hundred_sleeps_overlap() {
        let start = Instant::now();
        let mut executor = Executor::new();
        for _ in 0..100 {
            executor
                .spawn(sleep_until(Instant::now() + Duration::from_millis(20)));
        }
        executor.run();
        // One after the other they would take 2 seconds.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(20));
        assert!(elapsed < Duration::from_millis(1000), "took {elapsed:?}");
    }

    #[test]
    fn a_sleeping_task_is_polled_twice() {
        let polls = Arc::new(AtomicUsize::new(0));
        let mut executor = Executor::new();
        let mut sleep = sleep_until(Instant::now() + Duration::from_millis(20));
        let counter = Arc::clone(&polls);
        executor.spawn(std::future::poll_fn(move |cx| {
            counter.fetch_add(1, Ordering::Relaxed);
            Pin::new(&mut sleep).poll(cx)
        }));
        executor.run();
        // Once to register with the timer, once when the timer wakes it.
        assert_eq!(polls.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn wake_ups_come_in_deadline_order_even_when_the_executor_is_late() {
        let woke = Arc::new(Mutex::new(Vec::new()));
        let start = Instant::now();
        let mut executor = Executor::new();
        let sleeper = |ms| {
            let woke = Arc::clone(&woke);
            async move {
                sleep_until(start + Duration::from_millis(ms)).await;
                woke.lock().unwrap().push(ms);
            }
        };
        executor.spawn(sleeper(10));
        // A stall, as on a busy machine: this task holds the executor
        // thread until both deadlines have passed.
        executor.spawn(async { thread::sleep(Duration::from_millis(30)) });
        executor.spawn(sleeper(20));
        executor.run();
        assert_eq!(*woke.lock().unwrap(), [10, 20]);
    }

    /// Two tasks that sleep until the same instant both wake: the timer
    /// keeps equal deadlines apart by number, not one in place of the other.
    #[test]
    fn equal_deadlines_wake_every_task() {
        let (done, finished) = mpsc::channel();
        // The executor runs on a thread of its own, so that a task that is
        // never woken fails the test instead of hanging it.
        thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_millis(10);
            let mut executor = Executor::new();
            executor.spawn(sleep_until(deadline));
            executor.spawn(sleep_until(deadline));
            executor.run();
            done.send(()).unwrap();
        });
        let outcome = finished.recv_timeout(Duration::from_secs(10));
        assert_eq!(outcome, Ok(()), "a task was never woken");
    }

    #[test]
    #[should_panic(expected = "must be called from the context of a Tokio")]
    fn tokio_sleep_needs_a_tokio_runtime() {
        let mut executor = Executor::new();
        executor.spawn(tokio::time::sleep(Duration::from_millis(1)));
        executor.run();
    }

    /// The executor above is Listing 4-2's, made public for the program and
    /// for Exercise 4-2: the two copies must not drift apart.
    #[test]
    fn the_executor_is_listing_4_2s() {
        // Spelled in two pieces, so that mdBook does not take these lines
        // for anchors.
        let (begin, end) = (
            ["// ANCHOR", ": executor\n"],
            ["// ANCHOR", "_END: executor"],
        );
        let executor = |file: &str| {
            let start = file.find(&begin.concat()).unwrap();
            let stop = file.find(&end.concat()).unwrap();
            file[start..stop].replace("pub ", "")
        };
        let listing_4_2 = include_str!("../../listing-04-02/src/main.rs");
        assert_eq!(executor(include_str!("lib.rs")), executor(listing_4_2));
    }
}

// The book includes this empty part to compile the whole file, hidden,
// together with the programs that use the library.
// ANCHOR: none
// ANCHOR_END: none
