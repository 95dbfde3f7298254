use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn fetch_joke() -> String {
    tokio::time::sleep(Duration::from_millis(5)).await;
    String::from("a joke")
}

#[tokio::main]
async fn main() {
    let told = Arc::new(Mutex::new(Vec::new()));
    let task = tokio::spawn({
        let told = Arc::clone(&told);
        async move {
            let mut told = told.lock().unwrap();
            told.push(fetch_joke().await); // guard held across .await
        }
    });
    task.await.unwrap();
}
