/// Counts down to zero, one recursive call per step.
async fn countdown(n: u32) -> Vec<u32> {
    if n == 0 {
        return vec![0];
    }
    // The inner call's future lives on the heap; this future holds only a
    // pointer to it, so its size no longer depends on itself.
    let mut rest = Box::pin(countdown(n - 1)).await;
    rest.insert(0, n);
    rest
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("{:?}", countdown(3).await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn it_counts_down() {
        assert_eq!(countdown(3).await, [3, 2, 1, 0]);
    }

    #[test]
    fn the_future_is_a_few_words_whatever_n() {
        // A size belongs to the type, which is the same for every `n`. It
        // is finite because the inner future sits behind a pointer.
        let size = size_of_val(&countdown(0));
        assert!(size <= 4 * size_of::<usize>(), "{size} bytes");
    }
}
