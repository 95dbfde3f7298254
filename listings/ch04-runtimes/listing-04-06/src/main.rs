use std::thread;
use std::time::Duration;

use tokio::runtime::{Builder, Handle};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

// ANCHOR: countdown
/// Synchronous code that needs a runtime context: `sleep` is a plain
/// function that registers a timer with the current runtime at once, and
/// `tokio::spawn` hands the task to the current runtime.
fn start_countdown(ms: u64) -> JoinHandle<&'static str> {
    let timer = tokio::time::sleep(Duration::from_millis(ms));
    tokio::spawn(async move {
        timer.await;
        "lift-off"
    })
}
// ANCHOR_END: countdown

// ANCHOR: lifecycle
fn lifecycle() {
    let runtime = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();

    // Enter: until `guard` is dropped, this thread is in the runtime's
    // context, so synchronous code here may create timers and spawn.
    let guard = runtime.enter();
    let countdown = start_countdown(10);
    drop(guard);

    // Run: block_on enters the context by itself.
    println!("countdown: {}", runtime.block_on(countdown).unwrap());

    // Shut down: tasks are dropped, but blocking work cannot be stopped.
    let (release, wait_for_release) = std::sync::mpsc::channel::<()>();
    runtime.spawn_blocking(move || {
        let _ = wait_for_release.recv(); // returns when `release` drops
    });
    // `drop(runtime)` would wait for that call: forever. This waits 100 ms.
    runtime.shutdown_timeout(Duration::from_millis(100));
    println!("shut down, with the blocking call still running");
    drop(release); // now the call returns, and its thread ends
}
// ANCHOR_END: lifecycle

