use std::pin::Pin;
use std::task::{Context, Poll};

/// Not ready for the first `n` polls, ready on poll `n + 1`. Each time it
/// says `Pending` it wakes its task first, so the task is polled again.
pub struct Countdown {
    remaining: u32,
    pub polls: u32,
}

impl Countdown {
    pub fn new(n: u32) -> Self {
        Countdown {
            remaining: n,
            polls: 0,
        }
    }
}

impl Future for Countdown {
    type Output = &'static str;

    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Self::Output> {
        self.polls += 1;
        if self.remaining == 0 {
            return Poll::Ready("liftoff");
        }
        self.remaining -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut countdown = Countdown::new(3);
    let result = (&mut countdown).await;
    println!("{result} after {} polls", countdown.polls);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::task::Waker;

    #[test]
    fn pending_n_times_then_ready() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut countdown = pin!(Countdown::new(3));
        for _ in 0..3 {
            assert_eq!(countdown.as_mut().poll(&mut cx), Poll::Pending);
        }
        assert_eq!(countdown.as_mut().poll(&mut cx), Poll::Ready("liftoff"));
    }

    #[tokio::test]
    async fn a_runtime_polls_it_n_plus_one_times() {
        let mut countdown = Countdown::new(5);
        assert_eq!((&mut countdown).await, "liftoff");
        assert_eq!(countdown.polls, 6);
    }
}
