use std::error::Error;

use anyhow::anyhow;

/// A boxed error that may cross threads: the fix for Listing 8-2.
type BoxError = Box<dyn Error + Send + Sync>;

async fn parse_age(text: String) -> Result<u8, BoxError> {
    let age = text.trim().parse::<u8>()?;
    assert!(age <= 150, "nobody is {age} years old"); // a bug: it panics
    Ok(age)
}

/// Parses `text` in a task of its own and reports every way that can fail.
async fn age_in_a_task(text: &str) -> anyhow::Result<u8> {
    let task = tokio::spawn(parse_age(text.to_owned()));
    // Two layers: did the task finish, and did the parse succeed?
    let outcome: Result<u8, BoxError> = match task.await {
        Ok(outcome) => outcome,
        Err(join_error) if join_error.is_panic() => {
            return Err(anyhow!("the task parsing {text:?} panicked"));
        }
        Err(_) => {
            return Err(anyhow!("the task parsing {text:?} was cancelled"));
        }
    };
    // `?` cannot convert a boxed error (it does not implement `Error`), so
    // `from_boxed` does it by name.
    outcome.map_err(|error| {
        anyhow::Error::from_boxed(error).context(format!("parsing {text:?}"))
    })
}

#[tokio::main]
async fn main() {
    // The panic's own message goes to standard error, as every panic's does.
    for text in ["42", "forty-two", "200"] {
        match age_in_a_task(text).await {
            Ok(age) => println!("{text:?}: {age}"),
            Err(error) => println!("{text:?}: error: {error:#}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    #[tokio::test]
    async fn a_good_age_comes_through_both_layers() {
        assert_eq!(age_in_a_task("42").await.unwrap(), 42);
    }

    #[tokio::test]
    async fn the_tasks_own_error_arrives_with_context() {
        let error = age_in_a_task("forty-two").await.unwrap_err();
        assert_eq!(
            format!("{error:#}"),
            "parsing \"forty-two\": invalid digit found in string"
        );
    }

    #[tokio::test]
    async fn a_panic_in_the_task_becomes_an_error_here() {
        let error = age_in_a_task("200").await.unwrap_err();
        assert_eq!(error.to_string(), "the task parsing \"200\" panicked");
    }

    #[test]
    fn a_task_cut_off_by_a_shutdown_is_reported_as_cancelled() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut parse = pin!(age_in_a_task("42"));
        let mut context = Context::from_waker(Waker::noop());
        // The first poll spawns the task on `runtime`, which never runs it.
        let inside = runtime.enter();
        assert!(parse.as_mut().poll(&mut context).is_pending());
        drop(inside);
        drop(runtime); // shutting down cancels the task
        let Poll::Ready(Err(error)) = parse.poll(&mut context) else {
            panic!("the task's cancellation was not reported");
        };
        assert_eq!(error.to_string(), "the task parsing \"42\" was cancelled");
    }

    #[tokio::test]
    async fn join_error_itself_converts_with_question_mark() {
        // JoinError is an Error + Send + Sync + 'static, so `?` into
        // anyhow works too, when its own message is good enough.
        async fn inner() -> anyhow::Result<()> {
            tokio::spawn(async { panic!("boom") }).await?;
            Ok(())
        }
        let error = inner().await.unwrap_err();
        let join_error = error.downcast_ref::<tokio::task::JoinError>();
        assert!(join_error.unwrap().is_panic());
    }
}
