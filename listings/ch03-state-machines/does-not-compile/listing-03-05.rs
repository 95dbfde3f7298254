use std::pin::pin;

async fn tell_joke() -> &'static str {
    tokio::task::yield_now().await;
    "Why did the future go to therapy? It had unresolved issues."
}

fn main() {
    let future = pin!(tell_joke());
    // Swapping in a fresh future would move the pinned one out.
    let _old = std::mem::replace(&mut *future, tell_joke());
}
