use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;

async fn lookup(word: &str) -> usize {
    tokio::task::yield_now().await; // stands for a call to a service
    word.len()
}

// ANCHOR: async_fn
/// Since Rust 1.85: the handler's future may borrow the line it is given.
async fn on_each_line(
    lines: &[String],
    handler: impl AsyncFn(&str) -> usize,
) -> usize {
    let mut total = 0;
    for line in lines {
        total += handler(line).await;
    }
    total
}
// ANCHOR_END: async_fn

// ANCHOR: boxed
/// Before Rust 1.85: a higher-ranked bound names the borrow's lifetime
/// `'a`, and a boxed future is a type that can carry it.
async fn on_each_line_boxed<F>(lines: &[String], handler: F) -> usize
where
    F: for<'a> Fn(&'a str) -> BoxFuture<'a, usize>,
{
    let mut total = 0;
    for line in lines {
        total += handler(line).await;
    }
    total
}
// ANCHOR_END: boxed

// ANCHOR: registry
/// A stored callback: it takes its argument by value and returns a boxed
/// future that owns all it uses, so the future can be spawned.
type Callback = Box<dyn Fn(String) -> BoxFuture<'static, String> + Send + Sync>;

/// Async callbacks of any closure type, grouped by event name.
#[derive(Default)]
struct Registry {
    callbacks: HashMap<&'static str, Vec<Callback>>,
}

impl Registry {
    /// Stores `callback` for `event`, boxing each future it returns.
    fn on<F, Fut>(&mut self, event: &'static str, callback: F)
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = String> + Send + 'static,
    {
        let boxed: Callback = Box::new(move |arg| Box::pin(callback(arg)));
        self.callbacks.entry(event).or_default().push(boxed);
    }

    /// Runs the callbacks for `event`, each on a task of its own, and
    /// returns their answers in the order they were registered.
    async fn emit(&self, event: &str, arg: &str) -> Vec<String> {
        let callbacks = self.callbacks.get(event).into_iter().flatten();
        let tasks: Vec<_> = callbacks
            .map(|callback| tokio::spawn(callback(arg.to_owned())))
            .collect();
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.expect("a callback panicked"));
        }
        answers
    }
}
// ANCHOR_END: registry

// ANCHOR: main
#[tokio::main]
async fn main() {
    let lines = ["tell me a joke".to_string(), "another one".to_string()];
    let first_word = async |line: &str| {
        let first = line.split(' ').next().unwrap_or_default();
        lookup(first).await // `first` borrows `line` across the `.await`
    };
    println!("AsyncFn:     {}", on_each_line(&lines, first_word).await);
    let boxed = on_each_line_boxed(&lines, |line| {
        Box::pin(async move {
            let first = line.split(' ').next().unwrap_or_default();
            lookup(first).await
        })
    });
    println!("boxed:       {}", boxed.await);

    let mut registry = Registry::default();
    // An async closure fits when its future borrows nothing from it.
    registry.on("joined", async |user: String| format!("welcome, {user}"));
    // Otherwise, give each future its own copy of what it needs.
    let channel = String::from("#jokes");
    registry.on("joined", move |user| {
        let channel = channel.clone();
        async move { format!("{user} joined {channel}") }
    });
    let registry = Arc::new(registry); // callbacks are Send + Sync
    for answer in registry.emit("joined", "ferris").await {
        println!("callback:    {answer}");
    }
}
// ANCHOR_END: main

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::sync::Barrier;

    fn lines() -> [String; 2] {
        ["tell me a joke".into(), "another one".into()]
    }

    #[tokio::test]
    async fn an_async_fn_handler_may_borrow_its_argument() {
        let handler = async |line: &str| {
            let first = line.split(' ').next().unwrap_or_default();
            lookup(first).await
        };
        assert_eq!(on_each_line(&lines(), handler).await, 4 + 7);
    }

    #[tokio::test]
    async fn a_boxed_higher_ranked_handler_may_borrow_it_too() {
        let lines = lines();
        let total = on_each_line_boxed(&lines, |line| {
            Box::pin(async move { lookup(line).await })
        });
        assert_eq!(total.await, 14 + 11);
    }

    #[tokio::test]
    async fn emit_runs_every_callback_of_the_event_in_order() {
        let mut registry = Registry::default();
        registry.on("a", async |x: String| format!("1 {x}"));
        registry.on("b", async |x: String| format!("never {x}"));
        registry.on("a", async |x: String| format!("2 {x}"));
        assert_eq!(registry.emit("a", "x").await, ["1 x", "2 x"]);
        assert!(registry.emit("c", "x").await.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn callbacks_run_concurrently_on_their_own_tasks() {
        // Each callback waits until both have started: run one after the
        // other, the first would wait for ever.
        let barrier = Arc::new(Barrier::new(2));
        let mut registry = Registry::default();
        for _ in 0..2 {
            let barrier = barrier.clone();
            registry.on("tick", move |x| {
                let barrier = barrier.clone();
                async move {
                    barrier.wait().await;
                    x
                }
            });
        }
        let emitted = registry.emit("tick", "both");
        let hour = Duration::from_secs(3600);
        let answers = tokio::time::timeout(hour, emitted).await;
        assert_eq!(answers.expect("callbacks ran one at a time"), ["both"; 2]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_registry_can_be_shared_with_other_tasks() {
        let mut registry = Registry::default();
        registry.on("ping", async |x: String| x + "!");
        let registry = Arc::new(registry);
        let shared = registry.clone();
        let task = tokio::spawn(async move { shared.emit("ping", "hi").await });
        assert_eq!(task.await.unwrap(), ["hi!"]);
    }
}
