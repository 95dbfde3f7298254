/// Runs `job` on a task of its own. The bounds are on the closure; there
/// is no way to say that the future each call returns is `Send`.
fn spawn_job<F>(job: F) -> tokio::task::JoinHandle<()>
where
    F: AsyncFn() + Send + Sync + 'static,
{
    tokio::spawn(async move { job().await })
}

/// A list of async callbacks of different types needs `dyn`.
type Callbacks = Vec<Box<dyn AsyncFn()>>;

fn main() {
    let callbacks: Callbacks = Vec::new();
    spawn_job(async || println!("{} callbacks", callbacks.len()));
}
