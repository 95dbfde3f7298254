use std::rc::Rc;

async fn shout(text: Rc<str>) -> String {
    tokio::task::yield_now().await;
    text.to_uppercase()
}

#[tokio::main]
async fn main() {
    let text: Rc<str> = Rc::from("hello");
    // Accepted: join! polls this future inside the current task.
    let (a, b) =
        tokio::join!(shout(Rc::clone(&text)), shout(Rc::clone(&text)));
    println!("{a} {b}");
    // Rejected: a spawned task may move to another thread.
    let handle = tokio::spawn(shout(text));
    println!("{}", handle.await.unwrap());
}
