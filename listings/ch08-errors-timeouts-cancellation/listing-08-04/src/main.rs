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
    async fn a_timeout_cannot_interrupt_code_that_never_awaits() {
        // The inner future blocks its thread for 5 ms without an `.await`;
        // the 1 ms timeout only gets to look once that is over, and by then
        // the inner future is done: its result wins.
        let blocking = async {
            std::thread::sleep(Duration::from_millis(5));
            "finished anyway"
        };
        let result = timeout(Duration::from_millis(1), blocking).await;
        assert_eq!(result, Ok("finished anyway"));
    }
}
