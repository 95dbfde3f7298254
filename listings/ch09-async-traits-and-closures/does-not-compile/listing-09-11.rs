/// Before Rust 1.85: a handler for each incoming line, taken as a closure
/// `F` that returns some future `Fut`. The line is only borrowed.
async fn on_each_line<F, Fut>(lines: &[String], handler: F) -> usize
where
    F: Fn(&str) -> Fut,
    Fut: Future<Output = usize>,
{
    let mut total = 0;
    for line in lines {
        total += handler(line).await;
    }
    total
}

async fn lookup(word: &str) -> usize {
    word.len() // stands for a call to a service
}

#[tokio::main]
async fn main() {
    let lines = vec!["tell me a joke".to_string()];
    // The future uses `line` across an `.await`: it borrows the argument.
    let total = on_each_line(&lines, |line| async move {
        let first = line.split(' ').next().unwrap_or_default();
        lookup(first).await
    })
    .await;
    println!("{total}");
}
