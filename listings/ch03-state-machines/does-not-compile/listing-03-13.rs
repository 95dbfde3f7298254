use std::time::Duration;

async fn joke_from_cache() -> String {
    String::from("a cached joke")
}

async fn joke_from_api() -> String {
    tokio::time::sleep(Duration::from_millis(200)).await;
    String::from("a fresh joke")
}

#[tokio::main]
async fn main() {
    let cached = std::env::args().count() > 1;
    let joke = if cached {
        joke_from_cache()
    } else {
        joke_from_api()
    };
    println!("{}", joke.await);
}
