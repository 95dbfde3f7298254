/// Before Rust 1.85: take "an async closure" as a closure `F` that returns
/// some future `Fut`.
async fn for_each_joke<F, Fut>(ids: &[u32], mut f: F)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = ()>,
{
    for &id in ids {
        f(id).await;
    }
}

async fn fetch(id: u32) -> String {
    format!("joke {id}")
}

#[tokio::main]
async fn main() {
    let mut told = Vec::new();
    // The async block wants to borrow `told` from the closure.
    for_each_joke(&[1, 2, 3], |id| async {
        told.push(fetch(id).await);
    })
    .await;
    println!("{told:?}");
}
