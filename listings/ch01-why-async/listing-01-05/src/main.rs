use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::runtime::{Builder, Runtime};

// ANCHOR: main
/// On Linux, reading this file tells you the name of the thread that
/// reads it.
const THIS_THREADS_NAME: &str = "/proc/thread-self/comm";

/// A current-thread runtime that counts the threads it starts. It has no
/// worker threads, so every thread it starts is a blocking-pool thread.
fn counting_runtime() -> io::Result<(Runtime, Arc<AtomicUsize>)> {
    let started = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&started);
    let runtime = Builder::new_current_thread()
        .thread_name("blocking-pool")
        .on_thread_start(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .build()?;
    Ok((runtime, started))
}

fn main() -> io::Result<()> {
    let (runtime, started) = counting_runtime()?;
    runtime.block_on(async {
        println!("who read the file:");
        // Blocks the runtime's only thread while it reads.
        let name = std::fs::read_to_string(THIS_THREADS_NAME)?;
        println!("  std::fs, in the task         {}", name.trim());

        // Hands the read to the blocking pool, and waits for the answer.
        let before = started.load(Ordering::SeqCst);
        let name = tokio::fs::read_to_string(THIS_THREADS_NAME).await?;
        let after = started.load(Ordering::SeqCst);
        println!("  tokio::fs                    {}", name.trim());

        // The same trip, under your control: one closure, as many std::fs
        // calls as you like.
        let name = tokio::task::spawn_blocking(|| {
            std::fs::read_to_string(THIS_THREADS_NAME)
        })
        .await??;
        println!("  std::fs, in spawn_blocking   {}", name.trim());
        println!("threads started: {before} before tokio::fs, {after} after");
        Ok(())
    })
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokio_fs_runs_the_call_on_a_blocking_pool_thread() -> io::Result<()> {
        let (runtime, started) = counting_runtime()?;
        let name = runtime.block_on(async {
            assert_eq!(started.load(Ordering::SeqCst), 0);
            tokio::fs::read_to_string(THIS_THREADS_NAME).await
        })?;
        assert_eq!(name.trim(), "blocking-pool");
        assert_eq!(started.load(Ordering::SeqCst), 1);
        Ok(())
    }

    #[test]
    fn std_fs_runs_the_call_on_the_runtime_thread() -> io::Result<()> {
        let (runtime, started) = counting_runtime()?;
        let runtime_thread = std::fs::read_to_string(THIS_THREADS_NAME)?;
        let name = runtime
            .block_on(async { std::fs::read_to_string(THIS_THREADS_NAME) })?;
        assert_eq!(name, runtime_thread);
        assert_ne!(name.trim(), "blocking-pool");
        assert_eq!(started.load(Ordering::SeqCst), 0);
        Ok(())
    }

    #[test]
    fn std_fs_in_spawn_blocking_runs_on_the_pool_too() -> io::Result<()> {
        let (runtime, started) = counting_runtime()?;
        let names = runtime.block_on(async {
            tokio::task::spawn_blocking(|| {
                // Three reads, one trip to the pool.
                (0..3)
                    .map(|_| std::fs::read_to_string(THIS_THREADS_NAME))
                    .collect::<io::Result<Vec<_>>>()
            })
            .await?
        })?;
        assert!(names.iter().all(|name| name.trim() == "blocking-pool"));
        assert_eq!(started.load(Ordering::SeqCst), 1);
        Ok(())
    }
}
