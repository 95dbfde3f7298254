use std::mem::size_of_val;

fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0, |sum, b| sum.wrapping_add(*b))
}

/// The original: a 4 KiB buffer lives across the `.await`.
async fn original() -> u8 {
    let buffer = [7u8; 4096];
    tokio::task::yield_now().await;
    checksum(&buffer)
}

/// Fix 1: the buffer's work is finished before the `.await`.
async fn finish_before_the_await() -> u8 {
    let sum = checksum(&[7u8; 4096]);
    tokio::task::yield_now().await;
    sum
}

/// Fix 2: the buffer lives on the heap; the future keeps a pointer.
async fn buffer_on_the_heap() -> u8 {
    let buffer = vec![7u8; 4096];
    tokio::task::yield_now().await;
    checksum(&buffer)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("original:                {}", size_of_val(&original()));
    println!(
        "finish_before_the_await: {}",
        size_of_val(&finish_before_the_await())
    );
    println!(
        "buffer_on_the_heap:      {}",
        size_of_val(&buffer_on_the_heap())
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_holds_the_whole_buffer() {
        assert!(size_of_val(&original()) >= 4096);
    }

    #[test]
    fn both_fixes_are_small() {
        assert!(size_of_val(&finish_before_the_await()) < 64);
        assert!(size_of_val(&buffer_on_the_heap()) < 64);
    }

    #[test]
    fn checksum_adds_up_the_bytes_wrapping_around() {
        assert_eq!(checksum(&[7, 7, 7]), 21);
        assert_eq!(checksum(&[200, 100]), 44); // 300 modulo 256
    }

    #[tokio::test]
    async fn all_three_compute_the_same() {
        let expected = original().await;
        assert_eq!(finish_before_the_await().await, expected);
        assert_eq!(buffer_on_the_heap().await, expected);
    }
}
