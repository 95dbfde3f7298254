use std::collections::VecDeque;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

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
// ANCHOR_END: executor

// ANCHOR: yield_now
/// Returns `Pending` once, after asking to be polled again at once.
async fn yield_now() {
    let mut yielded = false;
    std::future::poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}
// ANCHOR_END: yield_now

// ANCHOR: main
fn main() {
    let mut executor = Executor::new();
    for name in ["a", "b", "c"] {
        executor.spawn(async move {
            for step in 1..=2 {
                println!("task {name}, step {step}");
                yield_now().await;
            }
            println!("task {name} done");
        });
    }
    executor.run();
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;
    use futures::channel::oneshot;
    use std::pin::pin;
    use std::sync::atomic::AtomicUsize;

    /// Wraps a future and counts how often it is polled.
    async fn counting<F: Future>(
        polls: Arc<AtomicUsize>,
        future: F,
    ) -> F::Output {
        let mut future = pin!(future);
        std::future::poll_fn(|cx| {
            polls.fetch_add(1, Ordering::Relaxed);
            future.as_mut().poll(cx)
        })
        .await
    }

    #[test]
    fn a_thousand_tasks_woken_from_other_threads_all_complete() {
        let mut executor = Executor::new();
        let polls = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicUsize::new(0));
        let mut senders = Vec::new();
        for _ in 0..1000 {
            let (sender, receiver) = oneshot::channel::<()>();
            senders.push(sender);
            let done = Arc::clone(&done);
            executor.spawn(counting(Arc::clone(&polls), async move {
                receiver.await.unwrap();
                done.fetch_add(1, Ordering::Relaxed);
            }));
        }
        // Spawned last, so it runs once every task above has been polled
        // and is waiting: it starts two threads that send the answers.
        executor.spawn(async move {
            let second_half = senders.split_off(500);
            for senders in [senders, second_half] {
                thread::spawn(move || {
                    for sender in senders {
                        sender.send(()).unwrap();
                    }
                });
            }
        });
        executor.run();
        assert_eq!(done.load(Ordering::Relaxed), 1000);
        // Each task: one poll that returns `Pending`, one after its wake-up.
        assert_eq!(polls.load(Ordering::Relaxed), 2000);
    }

    #[test]
    fn waking_a_queued_task_again_does_not_poll_it_again() {
        let mut executor = Executor::new();
        let polls = Arc::new(AtomicUsize::new(0));
        let (sender, mut receiver) = oneshot::channel::<()>();
        let mut first_poll = true;
        // Wakes itself three times on its first poll, then waits for the
        // answer from the task below.
        executor.spawn(counting(
            Arc::clone(&polls),
            std::future::poll_fn(move |cx| {
                if first_poll {
                    first_poll = false;
                    for _ in 0..3 {
                        cx.waker().wake_by_ref();
                    }
                    return Poll::Pending;
                }
                Pin::new(&mut receiver).poll(cx).map(|_| ())
            }),
        ));
        executor.spawn(async move {
            yield_now().await;
            sender.send(()).unwrap();
        });
        executor.run();
        // The first poll, one for the three wake-ups, one for the answer.
        assert_eq!(polls.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn tasks_take_turns_in_the_order_they_were_woken() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut executor = Executor::new();
        for name in ["a", "b"] {
            let log = Arc::clone(&log);
            executor.spawn(async move {
                for step in 1..=2 {
                    log.lock().unwrap().push(format!("{name}{step}"));
                    yield_now().await;
                }
            });
        }
        executor.run();
        assert_eq!(*log.lock().unwrap(), ["a1", "b1", "a2", "b2"]);
    }
}
