use std::pin::{Pin, pin};
use std::task::{Context, Poll, Waker, ready};

/// A simulated call: `Pending` once (waking its task), then its value.
pub struct Fetch {
    value: u32,
    polled_before: bool,
}

pub fn fetch(value: u32) -> Fetch {
    Fetch {
        value,
        polled_before: false,
    }
}

impl Future for Fetch {
    type Output = u32;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.polled_before {
            return Poll::Ready(self.value);
        }
        self.polled_before = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The function to translate.
pub async fn sum_three() -> u32 {
    let mut total = 0;
    for i in 1..=3 {
        total += fetch(i * 10).await;
    }
    total
}

/// By hand. The loop needs one waiting state, which remembers where the
/// loop is (`i`), what has been added up so far, and the call in flight.
pub enum SumThree {
    Start,
    Waiting { i: u32, total: u32, call: Fetch },
    Done,
}

impl Future for SumThree {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        let state = self.get_mut(); // `SumThree` is `Unpin`
        loop {
            match state {
                SumThree::Start => {
                    let call = fetch(10);
                    *state = SumThree::Waiting {
                        i: 1,
                        total: 0,
                        call,
                    };
                }
                SumThree::Waiting { i, total, call } => {
                    let total = *total + ready!(Pin::new(call).poll(cx));
                    if *i == 3 {
                        *state = SumThree::Done;
                        return Poll::Ready(total);
                    }
                    let i = *i + 1;
                    let call = fetch(i * 10);
                    *state = SumThree::Waiting { i, total, call };
                }
                SumThree::Done => panic!("`SumThree` polled after it finished"),
            }
        }
    }
}

/// Polls a future to completion; returns its output and the poll count.
pub fn run<F: Future>(future: F) -> (F::Output, u32) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, polls);
        }
    }
}

fn main() {
    println!("async fn: {:?}", run(sum_three()));
    println!("by hand:  {:?}", run(SumThree::Start));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_sum_same_number_of_polls() {
        assert_eq!(run(sum_three()), (60, 4));
        assert_eq!(run(SumThree::Start), (60, 4));
    }

    #[tokio::test]
    async fn a_runtime_runs_it_too() {
        assert_eq!(SumThree::Start.await, 60);
    }
}
