use futures::future::{BoxFuture, join_all};

/// A stored check: its future may borrow the input it is given.
type Check = Box<
    dyn for<'a> Fn(&'a str) -> BoxFuture<'a, Result<(), String>> + Send + Sync,
>;

/// Async checks of any closure type, run together on one input.
#[derive(Default)]
struct Validators {
    checks: Vec<Check>,
}

impl Validators {
    fn add<F>(&mut self, check: F)
    where
        F: for<'a> Fn(&'a str) -> BoxFuture<'a, Result<(), String>>,
        F: Send + Sync + 'static,
    {
        self.checks.push(Box::new(check));
    }

    /// Runs every check on `input` at the same time, in this task, and
    /// returns the errors in the order the checks were added.
    async fn run(&self, input: &str) -> Vec<String> {
        let results = join_all(self.checks.iter().map(|check| check(input)));
        results.await.into_iter().filter_map(Result::err).collect()
    }
}

/// Stands for an async lookup, such as asking a service about a name.
async fn is_taken(name: &str) -> bool {
    tokio::task::yield_now().await;
    name == "ferris"
}

fn validators() -> Validators {
    let mut validators = Validators::default();
    validators.add(|name| {
        Box::pin(async move {
            match name.len() {
                3..=12 => Ok(()),
                _ => Err(format!("{name:?} must have 3 to 12 letters")),
            }
        })
    });
    validators.add(|name| {
        Box::pin(async move {
            // `name` is borrowed across this `.await`: nothing is copied.
            if is_taken(name).await {
                Err(format!("{name:?} is taken"))
            } else {
                Ok(())
            }
        })
    });
    validators
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let validators = validators();
    for name in ["crab", "ferris", "x"] {
        println!("{name}: {:?}", validators.run(name).await);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::sync::Barrier;

    #[tokio::test]
    async fn every_error_is_reported_in_order() {
        let validators = validators();
        assert!(validators.run("crab").await.is_empty());
        assert_eq!(validators.run("ferris").await, [r#""ferris" is taken"#]);
        let input = String::from("a-very-long-name");
        let errors = validators.run(&input).await; // borrowed, not moved
        assert_eq!(errors, [format!("{input:?} must have 3 to 12 letters")]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_checks_run_at_the_same_time() {
        // Both checks wait until both have started: run one after the
        // other, the first would wait for ever.
        let barrier = Arc::new(Barrier::new(2));
        let mut validators = Validators::default();
        for _ in 0..2 {
            let barrier = barrier.clone();
            validators.add(move |_| {
                let barrier = barrier.clone();
                Box::pin(async move {
                    barrier.wait().await;
                    Ok(())
                })
            });
        }
        let hour = Duration::from_secs(3600);
        let errors = tokio::time::timeout(hour, validators.run("input")).await;
        assert!(errors.expect("the checks ran one at a time").is_empty());
    }
}
