use std::collections::VecDeque;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};
use std::thread::{self, Thread};

type BoxedFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// As in Listing 4-2, plus the count of unfinished tasks, which now lives
/// here because tasks can add to it while they run.
struct RunQueue {
    ready: Mutex<VecDeque<Arc<Task>>>,
    executor_thread: Thread,
    unfinished: AtomicUsize,
}

/// A cloneable handle that spawns tasks onto the executor, from a task or
/// from any other thread.
#[derive(Clone)]
struct Spawner {
    queue: Arc<RunQueue>,
}

impl Spawner {
    fn spawn(&self, future: impl Future<Output = ()> + Send + 'static) {
        let task = Arc::new(Task {
            future: Mutex::new(Some(Box::pin(future))),
            scheduled: AtomicBool::new(true),
            queue: Arc::clone(&self.queue),
        });
        // Counted before it is queued, so `run` never sees it finish before
        // it was counted.
        self.queue.unfinished.fetch_add(1, Ordering::AcqRel);
        self.queue.ready.lock().unwrap().push_back(task);
        self.queue.executor_thread.unpark();
    }
}

struct Executor {
    queue: Arc<RunQueue>,
    /// Not `Send`: the wakers unpark the thread that created the
    /// executor, so `run` must be called on that thread.
    _same_thread: PhantomData<*const ()>,
}

impl Executor {
    fn new() -> Self {
        let queue = RunQueue {
            ready: Mutex::new(VecDeque::new()),
            executor_thread: thread::current(),
            unfinished: AtomicUsize::new(0),
        };
        Executor {
            queue: Arc::new(queue),
            _same_thread: PhantomData,
        }
    }

    fn spawner(&self) -> Spawner {
        Spawner {
            queue: Arc::clone(&self.queue),
        }
    }

    /// Polls tasks as they are woken, until every task has completed,
    /// including the tasks spawned while it runs.
    fn run(&self) {
        while self.queue.unfinished.load(Ordering::Acquire) > 0 {
            let next = self.queue.ready.lock().unwrap().pop_front();
            let Some(task) = next else {
                thread::park();
                continue;
            };
            task.scheduled.store(false, Ordering::Release);
            let waker = Waker::from(Arc::clone(&task));
            let mut slot = task.future.lock().unwrap();
            if let Some(future) = slot.as_mut() {
                let mut cx = Context::from_waker(&waker);
                if future.as_mut().poll(&mut cx).is_ready() {
                    *slot = None;
                    self.queue.unfinished.fetch_sub(1, Ordering::AcqRel);
                }
            }
        }
    }
}

/// Unchanged from Listing 4-2.
struct Task {
    future: Mutex<Option<BoxedFuture>>,
    scheduled: AtomicBool,
    queue: Arc<RunQueue>,
}

impl Wake for Task {
    fn wake(self: Arc<Self>) {
        if !self.scheduled.swap(true, Ordering::AcqRel) {
            let queue = Arc::clone(&self.queue);
            queue.ready.lock().unwrap().push_back(self);
            queue.executor_thread.unpark();
        }
    }
}

fn main() {
    let executor = Executor::new();
    let spawner = executor.spawner();
    let finished = Arc::new(AtomicUsize::new(0));
    let parent_finished = Arc::clone(&finished);
    executor.spawner().spawn(async move {
        for _ in 0..10 {
            let finished = Arc::clone(&parent_finished);
            spawner.spawn(async move {
                finished.fetch_add(1, Ordering::Relaxed);
            });
        }
        parent_finished.fetch_add(1, Ordering::Relaxed);
    });
    executor.run();
    println!("{} tasks finished", finished.load(Ordering::Relaxed));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::task::Poll;
    use std::time::Duration;

    /// Spawns `depth` generations of tasks, each task spawning two
    /// children, and counts the tasks that ran.
    fn spawn_tree(spawner: Spawner, depth: u32, count: Arc<AtomicUsize>) {
        let child_spawner = spawner.clone();
        spawner.spawn(async move {
            count.fetch_add(1, Ordering::Relaxed);
            if depth > 1 {
                for _ in 0..2 {
                    let count = Arc::clone(&count);
                    spawn_tree(child_spawner.clone(), depth - 1, count);
                }
            }
        });
    }

    #[test]
    fn tasks_spawned_by_tasks_all_run() {
        let executor = Executor::new();
        let count = Arc::new(AtomicUsize::new(0));
        spawn_tree(executor.spawner(), 10, Arc::clone(&count));
        executor.run();
        assert_eq!(count.load(Ordering::Relaxed), 1023); // 2^10 - 1
    }

    /// Pending once, after asking to be polled again.
    struct YieldOnce(bool);

    impl Future for YieldOnce {
        type Output = ();

        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    #[test]
    fn a_woken_task_is_polled_again() {
        let (done, finished) = mpsc::channel();
        // The executor parks its thread when no task is ready, so it runs
        // on a thread of its own: if the wake-up were lost, the test would
        // fail after ten seconds instead of hanging.
        thread::spawn(move || {
            let executor = Executor::new();
            executor.spawner().spawn(async move {
                YieldOnce(false).await;
                done.send(()).unwrap();
            });
            executor.run();
        });
        let woken = finished.recv_timeout(Duration::from_secs(10));
        assert!(woken.is_ok(), "the task was never polled after its wake-up");
    }

    #[test]
    fn run_returns_at_once_when_there_is_nothing_to_do() {
        Executor::new().run();
    }
}
