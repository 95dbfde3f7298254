use std::time::Duration;

use tokio::runtime::{Handle, Runtime};

// ANCHOR: no_reactor
/// A future that needs Tokio's timer.
async fn pause() -> &'static str {
    tokio::time::sleep(Duration::from_millis(10)).await;
    "paused"
}

/// Wrong: `futures`' executor is not a Tokio runtime.
fn pause_on_another_executor() -> &'static str {
    futures::executor::block_on(pause())
}

/// Fixed: a plain thread enters the runtime through a handle to it.
fn pause_on_a_thread(handle: Handle) -> &'static str {
    handle.block_on(pause())
}
// ANCHOR_END: no_reactor

// ANCHOR: drop
/// A blocking wrapper around async code, with its own runtime inside.
struct BlockingClient {
    runtime: Runtime,
}

impl BlockingClient {
    fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        BlockingClient { runtime }
    }

    fn get(&self) -> &'static str {
        self.runtime.block_on(pause())
    }
}
// ANCHOR_END: drop

/// Runs `f` and returns its panic message, if it panics.
fn panic_message(f: impl FnOnce()) -> Option<String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // keep the output clean
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    std::panic::set_hook(hook);
    let payload = result.err()?;
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
}

fn first_sentence(message: Option<String>) -> String {
    let message = message.unwrap_or_else(|| "no panic".into());
    message.split(['.', ',']).next().unwrap().to_string()
}

fn main() {
    let no_reactor = panic_message(|| {
        pause_on_another_executor();
    });
    println!(
        "futures::executor::block_on: {}",
        first_sentence(no_reactor)
    );

    let runtime = Runtime::new().unwrap();
    let handle = runtime.handle().clone();
    let fixed = std::thread::spawn(move || pause_on_a_thread(handle));
    println!("Handle::block_on on a thread: {}", fixed.join().unwrap());

    let client = BlockingClient::new(); // from plain code: fine
    println!("BlockingClient::get from main: {}", client.get());
    drop(client);

    let dropped = panic_message(|| {
        runtime.block_on(async {
            let client = BlockingClient::new();
            drop(client); // inside async code
        })
    });
    println!("a runtime dropped in a task: {}", first_sentence(dropped));

    let nested = panic_message(|| {
        runtime.block_on(async {
            Handle::current().block_on(pause());
        })
    });
    println!("block_on inside a task: {}", first_sentence(nested));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[should_panic(expected = "there is no reactor running, must be called \
                               from the context of a Tokio 1.x runtime")]
    fn a_tokio_future_on_another_executor_finds_no_reactor() {
        pause_on_another_executor();
    }

    #[test]
    #[should_panic(expected = "there is no reactor running")]
    fn spawn_on_a_plain_thread_finds_no_reactor() {
        let runtime = Runtime::new().unwrap();
        runtime
            .block_on(async {
                // The new thread is not one of the runtime's.
                std::thread::spawn(|| tokio::spawn(pause()))
                    .join()
                    .map_err(std::panic::resume_unwind)
            })
            .unwrap();
    }

    #[test]
    fn a_handle_lets_a_plain_thread_use_the_runtime() {
        let runtime = Runtime::new().unwrap();
        let handle = runtime.handle().clone();
        let thread = std::thread::spawn(move || pause_on_a_thread(handle));
        assert_eq!(thread.join().unwrap(), "paused");
    }

    #[tokio::test]
    #[should_panic(expected = "Cannot drop a runtime in a context where \
                               blocking is not allowed")]
    async fn dropping_a_runtime_in_async_code_panics() {
        let client = BlockingClient::new();
        drop(client);
    }

    #[test]
    fn the_blocking_client_works_from_plain_code() {
        let client = BlockingClient::new();
        assert_eq!(client.get(), "paused");
        drop(client); // not in async code: fine
    }

    #[tokio::test]
    async fn a_blocking_client_belongs_on_the_blocking_pool() {
        let got = tokio::task::spawn_blocking(|| {
            let client = BlockingClient::new();
            client.get() // and dropped here, on a blocking thread
        });
        assert_eq!(got.await.unwrap(), "paused");
    }

    #[tokio::test]
    #[should_panic(expected = "Cannot start a runtime from within a runtime")]
    async fn block_on_inside_a_task_panics() {
        Handle::current().block_on(pause());
    }
}
