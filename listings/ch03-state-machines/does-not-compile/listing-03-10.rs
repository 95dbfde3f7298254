use std::rc::Rc;

async fn greet(name: String) -> String {
    let shared = Rc::new(name); // `Rc` is not `Send`...
    tokio::task::yield_now().await; // ...and it lives across this `.await`
    format!("Hello, {shared}!")
}

#[tokio::main]
async fn main() {
    let handle = tokio::spawn(greet(String::from("Amélie")));
    println!("{}", handle.await.unwrap());
}
