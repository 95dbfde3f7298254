use std::sync::{Arc, Mutex};

async fn next_ticket(counter: Arc<Mutex<u32>>) -> u32 {
    let mut guard = counter.lock().unwrap();
    *guard += 1;
    let ticket = *guard;
    drop(guard); // the guard is gone before the `.await`...
    tokio::task::yield_now().await; // ...yet it still counts here
    ticket
}

#[tokio::main]
async fn main() {
    let counter = Arc::new(Mutex::new(0));
    let handle = tokio::spawn(next_ticket(counter));
    println!("ticket {}", handle.await.unwrap());
}
