use std::time::Duration;

async fn fetch_joke() -> String {
    tokio::time::sleep(Duration::from_millis(200)).await;
    String::from("Why did the future go to therapy? It had unresolved issues.")
}

#[tokio::main]
async fn main() {
    let joke: String = fetch_joke();
    println!("{joke}");
}
