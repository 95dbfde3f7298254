//! What a boxed (dynamic) async call costs next to a static one.

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use support::{CountAllocations, allocations};

/// The system allocator, counting the allocations made on each thread.
#[global_allocator]
static ALLOCATOR: CountAllocations = CountAllocations;

// ANCHOR: traits
/// A native async trait: called on a known type, nothing is boxed.
#[dynosaur::dynosaur(DynScale = dyn(box) Scale)]
trait Scale {
    fn scale(&self, x: u64) -> impl Future<Output = u64>;
}

/// The same method through `async-trait`: always boxed.
#[async_trait::async_trait]
trait BoxedScale {
    async fn scale_boxed(&self, x: u64) -> u64;
}

struct Times(u64);

impl Scale for Times {
    async fn scale(&self, x: u64) -> u64 {
        x.wrapping_mul(self.0)
    }
}

#[async_trait::async_trait]
impl BoxedScale for Times {
    async fn scale_boxed(&self, x: u64) -> u64 {
        x.wrapping_mul(self.0)
    }
}
// ANCHOR_END: traits

/// Polls a future that is ready at once (these all are) to its output.
fn now<F: Future>(future: F) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the futures here never wait"),
    }
}

/// Time and allocations per call, over `calls` calls of `call`.
struct Cost {
    nanos: f64,
    allocations: f64,
}

fn cost(calls: u64, call: impl Fn(u64) -> u64) -> Cost {
    let (before, start) = (allocations(), Instant::now());
    let mut sum = 0u64;
    for i in 0..calls {
        sum = sum.wrapping_add(call(black_box(i)));
    }
    black_box(sum);
    Cost {
        nanos: start.elapsed().as_nanos() as f64 / calls as f64,
        allocations: (allocations() - before) as f64 / calls as f64,
    }
}

// ANCHOR: measure
/// Measures the same call made three ways.
fn measure(calls: u64) -> Vec<(&'static str, Cost)> {
    let times = Times(3);
    // `black_box` hides the concrete type behind each reference, so the
    // optimiser cannot turn the dynamic calls back into static ones.
    let native: &Times = black_box(&times);
    let boxed: &dyn BoxedScale = black_box(&times);
    let dynosaur: &DynScale = black_box(DynScale::from_ref(&times));
    vec![
        (
            "static, native async fn",
            cost(calls, |x| now(native.scale(x))),
        ),
        (
            "dyn, async-trait",
            cost(calls, |x| now(boxed.scale_boxed(x))),
        ),
        ("dyn, dynosaur", cost(calls, |x| now(dynosaur.scale(x)))),
    ]
}
// ANCHOR_END: measure

fn main() {
    let calls = 2_000_000;
    println!("calls per row: {calls}");
    println!("{:26}{:>12}{:>20}", "", "time/call", "allocations/call");
    for (name, cost) in measure(calls) {
        println!("{name:26}{:>9.1} ns{:>20.1}", cost.nanos, cost.allocations);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allocations_of(name: &str) -> f64 {
        let costs = measure(1_000);
        let (_, cost) = costs.iter().find(|(row, _)| *row == name).unwrap();
        cost.allocations
    }

    #[test]
    fn a_static_call_allocates_nothing() {
        assert_eq!(allocations_of("static, native async fn"), 0.0);
    }

    #[test]
    fn a_dyn_call_allocates_once_per_call() {
        assert_eq!(allocations_of("dyn, async-trait"), 1.0);
        assert_eq!(allocations_of("dyn, dynosaur"), 1.0);
    }

    #[test]
    fn the_three_paths_compute_the_same_product() {
        let times = Times(3);
        let boxed: &dyn BoxedScale = &times;
        let dynosaur: &DynScale = DynScale::from_ref(&times);
        for x in [0, 5, 7] {
            assert_eq!(now(times.scale(x)), 3 * x);
            assert_eq!(now(boxed.scale_boxed(x)), 3 * x);
            assert_eq!(now(dynosaur.scale(x)), 3 * x);
        }
    }

    #[test]
    fn cost_reports_the_time_of_one_call() {
        // Ten calls of at least a millisecond each.
        let start = Instant::now();
        let cost = cost(10, |x| {
            std::thread::sleep(std::time::Duration::from_millis(1));
            x
        });
        let elapsed = start.elapsed().as_nanos() as f64;
        assert!(cost.nanos >= 1e6, "{} ns", cost.nanos);
        assert!(cost.nanos <= elapsed / 10.0, "{} ns", cost.nanos);
    }
}
