use std::pin::Pin;
use std::task::{Context, Waker};

async fn count_letters(text: String) -> usize {
    let letters = &text; // a reference into the future's own state...
    tokio::task::yield_now().await; // ...kept across an `.await`
    letters.len()
}

fn main() {
    let mut future = count_letters(String::from("joke"));
    let mut cx = Context::from_waker(Waker::noop());
    let _ = Pin::new(&mut future).poll(&mut cx);
}
