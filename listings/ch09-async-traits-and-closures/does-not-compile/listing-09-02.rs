use std::sync::Arc;

trait JokeSource {
    async fn joke(&self, id: u32) -> String;
}

/// Fetches a joke on its own task, for any source that may cross threads.
fn spawn_joke<S>(source: Arc<S>, id: u32) -> tokio::task::JoinHandle<String>
where
    S: JokeSource + Send + Sync + 'static,
{
    tokio::spawn(async move { source.joke(id).await })
}

fn main() {}
