use tokio::runtime::{Builder, Handle, RuntimeFlavor};

/// What the code inside the runtime can see of it.
#[derive(Debug, PartialEq)]
struct RuntimeFacts {
    flavor: RuntimeFlavor,
    workers: usize,
}

async fn inspect_runtime() -> RuntimeFacts {
    let handle = Handle::current();
    RuntimeFacts {
        flavor: handle.runtime_flavor(),
        workers: handle.metrics().num_workers(),
    }
}

// `#[tokio::main] async fn main() { … }`, written out by hand.
fn main() {
    let body = async {
        let answer = tokio::spawn(async { 6 * 7 }).await.unwrap();
        println!("a spawned task computed {answer}");
        let facts = inspect_runtime().await;
        println!("the runtime's flavor: {:?}", facts.flavor);
    };
    Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("Failed building the Runtime")
        .block_on(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `#[tokio::main]` works on any function, not only on `main`.
    #[tokio::main]
    async fn with_the_macro() -> RuntimeFacts {
        inspect_runtime().await
    }

    fn by_hand() -> RuntimeFacts {
        Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("Failed building the Runtime")
            .block_on(inspect_runtime())
    }

    #[test]
    fn the_macro_and_the_hand_built_runtime_agree() {
        let facts = by_hand();
        assert_eq!(with_the_macro(), facts);
        assert_eq!(facts.flavor, RuntimeFlavor::MultiThread);
        // One worker thread per core, unless TOKIO_WORKER_THREADS says
        // otherwise.
        if std::env::var_os("TOKIO_WORKER_THREADS").is_none() {
            let cores = std::thread::available_parallelism().unwrap().get();
            assert_eq!(facts.workers, cores);
        }
    }

    #[tokio::test]
    async fn tokio_test_uses_a_current_thread_runtime() {
        let facts = inspect_runtime().await;
        assert_eq!(facts.flavor, RuntimeFlavor::CurrentThread);
        assert_eq!(facts.workers, 1);
    }
}
