use support::{CountBytes, heap_bytes};

/// The system allocator, counting the bytes currently allocated.
#[global_allocator]
static ALLOCATOR: CountBytes = CountBytes;

/// Spawns `n` idle tasks made by `make`, and returns the heap bytes each
/// one adds while it waits.
fn bytes_per_task<F>(n: usize, make: impl Fn() -> F) -> usize
where
    F: Future<Output = ()> + Send + 'static,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let before = heap_bytes();
        let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(make())).collect();
        let per_task = (heap_bytes() - before) as usize / n;
        for task in &tasks {
            task.abort();
        }
        per_task
    })
}

/// Waits forever while holding a buffer, as a task reading a socket might.
async fn holds_buffer<const N: usize>() {
    let buffer = [1_u8; N];
    std::future::pending::<()>().await;
    std::hint::black_box(&buffer);
}

fn main() {
    let small = bytes_per_task(1000, holds_buffer::<64>);
    let large = bytes_per_task(1000, holds_buffer::<16_384>);
    println!("idle task holding 64 B:     {small} bytes");
    println!("idle task holding 16 KiB:   {large} bytes");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_held_across_await_is_part_of_the_task() {
        let small = bytes_per_task(100, holds_buffer::<64>);
        let large = bytes_per_task(100, holds_buffer::<16_384>);
        assert!(small < 1024, "{small}");
        // The 16 KiB buffer lives in the task, plus a few hundred bytes.
        assert!((16_384..17 * 1024).contains(&large), "{large}");
    }
}
