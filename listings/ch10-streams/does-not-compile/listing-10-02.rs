use std::time::Duration;

use futures::StreamExt;
// Wanted for `timeout`; imported under `_` to dodge the duplicate name.
use tokio_stream::StreamExt as _;

#[tokio::main]
async fn main() {
    let mut jokes = futures::stream::iter(["one", "two"])
        .timeout(Duration::from_secs(1));
    while let Some(joke) = jokes.next().await {
        println!("{joke:?}");
    }
}
