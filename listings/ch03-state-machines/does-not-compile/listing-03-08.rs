/// Counts down to zero, one recursive call per step.
async fn countdown(n: u32) -> Vec<u32> {
    if n == 0 {
        return vec![0];
    }
    let mut rest = countdown(n - 1).await;
    rest.insert(0, n);
    rest
}

#[tokio::main]
async fn main() {
    println!("{:?}", countdown(3).await);
}
