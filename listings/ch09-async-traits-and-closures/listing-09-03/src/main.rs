use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

/// Fix 1: write the trait once and let `trait-variant` make a second trait,
/// `JokeSource`, whose futures are all `Send` (and which has `Send` as a
/// supertrait, so `S: Send` is implied below). `LocalJokeSource` stays
/// available for single-threaded code that does not need the bound.
#[trait_variant::make(JokeSource: Send)]
trait LocalJokeSource {
    async fn joke(&self, id: u32) -> String;
}

struct Canned;

impl JokeSource for Canned {
    async fn joke(&self, id: u32) -> String {
        tokio::time::sleep(Duration::from_millis(5)).await;
        format!("canned joke {id}")
    }
}

fn spawn_joke<S>(source: Arc<S>, id: u32) -> JoinHandle<String>
where
    S: JokeSource + Sync + 'static,
{
    tokio::spawn(async move { source.joke(id).await })
}

/// Code that stays on one thread can ask for the local trait; every
/// `JokeSource` is a `LocalJokeSource` too.
async fn tell_locally<S: LocalJokeSource>(source: &S, id: u32) -> String {
    source.joke(id).await
}

/// Fix 2: spell out the return type and add `+ Send` to it yourself.
trait SendJokeSource {
    fn joke(&self, id: u32) -> impl Future<Output = String> + Send;
}

impl SendJokeSource for Canned {
    // Implementations may still write `async fn`; the compiler checks that
    // the future it makes is `Send`, as the trait promises.
    async fn joke(&self, id: u32) -> String {
        tokio::time::sleep(Duration::from_millis(5)).await;
        format!("canned joke {id}, sent")
    }
}

fn spawn_sent_joke<S>(source: Arc<S>, id: u32) -> JoinHandle<String>
where
    S: SendJokeSource + Send + Sync + 'static,
{
    tokio::spawn(async move { source.joke(id).await })
}

#[tokio::main]
async fn main() {
    let source = Arc::new(Canned);
    let first = spawn_joke(Arc::clone(&source), 1);
    let second = spawn_sent_joke(source, 2);
    println!("{}", first.await.unwrap());
    println!("{}", second.await.unwrap());
    println!("{}", tell_locally(&Canned, 3).await);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn both_fixes_let_a_generic_caller_spawn() {
        let source = Arc::new(Canned);
        let a = spawn_joke(Arc::clone(&source), 1);
        let b = spawn_sent_joke(source, 2);
        assert_eq!(a.await.unwrap(), "canned joke 1");
        assert_eq!(b.await.unwrap(), "canned joke 2, sent");
    }

    #[tokio::test(start_paused = true)]
    async fn the_send_variant_is_also_a_local_variant() {
        assert_eq!(tell_locally(&Canned, 3).await, "canned joke 3");
    }
}
