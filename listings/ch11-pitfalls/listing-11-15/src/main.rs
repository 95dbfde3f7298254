// ANCHOR: huge
const BUFFER: usize = 4 * 1024 * 1024; // 4 MiB

/// Fills a buffer with an upload, then adds up its bytes. The array is
/// used after the `.await`, so it is part of the future.
async fn checksum_upload() -> u64 {
    let mut buffer = [0u8; BUFFER];
    receive(&mut buffer).await;
    buffer.iter().map(|&byte| u64::from(byte)).sum()
}

/// The fix: the buffer lives on the heap; the future holds a pointer.
async fn checksum_upload_on_heap() -> u64 {
    let mut buffer = vec![0u8; BUFFER];
    receive(&mut buffer).await;
    buffer.iter().map(|&byte| u64::from(byte)).sum()
}

async fn receive(buffer: &mut [u8]) {
    tokio::task::yield_now().await; // stands for reading from a socket
    buffer.fill(1);
}
// ANCHOR_END: huge

// ANCHOR: deep
/// A store of comments: comment `id` has one reply, `id + 1`, up to
/// `last`. The answer comes from memory, so it is ready at once.
struct Comments {
    last: u32,
}

impl Comments {
    async fn reply_to(&self, id: u32) -> Option<u32> {
        (id < self.last).then_some(id + 1)
    }
}

/// How many replies follow comment `id`, recursively. It compiles, thanks
/// to `Box::pin`, but every level adds frames to the stack of each poll.
async fn thread_length(comments: &Comments, id: u32) -> u32 {
    match comments.reply_to(id).await {
        Some(reply) => 1 + Box::pin(thread_length(comments, reply)).await,
        None => 0,
    }
}

/// The fix: a loop. Its stack use does not depend on the depth.
async fn thread_length_in_a_loop(comments: &Comments, id: u32) -> u32 {
    let (mut length, mut id) = (0, id);
    while let Some(reply) = comments.reply_to(id).await {
        (length, id) = (length + 1, reply);
    }
    length
}
// ANCHOR_END: deep

// ANCHOR: main
/// Spawns `job` from a task, so that the future is created on a worker
/// thread with Tokio's default stack (2 MiB at the time of writing).
fn on_a_worker<T: Send + 'static>(
    job: impl FnOnce() -> tokio::task::JoinHandle<T> + Send + 'static,
) -> T {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(async { tokio::spawn(async { job().await }).await })
        .unwrap()
        .unwrap()
}

const DEPTH: u32 = 100_000;

/// The size of the future `f` returns, without creating one: creating
/// a 4 MiB future would need 4 MiB of stack.
fn future_size<F: Future>(_f: impl FnOnce() -> F) -> usize {
    size_of::<F>()
}

fn main() {
    match std::env::args().nth(1).as_deref() {
        // The two crashes; the listing's tests run these in a child process.
        Some("huge") => {
            on_a_worker(|| tokio::spawn(checksum_upload()));
        }
        Some("deep") => {
            on_a_worker(|| {
                tokio::spawn(async {
                    thread_length(&Comments { last: DEPTH }, 0).await
                })
            });
        }
        _ => {
            let size = future_size(checksum_upload);
            println!("checksum_upload:         {size} bytes");
            let size = future_size(checksum_upload_on_heap);
            println!("checksum_upload_on_heap: {size} bytes");
            let sum = on_a_worker(|| tokio::spawn(checksum_upload_on_heap()));
            println!("its checksum, on a worker: {sum}");
            let length = on_a_worker(|| {
                tokio::spawn(async {
                    thread_length_in_a_loop(&Comments { last: DEPTH }, 0).await
                })
            });
            println!("a thread {length} replies long, in a loop, on a worker");
        }
    }
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_used_after_an_await_makes_the_future_huge() {
        assert!(future_size(checksum_upload) >= BUFFER);
        assert!(future_size(checksum_upload_on_heap) < 100);
    }

    #[test]
    fn a_heap_buffer_runs_on_a_worker() {
        let sum = on_a_worker(|| tokio::spawn(checksum_upload_on_heap()));
        assert_eq!(sum, BUFFER as u64);
    }

    #[test]
    fn a_loop_handles_any_depth_on_a_worker() {
        let length = on_a_worker(|| {
            tokio::spawn(async {
                thread_length_in_a_loop(&Comments { last: DEPTH }, 0).await
            })
        });
        assert_eq!(length, DEPTH);
    }

    #[tokio::test]
    async fn shallow_recursion_is_fine() {
        assert_eq!(thread_length(&Comments { last: 100 }, 0).await, 100);
    }
}
