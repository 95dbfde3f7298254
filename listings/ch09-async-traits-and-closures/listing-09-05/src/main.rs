//! Three ways to put different joke sources behind one `dyn` type.

use std::time::Duration;

/// Two kinds of source, shared by the three versions below.
struct Canned;
struct Slow(u64);

impl Canned {
    async fn lookup(&self, id: u32) -> String {
        format!("canned joke {id}")
    }
}

impl Slow {
    async fn lookup(&self, id: u32) -> String {
        tokio::time::sleep(Duration::from_millis(self.0)).await;
        format!("slow joke {id}")
    }
}

// ANCHOR: manual
mod by_hand {
    use std::pin::Pin;

    use super::{Canned, Slow};

    /// A boxed future that may borrow from `'a` and may cross threads.
    pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

    /// The method returns one concrete type for every implementation, so
    /// the trait is dyn compatible.
    pub trait JokeSource: Send + Sync {
        fn joke(&self, id: u32) -> BoxFuture<'_, String>;
    }

    impl JokeSource for Canned {
        fn joke(&self, id: u32) -> BoxFuture<'_, String> {
            Box::pin(self.lookup(id))
        }
    }

    impl JokeSource for Slow {
        fn joke(&self, id: u32) -> BoxFuture<'_, String> {
            Box::pin(async move { self.lookup(id).await })
        }
    }

    pub fn sources() -> Vec<Box<dyn JokeSource>> {
        vec![Box::new(Canned), Box::new(Slow(20))]
    }
}
// ANCHOR_END: manual

// ANCHOR: async_trait
mod with_async_trait {
    use async_trait::async_trait;

    use super::{Canned, Slow};

    /// `#[async_trait]` rewrites each `async fn` into a method returning
    /// `Pin<Box<dyn Future + Send + '_>>`, as written by hand above.
    #[async_trait]
    pub trait JokeSource: Send + Sync {
        async fn joke(&self, id: u32) -> String;
    }

    #[async_trait]
    impl JokeSource for Canned {
        async fn joke(&self, id: u32) -> String {
            self.lookup(id).await
        }
    }

    #[async_trait]
    impl JokeSource for Slow {
        async fn joke(&self, id: u32) -> String {
            self.lookup(id).await
        }
    }

    pub fn sources() -> Vec<Box<dyn JokeSource>> {
        vec![Box::new(Canned), Box::new(Slow(20))]
    }
}
// ANCHOR_END: async_trait

// ANCHOR: dynosaur
mod with_dynosaur {
    use super::{Canned, Slow};

    /// The trait stays a native async trait (static calls are not boxed);
    /// `dynosaur` adds the type `DynJokeSource`, which boxes each future
    /// only when you call through it.
    #[dynosaur::dynosaur(pub DynJokeSource = dyn(box) JokeSource)]
    pub trait JokeSource: Send + Sync {
        fn joke(&self, id: u32) -> impl Future<Output = String> + Send;
    }

    impl JokeSource for Canned {
        async fn joke(&self, id: u32) -> String {
            self.lookup(id).await
        }
    }

    impl JokeSource for Slow {
        async fn joke(&self, id: u32) -> String {
            self.lookup(id).await
        }
    }

    pub fn sources() -> Vec<Box<DynJokeSource<'static>>> {
        vec![
            DynJokeSource::new_box(Canned),
            DynJokeSource::new_box(Slow(20)),
        ]
    }
}
// ANCHOR_END: dynosaur

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    for source in by_hand::sources() {
        println!("by hand:     {}", source.joke(1).await);
    }
    for source in with_async_trait::sources() {
        println!("async-trait: {}", source.joke(2).await);
    }
    for source in with_dynosaur::sources() {
        use with_dynosaur::JokeSource;
        println!("dynosaur:    {}", source.joke(3).await);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn all_three_dispatch_to_the_right_implementation() {
        use with_dynosaur::JokeSource as _;
        let mut jokes = Vec::new();
        for source in by_hand::sources() {
            jokes.push(source.joke(1).await);
        }
        for source in with_async_trait::sources() {
            jokes.push(source.joke(2).await);
        }
        for source in with_dynosaur::sources() {
            jokes.push(source.joke(3).await);
        }
        assert_eq!(
            jokes,
            [
                "canned joke 1",
                "slow joke 1",
                "canned joke 2",
                "slow joke 2",
                "canned joke 3",
                "slow joke 3"
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn boxed_futures_can_be_spawned() {
        // The `+ Send` in each boxed future is what makes this compile.
        let source = with_async_trait::sources().pop().unwrap();
        let task = tokio::spawn(async move { source.joke(4).await });
        assert_eq!(task.await.unwrap(), "slow joke 4");
        let source = with_dynosaur::sources().pop().unwrap();
        let task = tokio::spawn(async move {
            use with_dynosaur::JokeSource as _;
            source.joke(5).await
        });
        assert_eq!(task.await.unwrap(), "slow joke 5");
    }
}
