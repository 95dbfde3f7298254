use std::time::Duration;

use tokio::time::error::Elapsed;
use tokio::time::{Instant, sleep, timeout, timeout_at};

/// A simulated remote call that takes `ms` milliseconds.
async fn call(name: &'static str, ms: u64) -> &'static str {
    sleep(Duration::from_millis(ms)).await;
    name
}

const STEPS: [(&str, u64); 3] =
    [("joke", 40), ("preferences", 40), ("weather", 40)];

/// Each step gets its own limit: three slow steps can add up.
async fn limit_per_step(limit: Duration) -> Result<Vec<&'static str>, Elapsed> {
    let mut answers = Vec::new();
    for (name, ms) in STEPS {
        answers.push(timeout(limit, call(name, ms)).await?);
    }
    Ok(answers)
}

/// One deadline for the whole job: every step shares what is left of it.
async fn one_deadline(budget: Duration) -> Result<Vec<&'static str>, Elapsed> {
    let deadline = Instant::now() + budget;
    let mut answers = Vec::new();
    for (name, ms) in STEPS {
        answers.push(timeout_at(deadline, call(name, ms)).await?);
    }
    Ok(answers)
}

// Paused clock: timers fire in simulated time, so the printed durations are
// exact and the program finishes at once.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let ms = Duration::from_millis;

    let start = Instant::now();
    let one = timeout(ms(100), call("joke", 250)).await;
    println!(
        "one call, 100 ms limit: {one:?} after {:?}",
        start.elapsed()
    );

    let start = Instant::now();
    let steps = limit_per_step(ms(50)).await;
    println!("50 ms per step: {steps:?} after {:?}", start.elapsed());

    let start = Instant::now();
    let steps = one_deadline(ms(100)).await;
    println!("100 ms in all: {steps:?} after {:?}", start.elapsed());
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_timeout_gives_up_exactly_at_its_limit() {
        let start = Instant::now();
        let result =
            timeout(Duration::from_millis(100), call("joke", 250)).await;
        assert!(result.is_err());
        assert_eq!(start.elapsed(), Duration::from_millis(100));
        assert_eq!(result.unwrap_err().to_string(), "deadline has elapsed");
    }

    #[tokio::test(start_paused = true)]
    async fn limits_per_step_add_up() {
        let start = Instant::now();
        let answers = limit_per_step(Duration::from_millis(50)).await.unwrap();
        assert_eq!(answers, ["joke", "preferences", "weather"]);
        assert_eq!(start.elapsed(), Duration::from_millis(120));
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_bounds_the_whole_job() {
        let start = Instant::now();
        assert!(one_deadline(Duration::from_millis(100)).await.is_err());
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }

    #[tokio::test]
    async fn a_future_ready_at_once_beats_even_a_zero_timeout() {
        // `Timeout` polls the inner future before it looks at its timer.
        let ready = async { "ready" };
        assert_eq!(timeout(Duration::ZERO, ready).await, Ok("ready"));
    }

    /// Five steps that block the thread for 20 ms each; with `awaits`, an
    /// `.await` that suspends follows each step.
    async fn blocking_steps(done: &Cell<u32>, awaits: bool) {
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(20));
            done.set(done.get() + 1);
            if awaits {
                tokio::task::yield_now().await;
            }
        }
    }

    #[tokio::test]
    async fn a_timeout_cannot_interrupt_code_that_never_awaits() {
        let limit = Duration::from_millis(30);
        // No `.await`: all 100 ms of work run, and the result wins.
        let done = Cell::new(0);
        let result = timeout(limit, blocking_steps(&done, false)).await;
        assert_eq!((result, done.get()), (Ok(()), 5));
        // The same work, the same limit: stopped at an `.await`.
        let done = Cell::new(0);
        let result = timeout(limit, blocking_steps(&done, true)).await;
        assert!(result.is_err());
        assert!(done.get() < 5, "stopped after {} steps", done.get());
    }
}