// ANCHOR: main
fn main() {
    let runtime = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // A handle is a cheap, cloneable reference to the runtime.
    let handle = runtime.handle().clone();

    // A plain thread has no runtime of its own...
    let worker = thread::spawn(move || {
        assert!(Handle::try_current().is_err());
        // ...but with a handle it can spawn tasks onto the runtime...
        let (sender, mut receiver) = mpsc::channel(8);
        for n in 1..=3 {
            let sender = sender.clone();
            handle.spawn(async move {
                tokio::time::sleep(Duration::from_millis(n)).await;
                sender.send(n * 10).await.unwrap();
            });
        }
        drop(sender);
        // ...and block on a future, as long as it is not a runtime thread.
        handle.block_on(async {
            let mut total = 0;
            while let Some(value) = receiver.recv().await {
                total += value;
            }
            total
        })
    });
    println!("total sent by the tasks: {}", worker.join().unwrap());

    // Inside the runtime, `Handle::current()` finds it.
    let flavor = runtime.block_on(async { Handle::current().runtime_flavor() });
    println!("the current runtime is {flavor:?}");

    lifecycle();
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_runtime_there_is_no_current_handle() {
        assert!(Handle::try_current().is_err());
    }

    #[test]
    fn a_handle_spawns_from_a_thread_that_is_not_part_of_the_runtime() {
        let runtime = Builder::new_current_thread().build().unwrap();
        let handle = runtime.handle().clone();
        let task = thread::spawn(move || handle.spawn(async { 7 }))
            .join()
            .unwrap();
        // On a current-thread runtime, tasks only make progress while some
        // thread is inside `block_on`.
        assert_eq!(runtime.block_on(task).unwrap(), 7);
    }

    #[test]
    #[should_panic(expected = "must be called from the context of a Tokio")]
    fn tokio_spawn_outside_a_runtime_panics() {
        drop(tokio::spawn(async {}));
    }

    fn runtime() -> tokio::runtime::Runtime {
        Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn enter_lets_synchronous_code_create_a_timer_and_spawn() {
        let runtime = runtime();
        let countdown = {
            let _guard = runtime.enter();
            start_countdown(10)
        };
        assert!(Handle::try_current().is_err(), "the guard left the context");
        assert_eq!(runtime.block_on(countdown).unwrap(), "lift-off");
    }

    #[test]
    #[should_panic(expected = "must be called from the context of a Tokio")]
    fn without_enter_creating_a_timer_panics() {
        let _runtime = runtime();
        drop(start_countdown(10));
    }

    #[test]
    #[should_panic(expected = "must be called from the context of a Tokio")]
    fn a_guard_bound_to_an_underscore_is_dropped_at_once() {
        let runtime = runtime();
        let _ = runtime.enter(); // `_` drops the guard on this line
        drop(start_countdown(10));
    }

    /// A connected pair of standard-library sockets, in non-blocking mode
    /// as Tokio's `from_std` requires.
    fn std_socket() -> (std::net::TcpListener, std::net::TcpStream) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let stream =
            std::net::TcpStream::connect(listener.local_addr().unwrap())
                .unwrap();
        stream.set_nonblocking(true).unwrap();
        (listener, stream)
    }

    #[test]
    #[should_panic(expected = "must be called from the context of a Tokio")]
    fn a_tcp_stream_made_outside_the_context_panics() {
        let _runtime = runtime();
        let (_listener, stream) = std_socket();
        drop(tokio::net::TcpStream::from_std(stream));
    }

    #[test]
    fn a_tcp_stream_made_inside_the_context_works() {
        let runtime = runtime();
        let (_listener, stream) = std_socket();
        let _guard = runtime.enter();
        let stream = tokio::net::TcpStream::from_std(stream).unwrap();
        assert!(stream.peer_addr().is_ok());
    }

    #[test]
    fn an_async_fn_needs_the_context_only_when_polled() {
        let runtime = runtime();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        // Created outside any runtime: an async fn's future does nothing
        // until it is polled, and block_on polls it inside the context.
        let connect =
            tokio::net::TcpStream::connect(listener.local_addr().unwrap());
        let stream = runtime.block_on(connect).unwrap();
        assert!(stream.peer_addr().is_ok());
    }

    /// Starts a blocking call on the runtime's pool that runs until
    /// `release` is dropped, and returns once it has started.
    fn blocking_call(
        runtime: &tokio::runtime::Runtime,
    ) -> std::sync::mpsc::Sender<()> {
        let (started, has_started) = std::sync::mpsc::channel();
        let (release, wait_for_release) = std::sync::mpsc::channel::<()>();
        runtime.spawn_blocking(move || {
            started.send(()).unwrap();
            let _ = wait_for_release.recv();
        });
        has_started.recv().unwrap();
        release
    }

    #[test]
    fn dropping_a_runtime_waits_for_running_blocking_work() {
        let (dropped, has_dropped) = std::sync::mpsc::channel();
        let (handed_over, release) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let runtime = runtime();
            handed_over.send(blocking_call(&runtime)).unwrap();
            drop(runtime);
            dropped.send(()).unwrap();
        });
        let release = release.recv().unwrap();
        // While the blocking call runs, the drop cannot return.
        let early = has_dropped.recv_timeout(Duration::from_millis(500));
        assert_eq!(early, Err(std::sync::mpsc::RecvTimeoutError::Timeout));
        drop(release);
        has_dropped
            .recv_timeout(Duration::from_secs(10))
            .expect("the drop returned once the blocking call had");
    }

    #[test]
    fn shutdown_background_does_not_wait_for_blocking_work() {
        let (done, finished) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let runtime = runtime();
            let release = blocking_call(&runtime);
            runtime.shutdown_background(); // returns at once
            done.send(release).unwrap(); // the call is still blocked
        });
        let release = finished
            .recv_timeout(Duration::from_secs(10))
            .expect("shutdown_background waited for the blocking call");
        drop(release);
    }

    #[test]
    fn shutdown_timeout_waits_for_its_timeout_and_no_longer() {
        let (done, finished) = std::sync::mpsc::channel();
        thread::spawn(move || {
            let runtime = runtime();
            let release = blocking_call(&runtime);
            let start = std::time::Instant::now();
            runtime.shutdown_timeout(Duration::from_millis(100));
            done.send((start.elapsed(), release)).unwrap();
        });
        let (waited, release) = finished
            .recv_timeout(Duration::from_secs(10))
            .expect("shutdown_timeout waited for the blocking call");
        assert!(waited >= Duration::from_millis(100), "{waited:?}");
        drop(release);
    }

    #[tokio::test]
    #[should_panic(expected = "Cannot drop a runtime in a context where")]
    async fn dropping_a_runtime_inside_async_code_panics() {
        drop(runtime());
    }

    #[tokio::test]
    async fn shutdown_background_is_allowed_inside_async_code() {
        runtime().shutdown_background();
    }

    #[test]
    fn dropping_a_runtime_drops_its_tasks_at_their_await() {
        struct Note(std::sync::mpsc::Sender<&'static str>);
        impl Drop for Note {
            fn drop(&mut self) {
                let _ = self.0.send("dropped");
            }
        }
        let (log, entries) = std::sync::mpsc::channel();
        let runtime = runtime();
        let note = Note(log.clone());
        runtime.block_on(async {
            let task = tokio::spawn(async move {
                let _note = note;
                tokio::time::sleep(Duration::from_secs(3600)).await;
                let _ = log.send("finished");
            });
            tokio::task::yield_now().await; // let it reach its sleep
            assert!(!task.is_finished());
        });
        drop(runtime);
        assert_eq!(entries.try_iter().collect::<Vec<_>>(), ["dropped"]);
    }
}
