use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker, ready};

/// Where lookups and the test driver write down every poll, in order.
type Log = Arc<Mutex<Vec<String>>>;

/// A simulated remote call: not ready on its first poll, ready with its
/// answer on the second. It logs every poll.
pub struct Lookup {
    name: &'static str,
    answer: String,
    polled_before: bool,
    log: Log,
}

impl Future for Lookup {
    type Output = String;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        let status = if self.polled_before {
            "Ready"
        } else {
            "Pending"
        };
        let entry = format!("  {} lookup: {status}", self.name);
        self.log.lock().unwrap().push(entry);
        if self.polled_before {
            return Poll::Ready(std::mem::take(&mut self.answer));
        }
        self.polled_before = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn lookup(name: &'static str, answer: &str, log: &Log) -> Lookup {
    let (answer, log) = (answer.to_string(), log.clone());
    Lookup {
        name,
        answer,
        polled_before: false,
        log,
    }
}

fn load_language(user: &str, log: &Log) -> Lookup {
    let language = if user == "amelie" { "fr" } else { "en" };
    lookup("language", language, log)
}

fn fetch_joke(language: &str, log: &Log) -> Lookup {
    let joke = match language {
        "fr" => "Pourquoi le futur attend-il ? Personne ne l'a réveillé.",
        _ => "Why did the future go to therapy? It had unresolved issues.",
    };
    lookup("joke", joke, log)
}

// ANCHOR: machine
pub async fn reply(user: String, log: Log) -> String {
    let language = load_language(&user, &log).await;
    let joke = fetch_joke(&language, &log).await;
    format!("[{language}] {joke}")
}

/// `reply`, written by hand: one variant per place the function can be
/// suspended, holding what is still needed from there on.
pub enum Reply {
    Start { user: String, log: Log },
    WaitingForLanguage { lookup: Lookup, log: Log },
    WaitingForJoke { language: String, lookup: Lookup },
    Done,
}

pub fn reply_by_hand(user: String, log: Log) -> Reply {
    Reply::Start { user, log }
}

impl Future for Reply {
    type Output = String;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<String> {
        // `Unpin` is an auto trait: `Reply` has it because all its fields
        // do, so `get_mut` hands out a plain `&mut`. Nothing in `Reply`
        // points into itself, so moving it would be harmless anyway.
        let state = self.get_mut();
        loop {
            match state {
                Reply::Start { user, log } => {
                    let lookup = load_language(user, log);
                    let log = log.clone();
                    *state = Reply::WaitingForLanguage { lookup, log };
                }
                Reply::WaitingForLanguage { lookup, log } => {
                    // `ready!` returns `Poll::Pending` from `poll` if the
                    // lookup is not ready: the state stays as it is.
                    let language = ready!(Pin::new(lookup).poll(cx));
                    let lookup = fetch_joke(&language, log);
                    *state = Reply::WaitingForJoke { language, lookup };
                }
                Reply::WaitingForJoke { language, lookup } => {
                    let joke = ready!(Pin::new(lookup).poll(cx));
                    let reply = format!("[{language}] {joke}");
                    *state = Reply::Done;
                    return Poll::Ready(reply);
                }
                Reply::Done => panic!("`Reply` polled after it finished"),
            }
        }
    }
}
// ANCHOR_END: machine

/// Polls `future` until it is ready, logging each poll's result.
pub fn run_logged<F: Future>(future: F, log: &Log) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        let poll = future.as_mut().poll(&mut cx);
        let status = if poll.is_ready() { "Ready" } else { "Pending" };
        log.lock().unwrap().push(format!("poll: {status}"));
        if let Poll::Ready(output) = poll {
            return output;
        }
    }
}

fn main() {
    let (log_a, log_b) = (Log::default(), Log::default());
    let a = run_logged(reply("amelie".into(), log_a.clone()), &log_a);
    let b = run_logged(reply_by_hand("amelie".into(), log_b.clone()), &log_b);

    println!("{:<28}by hand", "async fn");
    let (log_a, log_b) = (log_a.lock().unwrap(), log_b.lock().unwrap());
    for (left, right) in log_a.iter().zip(log_b.iter()) {
        println!("{left:<28}{right}");
    }
    println!("{a}\n{b}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_give_the_same_reply_with_the_same_polls() {
        for user in ["amelie", "bob"] {
            let (log_a, log_b) = (Log::default(), Log::default());
            let a = run_logged(reply(user.into(), log_a.clone()), &log_a);
            let b =
                run_logged(reply_by_hand(user.into(), log_b.clone()), &log_b);
            assert_eq!(a, b);
            assert_eq!(*log_a.lock().unwrap(), *log_b.lock().unwrap());
        }
    }

    #[test]
    fn each_await_that_is_not_ready_makes_one_pending() {
        let log = Log::default();
        run_logged(reply_by_hand("bob".into(), log.clone()), &log);
        let polls = log.lock().unwrap();
        let pending = polls.iter().filter(|e| *e == "poll: Pending").count();
        assert_eq!(pending, 2);
    }

    /// Polls a future to completion, then once more.
    fn poll_after_completion<F: Future>(future: F) {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        while future.as_mut().poll(&mut cx).is_pending() {}
        let _ = future.as_mut().poll(&mut cx);
    }

    #[test]
    #[should_panic(expected = "`async fn` resumed after completion")]
    fn the_compilers_future_panics_if_polled_after_completion() {
        poll_after_completion(reply("bob".into(), Log::default()));
    }

    #[test]
    #[should_panic(expected = "`Reply` polled after it finished")]
    fn the_hand_written_one_panics_too() {
        poll_after_completion(reply_by_hand("bob".into(), Log::default()));
    }

    #[tokio::test]
    async fn a_runtime_runs_both_the_same() {
        let a = reply("bob".into(), Log::default()).await;
        let b = reply_by_hand("bob".into(), Log::default()).await;
        assert_eq!(a, b);
        assert!(a.starts_with("[en] Why did the future"));
    }
}
