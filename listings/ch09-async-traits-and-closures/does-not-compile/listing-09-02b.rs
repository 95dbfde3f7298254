use std::sync::Arc;

trait JokeSource {
    async fn joke(&self, id: u32) -> String;
}

/// Listing 9-2 with return type notation: the bound `joke(..): Send` says
/// that the future `joke` returns is `Send`.
fn spawn_joke<S>(source: Arc<S>, id: u32) -> tokio::task::JoinHandle<String>
where
    S: JokeSource<joke(..): Send> + Send + Sync + 'static,
{
    tokio::spawn(async move { source.joke(id).await })
}

fn main() {}
