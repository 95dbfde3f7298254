use std::collections::{BTreeMap, VecDeque};
use std::marker::PhantomData;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

// The executor of Listing 4-2 and the timer of Listing 4-3, unchanged.
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
struct Executor {
    queue: Arc<RunQueue>,
    unfinished: usize,
    /// Not `Send`: the wakers unpark the thread that created the
    /// executor, so `run` must be called on that thread.
    _same_thread: PhantomData<*const ()>,
}

impl Executor {
    fn new() -> Self {
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

    fn spawn(&mut self, future: impl Future<Output = ()> + Send + 'static) {
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(future))),
            scheduled: AtomicBool::new(true),
            queue: Arc::clone(&self.queue),
        });
        self.queue.ready.lock().unwrap().push_back(task);
        self.unfinished += 1;
    }

    /// Polls tasks as they are woken, until every task has completed.
    fn run(&mut self) {
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

/// A future that completes at `deadline`.
struct Sleep {
    deadline: Instant,
    registered: bool,
}

fn sleep_until(deadline: Instant) -> Sleep {
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
        // Ask the timer thread for a wake-up with the waker of *this*
        // poll, then promise nothing more: the timer will wake us.
        let registration = Registration {
            deadline: self.deadline,
            waker: cx.waker().clone(),
        };
        timer().send(registration).unwrap();
        self.registered = true;
        Poll::Pending
    }
}

// ANCHOR: timeout
/// The error `timeout` returns when the time limit passes first.
#[derive(Debug, PartialEq)]
struct Elapsed;

/// Runs `future`, but for no longer than `limit`.
async fn timeout<F: Future>(
    limit: Duration,
    future: F,
) -> Result<F::Output, Elapsed> {
    let mut future = pin!(future);
    let mut sleep = sleep_until(Instant::now() + limit);
    std::future::poll_fn(|cx| {
        // Both are polled with the same waker: whichever is ready first
        // wakes the task, and the next poll sees which one it was.
        if let Poll::Ready(output) = future.as_mut().poll(cx) {
            return Poll::Ready(Ok(output));
        }
        if Pin::new(&mut sleep).poll(cx).is_ready() {
            return Poll::Ready(Err(Elapsed));
        }
        Poll::Pending
    })
    .await
}
// ANCHOR_END: timeout

fn main() {
    let mut executor = Executor::new();
    for (work, limit) in [(10, 50), (1_000, 20)] {
        executor.spawn(async move {
            let start = Instant::now();
            let job = sleep_until(start + Duration::from_millis(work));
            let result = timeout(Duration::from_millis(limit), job).await;
            println!("{work} ms of work, {limit} ms limit: {result:?}");
        });
    }
    executor.run();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<F: Future<Output = ()> + Send + 'static>(future: F) {
        let mut executor = Executor::new();
        executor.spawn(future);
        executor.run();
    }

    fn after(ms: u64) -> Sleep {
        sleep_until(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn a_fast_future_finishes_in_time() {
        run(async {
            let result = timeout(Duration::from_millis(500), async {
                after(10).await;
                "done"
            })
            .await;
            assert_eq!(result, Ok("done"));
        });
    }

    #[test]
    fn a_slow_future_is_cut_off_at_the_limit() {
        let start = Instant::now();
        run(async {
            let result = timeout(Duration::from_millis(20), after(5_000)).await;
            assert_eq!(result, Err(Elapsed));
        });
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(20));
        assert!(elapsed < Duration::from_millis(2_000), "took {elapsed:?}");
    }
}
