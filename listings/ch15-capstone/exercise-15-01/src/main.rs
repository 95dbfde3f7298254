//! A reusable retry policy: a timeout per attempt, a doubling pause
//! between attempts, and a deadline for the whole call.

use std::future::Future;
use std::time::Duration;

use tokio::time::{Instant, sleep, timeout};

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub attempt_timeout: Duration,
    pub retries: u32,
    pub backoff: Duration,
    /// The whole call, attempts and pauses, ends by this time.
    pub deadline: Duration,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Failure<E> {
    /// The last attempt failed with this error.
    Failed(E),
    /// The last attempt, or the whole call, ran out of time.
    TimedOut,
}

/// Runs `attempt` until it succeeds, fails with an error `retryable` turns
/// down, has no retries left, or reaches the deadline.
pub async fn retry<T, E, Fut>(
    policy: Policy,
    mut attempt: impl FnMut() -> Fut,
    retryable: impl Fn(&E) -> bool,
) -> Result<T, Failure<E>>
where
    Fut: Future<Output = Result<T, E>>,
{
    let all_attempts = async {
        let mut pause = policy.backoff;
        let mut retries_left = policy.retries;
        loop {
            let failure = match timeout(policy.attempt_timeout, attempt()).await
            {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(error)) if !retryable(&error) => {
                    return Err(Failure::Failed(error));
                }
                Ok(Err(error)) => Failure::Failed(error),
                Err(_elapsed) => Failure::TimedOut,
            };
            if retries_left == 0 {
                return Err(failure);
            }
            retries_left -= 1;
            sleep(pause).await;
            pause *= 2;
        }
    };
    // Dropping `all_attempts` at the deadline cancels whatever it is doing.
    timeout(policy.deadline, all_attempts)
        .await
        .unwrap_or(Err(Failure::TimedOut))
}

const POLICY: Policy = Policy {
    attempt_timeout: Duration::from_millis(100),
    retries: 3,
    backoff: Duration::from_millis(50),
    deadline: Duration::from_secs(1),
};

// The clock is paused: the pauses are skipped, and the times are exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = Instant::now();
    let mut attempts = 0;
    let result = retry(
        POLICY,
        || {
            attempts += 1;
            let n = attempts;
            async move {
                println!("attempt {n} at {:?}", start.elapsed());
                if n < 3 { Err("busy") } else { Ok("a joke") }
            }
        },
        |_| true,
    )
    .await;
    println!("{result:?} after {:?}", start.elapsed());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `retry` over `outcomes`, one per attempt, each after `delay`;
    /// returns the result and when each attempt started.
    async fn run(
        policy: Policy,
        outcomes: &[Result<u32, &'static str>],
        delay: Duration,
    ) -> (Result<u32, Failure<&'static str>>, Vec<Duration>) {
        let start = Instant::now();
        let mut started = Vec::new();
        let mut outcomes = outcomes.iter().copied();
        let result = retry(
            policy,
            || {
                started.push(start.elapsed());
                let outcome = outcomes.next().unwrap_or(Err("no more"));
                async move {
                    sleep(delay).await;
                    outcome
                }
            },
            |error| *error != "fatal",
        )
        .await;
        (result, started)
    }

    fn ms(values: &[u64]) -> Vec<Duration> {
        values.iter().copied().map(Duration::from_millis).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn pauses_double_between_attempts() {
        let outcomes = [Err("busy"), Err("busy"), Ok(7)];
        let (result, started) = run(POLICY, &outcomes, Duration::ZERO).await;
        assert_eq!(result, Ok(7));
        assert_eq!(started, ms(&[0, 50, 150]));
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_with_the_last_error_when_retries_run_out() {
        let outcomes = [Err("a"), Err("b"), Err("c"), Err("d"), Ok(1)];
        let (result, started) = run(POLICY, &outcomes, Duration::ZERO).await;
        assert_eq!(result, Err(Failure::Failed("d")));
        assert_eq!(started, ms(&[0, 50, 150, 350]));
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_that_is_not_retryable_stops_at_once() {
        let outcomes = [Err("fatal"), Ok(1)];
        let (result, started) = run(POLICY, &outcomes, Duration::ZERO).await;
        assert_eq!(result, Err(Failure::Failed("fatal")));
        assert_eq!(started, ms(&[0]));
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_cuts_the_whole_call_short() {
        let policy = Policy {
            retries: 10,
            deadline: Duration::from_millis(200),
            ..POLICY
        };
        let start = Instant::now();
        // Every attempt hangs: it times out after 100 ms each time. The
        // second starts at 150 ms and would time out at 250 ms; the
        // deadline ends it, and the call, at 200 ms.
        let (result, started) = run(policy, &[], Duration::from_secs(60)).await;
        assert_eq!(result, Err(Failure::TimedOut));
        assert_eq!(started, ms(&[0, 150]));
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }
}
