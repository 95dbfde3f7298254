use std::time::Duration;

use tokio_stream::StreamExt;

#[tokio::main]
async fn main() {
    // At most one joke every 10 ms.
    let mut jokes = tokio_stream::iter(["one", "two", "three"])
        .throttle(Duration::from_millis(10));
    while let Some(joke) = jokes.next().await {
        println!("{joke}");
    }
}
